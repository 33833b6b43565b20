"""One short scenario per borrower-event type, replayed through the bus path (sim.scenarios.run_scenario).

Every scenario event goes PutEvents → rule → queue → IngestEventsFunction, exactly as `make scenario`
delivers it; each test reads the exported contacts.jsonl / accounts.json / events.jsonl and checks
DOMAIN.md's stop and pause rules. Accounts are CN, Asia/Shanghai (the daily run fires at 10:00 local,
02:00Z), so an event at 06:00Z lands after that day's run. Each scenario runs once per module, lazily.
Scenarios that need the late ladder (visits at D+30, legal review at D+60) start with the due date
already weeks behind, so they stay a few days long.
"""

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest

from tests.support import ScenarioOutput, local_date, utc

ACTIONS = ("sms", "call", "visit", "legal_review", "legal_referral")
COLLECTION = ("reminder", "early_call", "follow_up", "follow_up_call")  # ladder contacts a pause must stop


def account(account_id: str, n: int, balance: str = "1000.00", due: str = "2026-03-03", fees: str = "0.00") -> dict[str, Any]:
    return {
        "account_id": account_id,
        "phone": f"+86138001380{n:02d}",
        "timezone": "Asia/Shanghai",
        "locale": "zh-CN",
        "profile": "CN",
        "balance": balance,
        "fees": fees,
        "currency": "CNY",
        "due_date": due,
    }


def scenario(name: str, days: int, accounts: list[dict], events: list[dict]) -> dict[str, Any]:
    return {"name": name, "start_date": "2026-03-01", "days": days, "profile": "CN", "accounts": accounts, "events": events}


# Due 2026-01-02: 2026-03-01 is D+58, so D+60 (legal review) is 2026-03-03. Due 2026-02-01: 2026-03-01 is D+28.
LATE_DUE, FIELD_DUE = "2026-01-02", "2026-02-01"
# Two refusals before the first run (02:00Z): a field visit is due at once (D+58 >= D+30).
REFUSE_TWICE = [("2026-03-01T00:30:00Z", "refused"), ("2026-03-01T00:40:00Z", "refused")]


def outcomes(account_id: str, kind: str, items: list[tuple[str, str]]) -> list[dict]:
    return [{"at": at, "type": kind, "account_id": account_id, "outcome": outcome} for at, outcome in items]


# ---------------------------------------------------------------------- the scenarios (instants used by the tests)
FULL_PAID_AT, PART_PAID_AT = "2026-03-04T06:00:00Z", "2026-03-02T06:00:00Z"
BALANCE_AT = "2026-03-02T06:00:00Z"
BAD_PROMISE_AT, PROMISE_AT = "2026-03-02T06:00:00Z", "2026-03-04T07:00:00Z"
NOOP_RESOLVE_AT, DISPUTE_AT, RESOLVE_AT = "2026-03-01T06:00:00Z", "2026-03-04T06:00:00Z", "2026-03-05T06:00:00Z"
OPT_OUT_AT, CEASE_AT = "2026-03-02T06:00:00Z", "2026-03-02T06:00:00Z"
LATER_DISPUTE_AT, LATER_RESOLVE_AT, SETTLED_AT = "2026-03-03T06:00:00Z", "2026-03-04T06:00:00Z", "2026-03-05T06:00:00Z"
NOT_HOME_AT, EARLY_DECISION_AT, DECISION_AT = "2026-03-01T06:00:00Z", "2026-03-02T06:00:00Z", "2026-03-03T06:00:00Z"
CORE_DECISION_AT = "2026-03-03T05:00:00Z"  # after the run that opens the review (02:00Z), before the operators' decision
ENROLL_AT = "2026-03-01T06:00:00Z"
# Four eyes (issue 19): people as AWS authenticates them. Alice through the lender's Identity Center role is still Alice.
ALICE = "arn:aws:sts::123456789012:assumed-role/CollectionsReviewer/alice"
ALICE_SSO = "arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_Reviewer_0123abcd/alice"
BOB = "arn:aws:sts::123456789012:assumed-role/CollectionsReviewer/bob"
CAROL = "arn:aws:sts::123456789012:assumed-role/CollectionsOperator/carol"
IAM_USER = "arn:aws:iam::123456789012:user/carol"
SECOND_DECISION_AT, THIRD_DECISION_AT = "2026-03-03T07:00:00Z", "2026-03-03T08:00:00Z"


