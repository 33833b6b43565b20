"""Holds, third parties and the legal review's whole life, through the bus and the real state machines.

CN accounts in Asia/Shanghai: the daily run fires at 10:00 local (02:00Z), so an event at 06:00Z
lands after that day's run. Each scenario runs once per module, lazily.
"""

from collections import Counter
from datetime import date
from typing import Any

import pytest

from tests.support import ScenarioOutput, cli_calls, local_date, ops_for, utc

SHANGHAI_RUN = "T02:00:00Z"


def account(account_id: str, n: int, balance: str = "1000.00", due: str = "2026-03-03", **extra: Any) -> dict[str, Any]:
    return {
        "account_id": account_id,
        "phone": f"+86138002380{n:02d}",
        "timezone": "Asia/Shanghai",
        "profile": "CN",
        "balance": balance,
        "currency": "CNY",
        "due_date": due,
        "emergency_contacts": [f"+86139002390{n:02d}"],
        **extra,
    }


def scenario(name: str, days: int, accounts: list[dict], events: list[dict], start: str = "2026-03-01") -> dict[str, Any]:
    return {"name": name, "start_date": start, "days": days, "profile": "CN", "accounts": accounts, "events": events}


def ev(at: str, kind: str, account_id: str, **fields: Any) -> dict[str, Any]:
    return {"at": at, "type": kind, "account_id": account_id, **fields}


# Due 2026-01-02: 2026-03-01 is D+58, so the legal review is requested on 2026-03-03 (D+60) once a visit was attempted.
LATE_DUE = "2026-01-02"


def reviewed(account_id: str, n: int) -> tuple[dict, list[dict]]:
    """An account that reaches its legal review on 2026-03-03: refused twice (visit at once), visit attempted."""
    events = [
        ev("2026-03-01T00:30:00Z", "call_outcome", account_id, outcome="refused"),
        ev("2026-03-01T00:40:00Z", "call_outcome", account_id, outcome="refused"),
        ev("2026-03-01T06:00:00Z", "visit_outcome", account_id, outcome="not_home"),
    ]
    return account(account_id, n, balance="8000.00", due=LATE_DUE), events


EXPIRE, EXPIRE_EVENTS = reviewed("EXPIRE", 1)
PAYS, PAYS_EVENTS = reviewed("PAYS-DURING-REVIEW", 2)
DISPUTES, DISPUTES_EVENTS = reviewed("DISPUTES-DURING-REVIEW", 3)
PAID_AT, LATE_APPROVAL_AT = "2026-03-05T06:00:00Z", "2026-03-06T06:00:00Z"

SCENARIOS: dict[str, dict[str, Any]] = {
    "holds": scenario(
        "holds: attorney, bankruptcy, deceased, breathing space, hardship; a shared number",
        9,
        [
            account("ATTORNEY", 11),
            account("BANKRUPT", 12),
            account("DECEASED-PAID", 13),
            account("BREATHING", 14),
            account("HARDSHIP", 15),
            account("SHARED-NUMBER", 16, emergency_contacts=["+8613800238016"]),  # the borrower's own number is listed as a third party's
            account("CONTROL", 17),
        ],
        [
            ev("2026-03-02T06:00:00Z", "hold_placed", "ATTORNEY", reason="attorney"),
            ev("2026-03-02T06:00:00Z", "hold_placed", "BANKRUPT", reason="bankruptcy"),
            ev("2026-03-02T06:00:00Z", "hold_placed", "DECEASED-PAID", reason="deceased"),
            ev("2026-03-02T07:00:00Z", "payment", "DECEASED-PAID", amount="1000.00"),  # the estate pays
            ev("2026-03-02T06:00:00Z", "hold_placed", "BREATHING", reason="breathing_space", until="2026-03-05"),
            ev("2026-03-02T06:00:00Z", "hold_placed", "HARDSHIP", reason="hardship"),
            ev("2026-03-04T06:00:00Z", "hold_lifted", "HARDSHIP", reason="hardship"),
            ev("2026-03-04T06:00:00Z", "hold_lifted", "ATTORNEY", reason="bankruptcy"),  # not the hold in force: nothing changes
        ],
    ),
    "legal_lifecycle": scenario(
        "legal review: expires after 14 days; withdrawn by a payment or a dispute; a late approval refers nobody",
        18,
        [EXPIRE, PAYS, DISPUTES],
        EXPIRE_EVENTS
        + PAYS_EVENTS
        + DISPUTES_EVENTS
        + [
            ev(PAID_AT, "payment", "PAYS-DURING-REVIEW", amount="8000.00"),
            ev(PAID_AT, "dispute_opened", "DISPUTES-DURING-REVIEW"),
            ev(LATE_APPROVAL_AT, "legal_decision", "PAYS-DURING-REVIEW", decision="approve"),
        ],
    ),
}


