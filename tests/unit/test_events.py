"""Borrower events as a pure function: DOMAIN.md's stop and pause rules."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from escalation.domain.events import EventError, apply_event
from escalation.domain.model import Account, LegalState, Status

TODAY = date(2026, 3, 10)


def account(**changes) -> Account:
    base = Account(
        account_id="A-1",
        phone="+8613800138000",
        balance=Decimal("3200.00"),
        fees=Decimal("45.00"),
        currency="CNY",
        due_date=date(2026, 3, 1),
        timezone="Asia/Shanghai",
    )
    return base.with_changes(**changes)


def apply(event: dict, acct: Account | None = None, today: date = TODAY) -> Account:
    return apply_event(acct or account(), event, today).account


def error(event: dict, acct: Account | None = None) -> str:
    with pytest.raises(EventError) as info:
        apply_event(acct or account(), event, TODAY)
    return str(info.value)


# ---------------------------------------------------------------------- payments
@pytest.mark.parametrize("amount", ["3245.00", "3245", "5000.00"])
def test_full_payment_settles_the_account(amount):
    outcome = apply_event(account(), {"type": "payment", "amount": amount}, TODAY)
    paid = outcome.account
    assert paid.status is Status.PAID
    assert paid.confirmation_due is True
    assert paid.balance == 0
    assert paid.fees == 0
    assert paid.amount_due == 0
    assert "paid in full" in outcome.note


def test_full_payment_ends_a_promise():
    promised = account(status=Status.PROMISE, promised_date=date(2026, 3, 15), promised_amount=Decimal("3245"))
    paid = apply({"type": "payment", "amount": "3245.00"}, promised)
    assert paid.status is Status.PAID
    assert paid.promised_date is None


def test_partial_payment_pays_fees_first():
    after = apply({"type": "payment", "amount": "20.00"})
    assert after.fees == Decimal("25.00")
    assert after.balance == Decimal("3200.00")
    assert after.status is Status.ACTIVE
    assert after.confirmation_due is False


def test_partial_payment_then_reduces_the_balance():
    after = apply({"type": "payment", "amount": "100.00"})
    assert after.fees == 0
    assert after.balance == Decimal("3145.00")
    assert after.status is Status.ACTIVE
    assert after.confirmation_due is False


def test_paying_exactly_the_balance_leaves_the_fees_owed():
    after = apply({"type": "payment", "amount": "3200.00"})
    assert after.status is Status.ACTIVE
    assert after.amount_due == Decimal("45.00")


def test_partial_payment_keeps_a_promise_in_force():
    promised = account(status=Status.PROMISE, promised_date=date(2026, 3, 15))
    after = apply({"type": "payment", "amount": "1000"}, promised)
    assert after.status is Status.PROMISE
    assert after.promised_date == date(2026, 3, 15)


@pytest.mark.parametrize("amount", ["-1", "-0.01", -5])
def test_negative_payment_is_refused_naming_amount(amount):
    assert "amount" in error({"type": "payment", "amount": amount})


@pytest.mark.parametrize("event", [{"type": "payment"}, {"type": "payment", "amount": "lots"}])
def test_missing_or_malformed_amount_is_refused(event):
    assert "amount" in error(event)


def test_balance_update_replaces_the_figures():
    after = apply({"type": "balance_update", "balance": "3000.00", "fees": "80.00"})
    assert (after.balance, after.fees) == (Decimal("3000.00"), Decimal("80.00"))


def test_balance_update_refuses_negative_fees():
    assert "fees" in error({"type": "balance_update", "balance": "3000.00", "fees": "-1"})


# ---------------------------------------------------------------------- promises
def test_promise_to_pay_pauses_the_account():
    outcome = apply_event(account(), {"type": "promise_to_pay", "amount": "3245", "promised_date": "2026-03-15"}, TODAY)
    assert outcome.account.status is Status.PROMISE
    assert outcome.account.promised_date == date(2026, 3, 15)
    assert outcome.account.promised_amount == Decimal("3245")
    assert outcome.account.promise_made_on == TODAY
    assert "paused through 2026-03-15" in outcome.note


def test_promise_for_today_is_accepted():
    assert apply({"type": "promise_to_pay", "amount": "10", "promised_date": TODAY.isoformat()}).status is Status.PROMISE


def test_promise_in_the_past_is_refused_naming_promised_date():
    yesterday = (TODAY - timedelta(days=1)).isoformat()
    assert "promised_date" in error({"type": "promise_to_pay", "amount": "10", "promised_date": yesterday})


def test_promise_with_a_bad_date_is_refused():
    assert "promised_date" in error({"type": "promise_to_pay", "amount": "10", "promised_date": "15/03/2026"})


def test_promise_on_a_held_account_is_recorded_and_pauses_nothing_yet():
    held = account(status=Status.HOLD, holds={"dispute": None})
    after = apply({"type": "promise_to_pay", "amount": "10", "promised_date": "2026-03-15"}, held)
    assert after.status is Status.HOLD and after.holds == held.holds
    assert (after.promised_date, after.promised_amount) == (date(2026, 3, 15), Decimal("10"))


def test_promise_on_a_paid_account_changes_nothing():
    paid = account(status=Status.PAID, balance=Decimal("0"), fees=Decimal("0"))
    assert apply({"type": "promise_to_pay", "amount": "10", "promised_date": "2026-03-15"}, paid) == paid


# ---------------------------------------------------------------------- holds
def test_dispute_opened_holds_and_resolved_resumes():
    held = apply({"type": "dispute_opened"})
    assert held.status is Status.HOLD
    assert held.hold_reason == "dispute"
    resumed = apply({"type": "dispute_resolved"}, held)
    assert resumed.status is Status.ACTIVE
    assert resumed.hold_reason is None


def test_cease_contact_holds_and_dispute_resolved_does_not_lift_it():
    held = apply({"type": "cease_contact"})
    assert held.status is Status.HOLD
    assert held.hold_reason == "cease_contact"
    assert apply({"type": "dispute_resolved"}, held).status is Status.HOLD


def test_dispute_on_a_paid_account_does_not_reopen_it():
    paid = account(status=Status.PAID, balance=Decimal("0"), fees=Decimal("0"))
    assert apply({"type": "dispute_opened"}, paid).status is Status.PAID


# ---------------------------------------------------------------------- opt-outs
@pytest.mark.parametrize("channel", ["sms", "call", "all"])
def test_opt_out_adds_the_channel(channel):
    assert apply({"type": "opt_out", "channel": channel}).opted_out == frozenset({channel})


def test_opt_outs_accumulate():
    once = apply({"type": "opt_out", "channel": "sms"})
    assert apply({"type": "opt_out", "channel": "call"}, once).opted_out == frozenset({"sms", "call"})


@pytest.mark.parametrize("channel", ["email", None, "SMS"])
def test_opt_out_of_an_unknown_channel_is_refused_naming_channel(channel):
    event = {"type": "opt_out"} if channel is None else {"type": "opt_out", "channel": channel}
    assert "channel" in error(event)


# ---------------------------------------------------------------------- call and visit outcomes
@pytest.mark.parametrize("outcome", ["no_answer", "wrong_number"])
def test_failed_calls_are_counted(outcome):
    after = apply({"type": "call_outcome", "outcome": outcome}, account(failed_call_attempts=2))
    assert after.failed_call_attempts == 3
    assert after.last_reached is None


def test_reached_call_resets_failures_and_records_the_day():
    after = apply({"type": "call_outcome", "outcome": "reached"}, account(failed_call_attempts=4))
    assert after.failed_call_attempts == 0
    assert after.last_reached == TODAY


def test_refused_call_counts_a_refusal_and_a_conversation():
    after = apply({"type": "call_outcome", "outcome": "refused"}, account(refusals=1))
    assert after.refusals == 2
    assert after.last_reached == TODAY


def test_three_unanswered_calls_in_a_row():
    acct = account()
    for _ in range(3):
        acct = apply({"type": "call_outcome", "outcome": "no_answer"}, acct)
    assert acct.failed_call_attempts == 3


def test_unknown_call_outcome_is_refused_naming_outcome():
    assert "outcome" in error({"type": "call_outcome", "outcome": "voicemail"})


@pytest.mark.parametrize(("outcome", "refusals"), [("met", 0), ("not_home", 0), ("refused", 1)])
def test_visit_outcome_counts_the_visit(outcome, refusals):
    after = apply({"type": "visit_outcome", "outcome": outcome})
    assert after.visits_attempted == 1
    assert after.refusals == refusals


def test_unknown_visit_outcome_is_refused_naming_outcome():
    assert "outcome" in error({"type": "visit_outcome", "outcome": "moved"})


# ---------------------------------------------------------------------- legal decisions and unknown events
LI_WEI = "arn:aws:sts::123456789012:assumed-role/ReviewerRole/li.wei"


def test_legal_approval_is_recorded_on_the_waiting_review_under_the_authenticated_principal():
    approve = {"type": "legal_decision", "decision": "approve", "principal": LI_WEI, "reviewer": "Ana Ruiz"}  # the note is not who
    outcome = apply_event(account(legal_state=LegalState.PENDING), approve, TODAY)
    after = outcome.account
    # The referral is the review workflow's, after it checks the account again: the approval is recorded here.
    assert after.status is Status.ACTIVE and after.legal_state is LegalState.PENDING
    assert list(after.legal_approvals) == [LI_WEI]
    assert outcome.note == "legal referral approved (1 of 2 approvals)"
    # The same reviewer twice counts once: the second is refused, whatever its note says.
    refused = error(approve | {"reviewer": "someone else"}, after)
    assert refused == "principal: li.wei approved this review already; another reviewer must approve"


def test_legal_approval_without_a_principal_is_keyed_by_the_reviewer_note():  # the simulation lab's events
    after = apply({"type": "legal_decision", "decision": "approve", "reviewer": "lab-1"}, account(legal_state=LegalState.PENDING))
    assert list(after.legal_approvals) == ["lab-1"]


def test_a_decision_without_a_waiting_review_is_refused():
    assert "no legal review is waiting" in error({"type": "legal_decision", "decision": "approve"})


def test_legal_rejection_returns_to_the_ladder():
    after = apply({"type": "legal_decision", "decision": "reject"}, account(legal_state=LegalState.PENDING))
    assert after.status is Status.ACTIVE
    assert after.legal_state is LegalState.REJECTED


def test_unknown_event_type_is_refused_naming_type():
    assert "type" in error({"type": "lottery_win"})


def test_apply_event_does_not_mutate_its_input():
    before = account()
    apply({"type": "payment", "amount": "100"}, before)
    assert before.balance == Decimal("3200.00")
    assert before.fees == Decimal("45.00")