def decision(at: str, account_id: str, verdict: str, principal: str) -> dict[str, Any]:
    return {"at": at, "type": "legal_decision", "account_id": account_id, "decision": verdict, "principal": principal}


def reviewed(*account_ids: str) -> list[dict]:
    """Events that bring each account to a legal review on 2026-03-03 (as in the legal_decision scenario)."""
    events = []
    for a in account_ids:
        events += outcomes(a, "call_outcome", REFUSE_TWICE) + outcomes(a, "visit_outcome", [(NOT_HOME_AT, "not_home")])
    return events


SCENARIOS: dict[str, dict[str, Any]] = {
    "payment": scenario(
        "payment: full and partial",
        7,
        [account("FULL", 1), account("PART", 2)],
        [
            {"at": PART_PAID_AT, "type": "payment", "account_id": "PART", "amount": "400.00"},
            {"at": FULL_PAID_AT, "type": "payment", "account_id": "FULL", "amount": "1000.00"},
        ],
    ),
    "balance_update": scenario(
        "balance_update: the ledger's new figures",
        4,
        [account("LEDGER", 3)],
        [{"at": BALANCE_AT, "type": "balance_update", "account_id": "LEDGER", "balance": "1500.00", "fees": "30.00"}],
    ),
    "promise_to_pay": scenario(
        "promise_to_pay: pause, one reminder, broken promise resumes the ladder",
        8,
        [account("PROMISE", 4), account("PROMISE-PAID", 19)],
        [
            {"at": PROMISE_AT, "type": "promise_to_pay", "account_id": "PROMISE-PAID", "amount": "1000.00", "promised_date": "2026-03-07"},
            {"at": SETTLED_AT, "type": "payment", "account_id": "PROMISE-PAID", "amount": "1000.00"},
            # A promise for the day before the borrower's own: the contract (UTC) accepts it, applying it refuses it,
            # naming the field, and nothing pauses. (A date the contract refuses is refused with the scenario file.)
            {"at": BAD_PROMISE_AT, "type": "promise_to_pay", "account_id": "PROMISE", "amount": "1000.00", "promised_date": "2026-03-01"},
            {"at": PROMISE_AT, "type": "promise_to_pay", "account_id": "PROMISE", "amount": "1000.00", "promised_date": "2026-03-07"},
        ],
    ),
    "dispute": scenario(
        "dispute_opened / dispute_resolved",
        7,
        [account("HELD", 5), account("RESOLVED", 6)],
        [
            {"at": NOOP_RESOLVE_AT, "type": "dispute_resolved", "account_id": "HELD"},  # no dispute yet: recorded, no effect
            {"at": DISPUTE_AT, "type": "dispute_opened", "account_id": "HELD"},
            {"at": DISPUTE_AT, "type": "dispute_opened", "account_id": "RESOLVED"},
            {"at": RESOLVE_AT, "type": "dispute_resolved", "account_id": "RESOLVED"},
        ],
    ),
    "opt_out": scenario(
        "opt_out: sms, and all",
        6,
        [account("NO-SMS", 7), account("NO-ALL", 8), account("NO-SMS-PAYS", 20)],
        [
            {"at": OPT_OUT_AT, "type": "opt_out", "account_id": "NO-SMS-PAYS", "channel": "sms"},
            {"at": SETTLED_AT, "type": "payment", "account_id": "NO-SMS-PAYS", "amount": "1000.00"},
            {"at": OPT_OUT_AT, "type": "opt_out", "account_id": "NO-SMS", "channel": "sms"},
            {"at": OPT_OUT_AT, "type": "opt_out", "account_id": "NO-ALL", "channel": "all"},
        ],
    ),
    "cease_contact": scenario(
        "cease_contact, also when a dispute comes and goes afterwards",
        6,
        [account("CEASE", 9), account("CEASE-DISPUTE", 18)],
        [
            {"at": CEASE_AT, "type": "cease_contact", "account_id": "CEASE"},
            {"at": CEASE_AT, "type": "cease_contact", "account_id": "CEASE-DISPUTE"},
            {"at": LATER_DISPUTE_AT, "type": "dispute_opened", "account_id": "CEASE-DISPUTE"},
            {"at": LATER_RESOLVE_AT, "type": "dispute_resolved", "account_id": "CEASE-DISPUTE"},
        ],
    ),
    "call_outcome": scenario(
        "call_outcome: unreachable, and refusing, borrowers get a field visit at D+30",
        4,
        [account("NO-ANSWER", 10, due=FIELD_DUE), account("REFUSES", 11, due=FIELD_DUE)],
        outcomes(
            "NO-ANSWER",
            "call_outcome",
            [("2026-03-01T06:00:00Z", "no_answer"), ("2026-03-02T03:00:00Z", "no_answer"), ("2026-03-02T06:00:00Z", "no_answer")],
        )
        + outcomes("REFUSES", "call_outcome", [("2026-03-01T06:00:00Z", "refused"), ("2026-03-02T06:00:00Z", "refused")]),
    ),
    "visit_outcome": scenario(
        "visit_outcome: an attempted visit opens the legal review at D+60",
        3,
        [account("VISITED", 12, balance="8000.00", due=LATE_DUE), account("NO-OUTCOME", 13, balance="8000.00", due=LATE_DUE)],
        outcomes("VISITED", "call_outcome", REFUSE_TWICE)
        + outcomes("NO-OUTCOME", "call_outcome", REFUSE_TWICE)
        + outcomes("VISITED", "visit_outcome", [(NOT_HOME_AT, "not_home")]),
    ),
    "legal_decision": scenario(
        "legal_decision: approve refers, reject returns to the ladder",
        5,
        [account("APPROVE", 14, balance="8000.00", due=LATE_DUE), account("REJECT", 15, balance="8000.00", due=LATE_DUE)],
        outcomes("APPROVE", "call_outcome", REFUSE_TWICE)
        + outcomes("REJECT", "call_outcome", REFUSE_TWICE)
        + outcomes("APPROVE", "visit_outcome", [(NOT_HOME_AT, "not_home")])
        + outcomes("REJECT", "visit_outcome", [(NOT_HOME_AT, "not_home")])
        + [
            # Before any review is waiting: rejected, naming the field.
            {"at": EARLY_DECISION_AT, "type": "legal_decision", "account_id": "APPROVE", "decision": "approve"},
            # A review waits, but the approval comes from the lender's core system, not the operators: rejected (issue 19).
            {"at": CORE_DECISION_AT, "type": "legal_decision", "account_id": "APPROVE", "decision": "approve", "source": "lender.core"},
            {"at": DECISION_AT, "type": "legal_decision", "account_id": "APPROVE", "decision": "approve"},
            {"at": DECISION_AT, "type": "legal_decision", "account_id": "REJECT", "decision": "reject"},
        ],
    ),
    "four_eyes": scenario(
        "four eyes: two distinct reviewers refer; one reviewer twice does not; a rejection ends the review",
        4,
        [account(a, n, balance="8000.00", due=LATE_DUE) for a, n in (("ONE-PERSON", 20), ("TWO-PEOPLE", 21), ("REJECTED", 22))]
        + [account("PAUSED", 23)],
        [
            *reviewed("ONE-PERSON", "TWO-PEOPLE", "REJECTED"),
            decision(DECISION_AT, "ONE-PERSON", "approve", ALICE),
            decision(SECOND_DECISION_AT, "ONE-PERSON", "approve", ALICE),
            decision(THIRD_DECISION_AT, "ONE-PERSON", "approve", ALICE_SSO),
            decision(DECISION_AT, "TWO-PEOPLE", "approve", ALICE),
            decision(SECOND_DECISION_AT, "TWO-PEOPLE", "approve", BOB),
            decision(DECISION_AT, "REJECTED", "approve", ALICE),
            decision(SECOND_DECISION_AT, "REJECTED", "reject", BOB),
            {
                "at": ENROLL_AT,
                "type": "hold_placed",
                "account_id": "PAUSED",
                "reason": "paused",
                "principal": CAROL,
                "requested_by": "ops desk",
            },
            # An IAM user, not a role's session: the operators' path refuses it at run time, with the reason.
            {"at": "2026-03-02T06:00:00Z", "type": "hold_lifted", "account_id": "PAUSED", "reason": "paused", "principal": IAM_USER},
        ],
    ),
    "new_account": scenario(
        "new_account mid-scenario",
        4,
        [],
        [{"at": ENROLL_AT, "type": "new_account", "account": account("NEW", 16, due="2026-03-06")}],
    ),
    "duplicate": scenario(
        "the same payment delivered twice (same event_id) counts once",
        1,
        [account("DUP", 17)],
        [
            {"at": "2026-03-01T06:00:00Z", "type": "payment", "account_id": "DUP", "amount": "100.00", "event_id": "core-8812"},
            {"at": "2026-03-01T06:00:00Z", "type": "payment", "account_id": "DUP", "amount": "100.00", "event_id": "core-8812"},
            {"at": "2026-03-01T09:30:00Z", "type": "payment", "account_id": "DUP", "amount": "100.00", "event_id": "core-8812"},
            {"at": "2026-03-01T10:00:00Z", "type": "payment", "account_id": "DUP", "amount": "50.00", "event_id": "core-8813"},
        ],
    ),
}