@pytest.fixture(scope="module")
def runs(run_scenarios):
    return lambda name: run_scenarios(name, SCENARIOS[name])


def skips_on(run: ScenarioOutput, day: str) -> dict[str, int]:
    """The reasons the runs of one day counted (skips, and what the calendar did), summed."""
    total: Counter[str] = Counter()
    for r in run.runs:
        if r["as_of"].startswith(day):
            total.update(r.get("skip_reasons", {}))
    return dict(total)


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_runs_cleanly_and_never_contacts_a_third_party(runs, name):
    run = runs(name)
    assert run.summary["handler_errors"] == []
    third_parties = {p for a in SCENARIOS[name]["accounts"] for p in a.get("emergency_contacts", [])}
    own = {a["account_id"]: a["phone"] for a in SCENARIOS[name]["accounts"]}
    for c in run.contacts:
        assert c.get("to") in (None, own[c["account_id"]]), c
        assert c.get("to") not in third_parties, c
        assert not any(p in c.get("text", "") for p in third_parties), c


# ---------------------------------------------------------------------- holds
@pytest.mark.parametrize("account_id", ["ATTORNEY", "BANKRUPT", "HARDSHIP", "BREATHING", "DECEASED-PAID"])
def test_no_contact_while_a_hold_is_in_force(runs, account_id):
    run = runs("holds")
    placed, lifted = utc("2026-03-02T06:00:00Z"), utc("2026-03-04T06:00:00Z")
    held_until = date(2026, 3, 5) if account_id == "BREATHING" else date(2026, 3, 9)  # Breathing Space's last day
    during = [c for c in run.of(account_id) if utc(c["at"]) > placed and local_date(c) <= held_until]
    if account_id == "HARDSHIP":
        during = [c for c in during if utc(c["at"]) < lifted]
    assert during == []
    assert run.of(account_id), "contacted before the hold (so the test can fail)"


def test_open_ended_holds_stay_until_lifted(runs):
    run = runs("holds")
    assert run.accounts["ATTORNEY"]["status"] == "hold" and run.accounts["ATTORNEY"]["holds"] == {"attorney": None}
    assert run.accounts["BANKRUPT"]["holds"] == {"bankruptcy": None}
    assert run.notes("ATTORNEY", "hold_lifted") == ["applied"]  # lifting another reason is not an error, and changes nothing


def test_the_control_account_is_contacted_on_the_days_the_held_ones_are_not(runs):
    run = runs("holds")
    assert {date(2026, 3, 4), date(2026, 3, 6)} <= set(run.days("CONTROL"))


def test_breathing_space_ends_on_its_date_and_the_ladder_resumes(runs):
    run = runs("holds")
    after = [d for d in run.days("BREATHING") if d > date(2026, 3, 2)]
    assert after and min(after) == date(2026, 3, 6)
    assert run.accounts["BREATHING"]["status"] == "active" and run.accounts["BREATHING"]["holds"] == {}
    assert skips_on(run, "2026-03-06").get("hold_ended", 0) >= 1


