"""Repayment plans (DOMAIN.md, "Stop and pause rules"): installments an agent agreed with the borrower.

A plan is kept as a run of promises: the promise in force is always the next installment not yet paid —
`promised_date` its date, `promised_amount` what the plan asks to have been paid by then (the installments
so far, summed), `promise_paid` what was paid since the plan was agreed. So everything promises do, a plan
does: collection contacts pause while it is kept, the promise reminder goes out the day before each
installment, and an installment unpaid the day after its date (plus the profile's grace days) breaks the plan
and the ladder resumes where it stood. The last installment paid completes the plan, and that settles the
account: it is paid, with the confirmation text (a plan agreed for less than is owed is the lender's settlement).

What plans may be offered is the account's policy's (escalation.domain.policy.PlanLimits): a plan outside
them is refused with the limit named, like any plan whose dates or amounts make no sense for the account.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from itertools import accumulate
from typing import Any

from .model import Account, Status
from .policy import PlanLimits

# Statuses a plan may be agreed in: on hold it is recorded, and in force if the hold lifts before its first date.
AGREEABLE = (Status.ACTIVE, Status.PROMISE, Status.HOLD)


class PlanRefused(ValueError):
    """The plan cannot be agreed for this account; the message names the field and the limit."""


def installments_of(event: dict[str, Any]) -> list[tuple[date, Decimal]]:
    """The event's installments as (date, amount), in the order given (the contract checked their shape)."""
    try:
        return [(date.fromisoformat(str(i["date"])), Decimal(str(i["amount"]))) for i in event["installments"]]
    except (KeyError, TypeError, ValueError, ArithmeticError):
        raise PlanRefused("installments: expected a list of {date: YYYY-MM-DD, amount}") from None


def check(account: Account, installments: list[tuple[date, Decimal]], today: date, limits: PlanLimits | None) -> None:
    """Refuse a plan that makes no sense for this account today, or that the policy does not offer."""
    if limits is None:
        raise PlanRefused(f"installments: the account's policy ({account.policy or 'its default'}) offers no repayment plans")
    if not installments:
        raise PlanRefused("installments: at least one installment")
    for n, (day, amount) in enumerate(installments):
        if day < today:
            raise PlanRefused(f"installments.{n}.date: {day} is before the day the plan is agreed ({today})")
        if amount <= 0:
            raise PlanRefused(f"installments.{n}.amount: must be greater than 0")
        if n and day <= installments[n - 1][0]:
            raise PlanRefused(f"installments.{n}.date: {day} is not after the installment before it")
    total, owed = sum(a for _, a in installments), account.amount_due
    if total > owed:
        raise PlanRefused(f"installments: they total {total}, above the {owed} owed")
    if len(installments) > limits.max_installments:
        raise PlanRefused(
            f"installments: {len(installments)} installments; the policy allows at most {limits.max_installments} (plans.max_installments)"
        )
    least = (owed * limits.min_first_payment_share).quantize(Decimal("0.01"))
    if installments[0][1] < least:
        raise PlanRefused(
            f"installments.0.amount: {installments[0][1]} is below the first payment the policy requires, {least} "
            f"({limits.min_first_payment_share} of {owed}; plans.min_first_payment_share)"
        )
    term = (installments[-1][0] - today).days
    if term > limits.max_term_days:
        last, allowed = len(installments) - 1, limits.max_term_days
        raise PlanRefused(f"installments.{last}.date: the plan runs {term} days; the policy allows {allowed} (plans.max_term_days)")


def agreed(account: Account, installments: list[tuple[date, Decimal]], today: date) -> Account:
    """The plan in force (or recorded, on hold): it replaces a promise or an earlier plan."""
    first_day, first_amount = installments[0]
    status = Status.PROMISE if account.status in (Status.ACTIVE, Status.PROMISE) else account.status
    return account.with_changes(
        status=status,
        plan=dict(installments),
        promised_date=first_day,
        promised_amount=first_amount,
        promise_made_on=today,
        promise_paid=Decimal("0"),
    )


def paid_toward(account: Account, amount: Decimal) -> tuple[Account, bool]:
    """A payment counted toward the plan: the next installment becomes the one in force; (account, True) when complete."""
    paid = account.promise_paid + amount
    for day, due_by_then in zip(account.plan, accumulate(account.plan.values()), strict=True):
        if paid < due_by_then:
            return account.with_changes(promise_paid=paid, promised_date=day, promised_amount=due_by_then), False
    return completed(account), True


def completed(account: Account) -> Account:
    status = Status.ACTIVE if account.status is Status.PROMISE else account.status
    return account.with_changes(status=status, kept_plans=account.kept_plans + 1, **_CLEARED)


def broken(account: Account) -> Account:
    status = Status.ACTIVE if account.status is Status.PROMISE else account.status
    return account.with_changes(status=status, broken_plans=account.broken_plans + 1, **_CLEARED)


_CLEARED: dict[str, Any] = {
    "plan": {},
    "promised_date": None,
    "promised_amount": None,
    "promise_made_on": None,
    "promise_paid": Decimal("0"),
}