# ---------------------------------------------------------------------- running them
@pytest.fixture(scope="module")
def runs(run_scenarios):
    return lambda name: run_scenarios(name, SCENARIOS[name])


def between(run: ScenarioOutput, account_id: str, start: str, end: str) -> list[dict]:
    """The account's contacts after `start`, up to and including `end`."""
    return [c for c in run.of(account_id) if utc(start) < utc(c["at"]) <= utc(end)]


def brief(contacts: list[dict]) -> list[tuple[str, str, date]]:
    return [(c["action"], c["purpose"], local_date(c)) for c in contacts]


# ---------------------------------------------------------------------- every scenario
@pytest.mark.parametrize("name", list(SCENARIOS))
def test_scenario_runs_cleanly_and_inside_the_window(runs, name):
    run = runs(name)
    assert run.summary["handler_errors"] == []
    assert run.summary["accounts"] == len(run.accounts)
    assert len(run.events) == len(SCENARIOS[name]["events"])
    for c in run.contacts:
        assert c["action"] in ACTIONS
        if c["action"] in ("sms", "call", "visit"):
            assert 8 <= datetime.fromisoformat(c["local_time"]).hour < 21, c
        if c["action"] == "sms":
            assert c["text"].startswith("【"), c


# ---------------------------------------------------------------------- payment
def test_full_payment_gets_one_confirmation_and_nothing_else(runs):
    run = runs("payment")
    assert brief(run.of("FULL", "sms"))[:2] == [("sms", "pre_due", date(2026, 3, 1)), ("sms", "reminder", date(2026, 3, 4))]
    after = run.after("FULL", FULL_PAID_AT)
    assert [(c["action"], c["purpose"]) for c in after] == [("sms", "confirmation")]
    assert local_date(after[0]) <= date(2026, 3, 5)
    assert run.accounts["FULL"]["status"] == "paid"
    assert Decimal(run.accounts["FULL"]["balance"]) == 0
    assert run.notes("FULL", "payment") == ["applied"]