def test_a_lifted_hold_resumes_contact_at_the_next_run_inside_the_window(runs):
    run = runs("holds")
    after = [c for c in run.of("HARDSHIP") if utc(c["at"]) > utc("2026-03-02T06:00:00Z")]
    # Lifted at 14:00 Shanghai on 03-04: the 17:00 local run (Berlin's 10:00) sends the missed reminder.
    assert after and (after[0]["purpose"], after[0]["local_time"]) == ("reminder", "2026-03-04T17:00:00+08:00")
    assert run.accounts["HARDSHIP"]["status"] == "active"


def test_a_deceased_borrowers_phone_gets_no_payment_confirmation(runs):
    run = runs("holds")
    assert [c for c in run.of("DECEASED-PAID") if c["purpose"] == "confirmation"] == []
    assert run.accounts["DECEASED-PAID"]["status"] == "paid"


def test_a_number_listed_as_a_third_partys_is_never_texted_or_called(runs):
    run = runs("holds")
    assert run.of("SHARED-NUMBER") == []
    assert run.summary["skip_reasons"].get("third_party_number", 0) > 0


# ---------------------------------------------------------------------- the legal review's life
def test_every_account_gets_its_review_on_d_plus_60(runs):
    run = runs("legal_lifecycle")
    for account_id in ("EXPIRE", "PAYS-DURING-REVIEW", "DISPUTES-DURING-REVIEW"):
        assert run.days(account_id, "legal_review") == [date(2026, 3, 3)], account_id


def test_a_review_nobody_decides_expires_after_14_days_and_the_ladder_goes_on(runs):
    run = runs("legal_lifecycle")
    assert run.accounts["EXPIRE"]["legal_state"] == "expired"
    assert run.of("EXPIRE", "legal_referral") == []
    assert skips_on(run, "2026-03-17").get("legal_review_expired") == 1
    assert skips_on(run, "2026-03-10").get("legal_review_waiting", 0) >= 1  # kept alive by the daily heartbeat meanwhile
    assert [d for d in run.days("EXPIRE") if d > date(2026, 3, 3)], "collection contacts continue (the review did not pause them)"


def test_a_payment_withdraws_the_waiting_review_and_a_late_approval_refers_nobody(runs):
    run = runs("legal_lifecycle")
    assert run.accounts["PAYS-DURING-REVIEW"]["legal_state"] == "withdrawn"
    assert run.accounts["PAYS-DURING-REVIEW"]["status"] == "paid"
    [late] = run.notes("PAYS-DURING-REVIEW", "legal_decision")
    assert late.startswith("rejected: ") and "no legal review is waiting" in late
    assert run.of("PAYS-DURING-REVIEW", "legal_referral") == []
    confirmations = [c for c in run.of("PAYS-DURING-REVIEW") if c["purpose"] == "confirmation"]
    assert len(confirmations) == 1


def test_a_dispute_withdraws_the_waiting_review_and_holds(runs):
    run = runs("legal_lifecycle")
    assert run.accounts["DISPUTES-DURING-REVIEW"]["legal_state"] == "withdrawn"
    assert run.accounts["DISPUTES-DURING-REVIEW"]["status"] == "hold"
    assert [c for c in run.of("DISPUTES-DURING-REVIEW") if utc(c["at"]) > utc(PAID_AT)] == []


# ---------------------------------------------------------------------- a reviewer through the ops CLI
@pytest.fixture(scope="module")
def waiting_review():
    """A stack left running with one legal review waiting for a person."""

    from sim.local.stack import LocalStack
    from sim.scenarios import Replay, validate

    acct, events = reviewed("OPS-REVIEW", 21)
    other, other_events = reviewed("OPS-REJECT", 22)
    raw = scenario("ops reviewer", 3, [acct, other], events + other_events)
    with LocalStack() as stack:
        replay = Replay(validate(raw, "ops"), stack)
        replay.run()

        yield stack, replay, ops_for(stack)


