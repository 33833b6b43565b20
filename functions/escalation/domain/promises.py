"""Promises to pay: made, kept, broken (DOMAIN.md, "Stop and pause rules").

A promise pauses collection contacts through its last day: the promised date (the borrower's local
date) plus the profile's grace days. It is kept when the payments received since it was made reach
the promised amount by then: `kept_promises` + 1 and the ladder resumes for whatever is still owed.
Otherwise it is broken on the day after its last day, and the ladder resumes where it stood. A
promise made while the account is on hold is recorded, and is in force if the hold lifts in time.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from . import plans
from .model import Account, Status
from .profiles import Profile

_CLEARED = {"promised_date": None, "promised_amount": None, "promise_made_on": None, "promise_paid": Decimal("0"), "plan": {}}


def last_day(account: Account, profile: Profile) -> date | None:
    """The last local day the promise pauses contacts (its date plus the grace days); None without a promise."""
    if account.promised_date is None:
        return None
    return account.promised_date + timedelta(days=profile.promise_grace_days)


def lapsed(account: Account, profile: Profile, today: date) -> bool:
    """The promise's last day has passed (kept promises are cleared when kept, so this one was not)."""
    end = last_day(account, profile)
    return end is not None and today > end


def made(account: Account, amount: Decimal, promised: date, today: date) -> Account:
    """A new promise replaces any earlier one; on hold it is only recorded (in force if the hold lifts in time)."""
    status = Status.PROMISE if account.status in (Status.ACTIVE, Status.PROMISE) else account.status
    return account.with_changes(
        status=status, promised_date=promised, promised_amount=amount, promise_made_on=today, promise_paid=Decimal("0")
    )


def paid_toward(account: Account, amount: Decimal, profile: Profile, today: date) -> tuple[Account, bool]:
    """A payment counted toward the promise; (account, True) when it keeps the promise."""
    if account.promised_date is None or account.promised_amount is None or lapsed(account, profile, today):
        return account, False
    if account.plan:
        return plans.paid_toward(account, amount)
    paid = account.promise_paid + amount
    if paid < account.promised_amount:
        return account.with_changes(promise_paid=paid), False
    return kept(account), True


def kept(account: Account) -> Account:
    status = Status.ACTIVE if account.status is Status.PROMISE else account.status
    return account.with_changes(status=status, kept_promises=account.kept_promises + 1, **_CLEARED)


def broken(account: Account) -> Account:
    """The promise's last day passed unkept (or a plan's installment did: the plan is broken)."""
    if account.plan:
        return plans.broken(account)
    status = Status.ACTIVE if account.status is Status.PROMISE else account.status
    return account.with_changes(status=status, broken_promises=account.broken_promises + 1, **_CLEARED)


def settled(account: Account) -> Account:
    """Paid in full: the promise (kept or not) no longer pauses anything."""
    return account.with_changes(**_CLEARED)


def on_resume(account: Account, profile: Profile, today: date) -> Account:
    """The last hold lifted: a recorded promise is in force if its last day has not passed, else it is broken."""
    if account.promised_date is None:
        return account.with_changes(status=Status.ACTIVE)
    if lapsed(account, profile, today):
        return broken(account.with_changes(status=Status.ACTIVE))
    return account.with_changes(status=Status.PROMISE)