def test_partial_payment_continues_the_ladder_with_the_new_amount(runs):
    run = runs("payment")
    [pre_due] = run.of("PART", "sms", "pre_due")
    assert "¥1,000.00" in pre_due["text"]
    after = run.after("PART", PART_PAID_AT)
    [reminder] = [c for c in after if c["purpose"] == "reminder"]
    assert local_date(reminder) == date(2026, 3, 4)
    assert "¥600.00" in reminder["text"] and "¥1,000.00" not in reminder["text"]
    assert "confirmation" not in {c["purpose"] for c in run.of("PART")}
    assert ("call", "early_call", date(2026, 3, 6)) in brief(after)
    assert run.accounts["PART"]["status"] == "active"
    assert Decimal(run.accounts["PART"]["balance"]) == Decimal("600.00")


# ---------------------------------------------------------------------- balance_update
def test_balance_update_is_stated_in_the_next_text(runs):
    run = runs("balance_update")
    [pre_due] = run.of("LEDGER", "sms", "pre_due")
    assert utc(pre_due["at"]) < utc(BALANCE_AT) and "¥1,000.00" in pre_due["text"]
    [reminder] = run.after("LEDGER", BALANCE_AT)
    assert (reminder["purpose"], local_date(reminder)) == ("reminder", date(2026, 3, 4))
    assert "¥1,530.00" in reminder["text"]  # balance 1500.00 + fees 30.00
    assert (Decimal(run.accounts["LEDGER"]["balance"]), Decimal(run.accounts["LEDGER"]["fees"])) == (Decimal("1500"), Decimal("30"))
    assert run.accounts["LEDGER"]["status"] == "active"
    assert run.notes("LEDGER", "balance_update") == ["applied"]