def test_ops_lists_approves_and_rejects_reviews_and_the_referral_names_the_reviewer(waiting_review, capsys):
    from escalation.aws import dynamo
    from ops.cli import main
    from sim.local import iam
    from sim.local.template import load_template

    stack, replay, ops = waiting_review
    recording = cli_calls(stack)
    calls = recording.__enter__()  # what `ops` itself calls for a reviewer's work, checked against ReviewerRole below
    assert main(["--stack", "local", "legal", "list"], ops=ops) == 0
    listing = capsys.readouterr().out
    assert "OPS-REVIEW" in listing and "OPS-REJECT" in listing and "8000.00 CNY" in listing

    # Four eyes: li.wei approves (her second try is refused), zhang.min approves: referred. li.wei rejects the other.
    li, zhang = ops_for(stack, person="li.wei"), ops_for(stack, person="zhang.min")
    assert main(["--stack", "local", "legal", "approve", "OPS-REVIEW", "--reviewer", "first look"], ops=li) == 0
    assert f"as {stack.session_of('ReviewerRole', 'li.wei')} (note: first look)" in capsys.readouterr().out
    stack.poll_queues()
    assert main(["--stack", "local", "legal", "approve", "OPS-REVIEW"], ops=li) == 2
    assert "refused: principal: li.wei approved this review already; another reviewer must approve" in capsys.readouterr().err
    assert dynamo.load("OPS-REVIEW").status.value != "legal"
    assert main(["--stack", "local", "legal", "approve", "OPS-REVIEW"], ops=zhang) == 0
    assert main(["--stack", "local", "legal", "reject", "OPS-REJECT"], ops=li) == 0
    recording.__exit__(None, None, None)
    assert {a for a, _ in calls} == {"states:ListExecutions", "states:DescribeExecution", "dynamodb:GetItem"}
    assert [c for c in calls if not iam.allows(iam.grants(load_template(), "ReviewerRole"), *c)] == []
    stack.poll_queues()
    replay._wait_for_pending_reviews()

    [referral] = [c for c in dynamo.contacts_of("OPS-REVIEW") if c.action.value == "legal_referral"]
    first, second = referral.decided_by.split(", ")
    assert first.startswith(stack.session_of("ReviewerRole", "li.wei") + " at ")
    assert second.startswith(stack.session_of("ReviewerRole", "zhang.min") + " at ")
    assert dynamo.load("OPS-REVIEW").status.value == "legal"
    assert dynamo.load("OPS-REJECT").legal_state.value == "rejected"
    assert [c for c in dynamo.contacts_of("OPS-REJECT") if c.action.value == "legal_referral"] == []
    assert ops.pending_reviews() == []


def test_ops_refuses_a_decision_when_no_review_waits(waiting_review, capsys):
    _, _, ops = waiting_review
    assert main_args(ops, "legal", "approve", "NOBODY", "--reviewer", "li.wei") == 2
    assert capsys.readouterr().err.startswith("error: account NOBODY: not enrolled")


def test_ops_timeline_says_what_was_sent_and_why_with_numbers_masked(waiting_review, capsys):
    _, _, ops = waiting_review
    assert main_args(ops, "timeline", "OPS-REVIEW") == 0
    text = capsys.readouterr().out
    assert "+8613800238021" not in text and "+86*****21" in text
    assert "legal_review" in text and "policy " in text
    timeline = ops.timeline("OPS-REVIEW", reveal=True)
    assert timeline["account"]["phone"] == "+8613800238021"
    assert {"visit", "legal_review", "legal_referral"} <= {c["action"] for c in timeline["contacts"]}
    assert all(c["policy_version"] and c["profile"] == "CN" and c["purpose"] for c in timeline["contacts"])


def main_args(ops, *argv: str) -> int:
    from ops.cli import main

    return main(["--stack", "local", *argv], ops=ops)
