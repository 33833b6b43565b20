"""Repayment plans: agreed within the policy's limits, a pause while kept, a reminder before each installment,
broken by a missed installment, complete (and settled) by the last — every refusal names the field and the limit."""

from dataclasses import replace
from datetime import UTC, date, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from escalation.domain import promises
from escalation.domain.events import EventError, apply_event
from escalation.domain.ladder import Context, decide
from escalation.domain.model import PROMISE_REMINDER, Account, Action, SkipReason, Status
from escalation.domain.policy import DEFAULT_POLICY, PlanLimits
from escalation.domain.profiles import profile_for

CN = profile_for("CN")
DUE = date(2026, 3, 1)
TODAY = date(2026, 3, 10)


def account(**changes) -> Account:
    base = Account("A-1", "+8613800138000", Decimal("3000.00"), "CNY", DUE, profile="CN", timezone="Asia/Shanghai")
    return replace(base, **changes)


def plan(*installments: tuple[str, str]) -> dict:
    return {"type": "payment_plan_agreed", "installments": [{"date": d, "amount": a} for d, a in installments]}


THREE = plan(("2026-03-15", "1000.00"), ("2026-04-15", "1000.00"), ("2026-05-15", "1000.00"))


def agreed(event: dict = THREE, **changes) -> Account:
    return apply_event(account(**changes), event, TODAY, CN).account


def pay(a: Account, amount: str, on: date) -> tuple[Account, str]:
    outcome = apply_event(a, {"type": "payment", "amount": amount}, on, CN)
    return outcome.account, outcome.note


def decisions(a: Account, on: date) -> list:
    now = datetime.combine(on, time(10), tzinfo=ZoneInfo("Asia/Shanghai")).astimezone(UTC)
    return decide(a, Context(DEFAULT_POLICY, CN, ("Asia/Shanghai",), now))


def test_a_plan_pauses_collection_and_the_next_installment_is_the_promise_in_force():
    a = agreed()
    assert (a.status, a.promised_date, a.promised_amount, a.promise_made_on) == (
        Status.PROMISE,
        date(2026, 3, 15),
        Decimal("1000.00"),
        TODAY,
    )
    assert [d.reason for d in decisions(a, date(2026, 3, 12))] == [SkipReason.PROMISE_IN_FORCE]


def test_a_reminder_goes_out_the_day_before_each_installment():
    a = agreed()
    assert [(d.action, d.rule) for d in decisions(a, date(2026, 3, 14)) if d.action] == [(Action.SMS, PROMISE_REMINDER)]
    a, note = pay(a, "1000.00", date(2026, 3, 15))
    assert note.endswith("installment paid, the next is due 2026-04-15")
    assert (a.promised_date, a.promised_amount, a.promise_paid) == (date(2026, 4, 15), Decimal("2000.00"), Decimal("1000.00"))
    assert [(d.action, d.rule) for d in decisions(a, date(2026, 4, 14)) if d.action] == [(Action.SMS, PROMISE_REMINDER)]


def test_the_last_installment_completes_the_plan_and_the_account_is_paid():
    a = agreed()
    for day, amount in (("2026-03-15", "1000.00"), ("2026-04-15", "600.00"), ("2026-04-15", "400.00"), ("2026-05-15", "1000.00")):
        a, note = pay(a, amount, date.fromisoformat(day))
    assert (a.status, a.kept_plans, a.plan, a.confirmation_due) == (Status.PAID, 1, {}, True)
    assert "the repayment plan is complete" in note


def test_a_plan_for_less_than_is_owed_settles_the_account_when_complete():
    a = agreed(plan(("2026-03-20", "1200.00"), ("2026-04-20", "1200.00")))
    a, _ = pay(a, "1200.00", date(2026, 3, 20))
    a, note = pay(a, "1200.00", date(2026, 4, 20))
    assert (a.status, a.balance, a.kept_plans) == (Status.PAID, Decimal("0"), 1)
    assert "settles the account (600.00 left unpaid by agreement)" in note


def test_a_missed_installment_breaks_the_plan_and_the_ladder_resumes():
    a = agreed()
    a, _ = pay(a, "1000.00", date(2026, 3, 15))
    assert not promises.lapsed(a, CN, date(2026, 4, 15)) and promises.lapsed(a, CN, date(2026, 4, 16))
    broken = promises.broken(a)
    assert (broken.status, broken.broken_plans, broken.broken_promises, broken.plan, broken.promised_date) == (
        Status.ACTIVE,
        1,
        0,
        {},
        None,
    )
    assert any(d.action for d in decisions(broken, date(2026, 4, 21)))  # D+51: the follow-up ladder again


def test_a_promise_during_a_plan_is_ignored_and_a_new_plan_replaces_the_old():
    a = agreed()
    outcome = apply_event(a, {"type": "promise_to_pay", "amount": "10.00", "promised_date": "2026-03-12"}, TODAY, CN)
    assert outcome.account == a and "a repayment plan is in force" in outcome.note
    again = apply_event(a, plan(("2026-03-20", "3000.00")), TODAY, CN)
    assert again.account.plan == {date(2026, 3, 20): Decimal("3000.00")} and "replacing the earlier plan" in again.note


def test_a_plan_agreed_during_a_hold_is_in_force_when_the_hold_lifts_in_time():
    held = agreed(status=Status.HOLD, holds={"dispute": None})
    assert held.status is Status.HOLD and held.plan
    lifted = apply_event(held, {"type": "dispute_resolved"}, date(2026, 3, 12), CN).account
    assert lifted.status is Status.PROMISE


LIMITS = PlanLimits(max_installments=3, min_first_payment_share=Decimal("0.20"), max_term_days=90)


FOUR = plan(*((f"2026-03-{d}", "500.00") for d in (15, 16, 17, 18)))


@pytest.mark.parametrize(
    ("event", "limits", "says"),
    [
        (THREE, None, "installments: the account's policy (its default) offers no repayment plans"),
        (FOUR, LIMITS, "4 installments; the policy allows at most 3 (plans.max_installments)"),
        (plan(("2026-03-15", "500.00"), ("2026-04-15", "2500.00")), LIMITS,
         "installments.0.amount: 500.00 is below the first payment the policy requires, 600.00"),
        (plan(("2026-03-15", "1000.00"), ("2026-07-15", "1000.00")), LIMITS,
         "installments.1.date: the plan runs 127 days; the policy allows 90 (plans.max_term_days)"),
        (plan(("2026-03-15", "2000.00"), ("2026-04-15", "2000.00")), LIMITS, "installments: they total 4000.00, above the 3000.00 owed"),
        (plan(("2026-03-09", "1000.00")), LIMITS, "installments.0.date: 2026-03-09 is before the day the plan is agreed"),
        (plan(("2026-03-20", "1000.00"), ("2026-03-20", "1000.00")), LIMITS,
         "installments.1.date: 2026-03-20 is not after the installment before it"),
    ],
)  # fmt: skip
def test_a_plan_outside_the_policy_or_the_debt_is_refused_naming_the_field(event, limits, says):
    with pytest.raises(EventError, match=says.replace("(", r"\(").replace(")", r"\)")):
        apply_event(account(), event, TODAY, CN, limits)


def test_a_plan_for_a_paid_account_is_ignored():
    outcome = apply_event(account(status=Status.PAID, balance=Decimal("0")), THREE, TODAY, CN)
    assert "plan ignored" in outcome.note and not outcome.account.plan