# ---------------------------------------------------------------------- promise_to_pay
def test_a_promise_for_a_date_before_the_event_is_rejected_naming_the_field(runs):
    run = runs("promise_to_pay")
    bad, good = run.notes("PROMISE", "promise_to_pay")
    assert bad.startswith("rejected: ") and "promised_date" in bad
    assert good == "applied"
    # Not paused by the rejected promise: the D+1 reminder went out before the real promise.
    assert brief(between(run, "PROMISE", BAD_PROMISE_AT, PROMISE_AT)) == [("sms", "reminder", date(2026, 3, 4))]


def test_a_promise_pauses_collection_until_the_day_after_the_promised_date(runs):
    run = runs("promise_to_pay")
    paused = [c for c in run.after("PROMISE", PROMISE_AT) if local_date(c) <= date(2026, 3, 7)]
    assert brief(paused) == [("sms", "promise_reminder", date(2026, 3, 6))]
    assert "¥1,000.00" in paused[0]["text"]


def test_a_broken_promise_resumes_the_ladder(runs):
    run = runs("promise_to_pay")
    resumed = [c for c in run.after("PROMISE", PROMISE_AT) if local_date(c) > date(2026, 3, 7)]
    assert resumed
    assert min(local_date(c) for c in resumed) == date(2026, 3, 8)
    assert {c["purpose"] for c in resumed} <= set(COLLECTION)
    assert run.accounts["PROMISE"]["status"] == "active"


def test_paying_in_full_during_a_promise_ends_everything_but_the_confirmation(runs):
    run = runs("promise_to_pay")
    assert between(run, "PROMISE-PAID", PROMISE_AT, SETTLED_AT) == []
    after = run.after("PROMISE-PAID", SETTLED_AT)
    assert [(c["action"], c["purpose"]) for c in after] == [("sms", "confirmation")]  # no promise_reminder on 03-06
    assert run.accounts["PROMISE-PAID"]["status"] == "paid"


# ---------------------------------------------------------------------- dispute_opened / dispute_resolved
def test_a_dispute_stops_all_contact(runs):
    run = runs("dispute")
    assert run.after("HELD", DISPUTE_AT) == []
    assert run.accounts["HELD"]["status"] == "hold"
    assert run.accounts["HELD"]["hold_reason"] == "dispute"


def test_dispute_resolved_without_a_dispute_changes_nothing(runs):
    run = runs("dispute")
    assert run.notes("HELD", "dispute_resolved") == ["applied"]
    assert ("sms", "reminder", date(2026, 3, 4)) in brief(between(run, "HELD", NOOP_RESOLVE_AT, DISPUTE_AT))


def test_a_resolved_dispute_resumes_contacts(runs):
    run = runs("dispute")
    assert between(run, "RESOLVED", DISPUTE_AT, RESOLVE_AT) == []
    resumed = run.after("RESOLVED", RESOLVE_AT)
    assert resumed
    assert ("call", "early_call") in {(c["action"], c["purpose"]) for c in resumed}
    assert run.accounts["RESOLVED"]["status"] == "active"
    assert run.notes("RESOLVED", "dispute_opened") == run.notes("RESOLVED", "dispute_resolved") == ["applied"]


# ---------------------------------------------------------------------- opt_out
def test_sms_opt_out_stops_texts_but_not_calls(runs):
    run = runs("opt_out")
    after = run.after("NO-SMS", OPT_OUT_AT)
    assert [c for c in after if c["action"] == "sms"] == []
    assert ("call", "early_call", date(2026, 3, 6)) in brief(after)
    assert "sms" in run.accounts["NO-SMS"]["opted_out"]


def test_opt_out_of_all_stops_every_contact(runs):
    run = runs("opt_out")
    assert brief(run.of("NO-ALL")) == [("sms", "pre_due", date(2026, 3, 1))]
    assert run.after("NO-ALL", OPT_OUT_AT) == []
    assert "all" in run.accounts["NO-ALL"]["opted_out"]


def test_an_sms_opt_out_is_kept_even_for_the_payment_confirmation(runs):
    run = runs("opt_out")
    assert [c for c in run.after("NO-SMS-PAYS", OPT_OUT_AT) if c["action"] == "sms"] == []
    assert run.accounts["NO-SMS-PAYS"]["status"] == "paid"
    assert run.notes("NO-SMS-PAYS", "payment") == ["applied"]


# ---------------------------------------------------------------------- cease_contact
def test_cease_contact_stops_every_contact_and_holds(runs):
    run = runs("cease_contact")
    assert brief(run.of("CEASE")) == [("sms", "pre_due", date(2026, 3, 1))]
    assert run.after("CEASE", CEASE_AT) == []
    assert run.accounts["CEASE"]["status"] == "hold"
    assert run.notes("CEASE", "cease_contact") == ["applied"]


def test_a_cease_request_outlives_a_dispute_that_opens_and_closes_after_it(runs):
    run = runs("cease_contact")
    assert run.notes("CEASE-DISPUTE", "dispute_opened") == run.notes("CEASE-DISPUTE", "dispute_resolved") == ["applied"]
    assert brief(run.after("CEASE-DISPUTE", CEASE_AT)) == []  # docs/CONTRACTS.md: cease_contact is "hold for good"
    assert run.accounts["CEASE-DISPUTE"]["status"] == "hold"


# ---------------------------------------------------------------------- call_outcome
@pytest.mark.parametrize("account_id", ["NO-ANSWER", "REFUSES"])
def test_unreachable_or_refusing_borrowers_get_a_field_visit_at_d_plus_30(runs, account_id):
    run = runs("call_outcome")
    visits = run.of(account_id, "visit")
    assert [(c["stage"], local_date(c)) for c in visits] == [("field", date(2026, 3, 3))]
    assert set(run.notes(account_id, "call_outcome")) == {"applied"}
    assert run.of(account_id, "call"), "agent calls were queued before the outcomes came back"


# ---------------------------------------------------------------------- visit_outcome
def test_an_attempted_visit_opens_the_legal_review_at_d_plus_60(runs):
    run = runs("visit_outcome")
    [visit] = run.of("VISITED", "visit")
    assert local_date(visit) == date(2026, 3, 1)
    reviews = run.of("VISITED", "legal_review")
    assert [local_date(c) for c in reviews] == [date(2026, 3, 3)]
    assert utc(reviews[0]["at"]) > utc(NOT_HOME_AT)
    assert run.notes("VISITED", "visit_outcome") == ["applied"]


def test_no_legal_review_without_a_visit_outcome(runs):
    run = runs("visit_outcome")
    assert len(run.of("NO-OUTCOME", "visit")) == 1
    assert run.of("NO-OUTCOME", "legal_review") == []


# ---------------------------------------------------------------------- legal_decision
def test_a_legal_decision_with_no_review_waiting_is_rejected(runs):
    run = runs("legal_decision")
    early, _, decision = run.notes("APPROVE", "legal_decision")
    assert early.startswith("rejected: ") and "account_id" in early
    assert decision == "applied"


def test_a_legal_decision_from_the_core_system_is_rejected_and_refers_nothing(runs):
    """Only the operators' source may decide a review: the same approval from lender.core, with a review waiting, is
    rejected with the reason, and the account is referred only after the operators' own approval (issue 19)."""
    run = runs("legal_decision")
    _, core, _ = run.notes("APPROVE", "legal_decision")
    assert core == "rejected: source: a legal_decision must come from the operators' source collections.ops, not 'lender.core'"
    [referral] = run.of("APPROVE", "legal_referral")
    assert utc(referral["at"]) >= utc(DECISION_AT) > utc(CORE_DECISION_AT)


def test_approval_hands_the_account_to_legal_and_then_silence(runs):
    run = runs("legal_decision")
    assert [local_date(c) for c in run.of("APPROVE", "legal_review")] == [date(2026, 3, 3)]
    [referral] = run.of("APPROVE", "legal_referral")
    assert utc(referral["at"]) >= utc(DECISION_AT)
    assert [c for c in run.of("APPROVE") if utc(c["at"]) >= utc(DECISION_AT)] == [referral]  # and nothing after it
    assert run.accounts["APPROVE"]["status"] == "legal"


def test_rejection_returns_the_account_to_the_ladder(runs):
    run = runs("legal_decision")
    assert [local_date(c) for c in run.of("REJECT", "legal_review")] == [date(2026, 3, 3)]
    assert run.of("REJECT", "legal_referral") == []
    after = run.after("REJECT", DECISION_AT)
    assert after, "contacts continue after a rejected review"
    assert {c["action"] for c in after} <= {"sms", "call"}
    assert run.accounts["REJECT"]["status"] == "active"
    assert run.notes("REJECT", "legal_decision") == ["applied"]


# ---------------------------------------------------------------------- four eyes (issue 19)
def test_one_reviewer_approving_twice_refers_nothing(runs):
    """The same person twice, even through another role, is one approval: the review keeps waiting for a second."""
    run = runs("four_eyes")
    first, again, through_sso = run.notes("ONE-PERSON", "legal_decision")
    assert first == "applied"
    assert again == through_sso == "rejected: principal: alice approved this review already; another reviewer must approve"
    assert run.of("ONE-PERSON", "legal_referral") == []
    assert run.accounts["ONE-PERSON"]["status"] != "legal"


def test_two_distinct_reviewers_refer_and_the_referral_names_both_with_their_times(runs):
    run = runs("four_eyes")
    assert run.notes("TWO-PEOPLE", "legal_decision") == ["applied", "applied"]
    [referral] = run.of("TWO-PEOPLE", "legal_referral")
    assert utc(referral["at"]) >= utc(SECOND_DECISION_AT)
    assert referral["approved_by"] == f"{ALICE} at 2026-03-03T06:00:00+00:00, {BOB} at 2026-03-03T07:00:00+00:00"
    [task] = [t["message"] for t in run.tasks if t["queue"] == "legal_referral" and t["message"]["account_id"] == "TWO-PEOPLE"]
    assert ALICE in task["approved_by"] and BOB in task["approved_by"]
    assert run.accounts["TWO-PEOPLE"]["status"] == "legal"


def test_a_rejection_after_one_approval_ends_the_review(runs):
    run = runs("four_eyes")
    assert run.notes("REJECTED", "legal_decision") == ["applied", "applied"]
    assert run.of("REJECTED", "legal_referral") == []
    assert run.accounts["REJECTED"]["status"] == "active"
    assert run.after("REJECTED", SECOND_DECISION_AT), "the ladder goes on after a rejected review"


def test_every_operator_action_is_in_the_audit_archive_with_the_authenticated_principal(runs):
    run = runs("four_eyes")
    actions = run.operator_actions
    pause = next(a for a in actions if a["account_id"] == "PAUSED")
    assert (pause["principal"], pause["type"], pause["at"]) == (CAROL, "hold_placed", "2026-03-01T06:00:00Z")
    assert pause["fields"]["reason"] == "paused" and pause["fields"]["requested_by"] == "ops desk"  # the typed note, beside it
    assert "principal" not in pause["fields"]
    decisions = sorted((a["account_id"], a["principal"], a["fields"]["decision"]) for a in actions if a["type"] == "legal_decision")
    assert decisions == [
        ("ONE-PERSON", ALICE, "approve"),  # once: the second approval and the one through Identity Center were refused
        ("REJECTED", ALICE, "approve"),
        ("REJECTED", BOB, "reject"),
        ("TWO-PEOPLE", ALICE, "approve"),
        ("TWO-PEOPLE", BOB, "approve"),
    ]
    assert [a["at"] for a in actions] == sorted(a["at"] for a in actions)  # oldest first
    assert all(a["principal"] for a in actions)
    assert run.after("PAUSED", ENROLL_AT) == []
    [refused] = run.notes("PAUSED", "hold_lifted")  # an IAM user's resumption: refused, so the pause holds
    assert refused.startswith(f"rejected: principal: {IAM_USER} must be an assumed-role session ARN")
    assert [a["type"] for a in actions if a["account_id"] == "PAUSED"] == ["hold_placed"]


# ---------------------------------------------------------------------- new_account
def test_an_account_enrolled_through_the_bus_gets_its_pre_due_reminder(runs):
    run = runs("new_account")
    assert run.notes("NEW", "new_account") == ["applied"]
    assert "NEW" in run.accounts
    assert all(utc(c["at"]) > utc(ENROLL_AT) for c in run.of("NEW"))
    assert brief(run.of("NEW")) == [("sms", "pre_due", date(2026, 3, 3))]  # D-3 of 2026-03-06
    assert "¥1,000.00" in run.of("NEW")[0]["text"]
    assert run.of("NEW")[0]["to"] == "+8613800138016"


# ---------------------------------------------------------------------- duplicate delivery
def test_the_same_event_id_delivered_again_counts_once(runs):
    run = runs("duplicate")
    assert Decimal(run.accounts["DUP"]["balance"]) == Decimal("850.00")  # 1000 - 100 (once) - 50
    assert run.notes("DUP", "payment") == ["applied"] * 4  # a redelivery is not an error
    assert run.accounts["DUP"]["status"] == "active"
