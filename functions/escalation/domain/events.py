"""What borrower events do to an account (DOMAIN.md's stop and pause rules), as a pure function."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from .model import Account, LegalState, Status

HOLD_EVENTS = {"dispute_opened": "dispute", "cease_contact": "cease_contact"}
CHANNELS = ("sms", "call", "all")
MAX_PROMISE_DAYS = 366  # a promise further out is a plan for the lender's core system, not a pause


class EventError(ValueError):
    """The event cannot apply to this account; the message names the field."""


@dataclass(frozen=True)
class Outcome:
    account: Account
    note: str  # what happened, for logs and timelines


def apply_event(account: Account, event: dict[str, Any], today: date) -> Outcome:
    """The account after the event; raises EventError for an event that makes no sense here."""
    kind = event["type"]
    handler = _HANDLERS.get(kind)
    if handler is None:
        raise EventError(f"type: unknown event type {kind!r}")
    return handler(account, event, today)


def _amount(event: dict[str, Any], field: str) -> Decimal:
    try:
        value = Decimal(str(event[field]))
    except (KeyError, ArithmeticError, ValueError):
        raise EventError(f"{field}: expected a decimal amount") from None
    if value < 0:
        raise EventError(f"{field}: must not be negative")
    return value


def _payment(account: Account, event: dict[str, Any], today: date) -> Outcome:
    paid = _amount(event, "amount")
    fees = max(account.fees - paid, Decimal("0"))
    balance = account.balance - max(paid - account.fees, Decimal("0"))
    if balance <= 0 and account.status is not Status.PAID:
        settled = account.with_changes(
            balance=Decimal("0"), fees=Decimal("0"), status=Status.PAID, confirmation_due=True, promised_date=None
        )
        return Outcome(settled, f"paid in full ({paid})")
    return Outcome(account.with_changes(balance=max(balance, Decimal("0")), fees=fees), f"partial payment {paid}")


def _balance_update(account: Account, event: dict[str, Any], today: date) -> Outcome:
    return Outcome(account.with_changes(balance=_amount(event, "balance"), fees=_amount(event, "fees")), "balance updated")


def _promise(account: Account, event: dict[str, Any], today: date) -> Outcome:
    try:
        promised = date.fromisoformat(str(event["promised_date"]))
    except (KeyError, ValueError):
        raise EventError("promised_date: expected YYYY-MM-DD") from None
    if promised < today:
        raise EventError(f"promised_date: {promised} is in the past")
    if promised > today + timedelta(days=MAX_PROMISE_DAYS):
        raise EventError(f"promised_date: {promised} is more than {MAX_PROMISE_DAYS} days ahead")
    if account.status not in (Status.ACTIVE, Status.PROMISE):
        return Outcome(account, f"promise ignored: account is {account.status}")
    changed = account.with_changes(status=Status.PROMISE, promised_date=promised, promised_amount=_amount(event, "amount"))
    return Outcome(changed, f"promise to pay by {promised}; contacts paused until {promised + timedelta(days=1)}")


def _hold(account: Account, event: dict[str, Any], today: date) -> Outcome:
    if account.status in (Status.PAID, Status.CLOSED):
        return Outcome(account, f"{event['type']} recorded on a {account.status} account")
    reason = HOLD_EVENTS[event["type"]]
    if account.status is Status.HOLD and account.hold_reason == "cease_contact":
        return Outcome(account, f"{event['type']} recorded; the cease-contact hold stays in force")
    return Outcome(account.with_changes(status=Status.HOLD, hold_reason=reason), f"hold: {reason}")


def _dispute_resolved(account: Account, event: dict[str, Any], today: date) -> Outcome:
    if account.status is Status.HOLD and account.hold_reason == "dispute":
        return Outcome(account.with_changes(status=Status.ACTIVE, hold_reason=None), "dispute resolved; ladder resumes")
    return Outcome(account, "dispute resolved (no dispute hold in force)")


def _opt_out(account: Account, event: dict[str, Any], today: date) -> Outcome:
    channel = event.get("channel")
    if channel not in CHANNELS:
        raise EventError(f"channel: expected one of {', '.join(CHANNELS)}")
    return Outcome(account.with_changes(opted_out=account.opted_out | {channel}), f"opted out of {channel}")


def _call_outcome(account: Account, event: dict[str, Any], today: date) -> Outcome:
    outcome = event.get("outcome")
    if outcome == "reached":
        return Outcome(account.with_changes(last_reached=today, failed_call_attempts=0), "call reached the borrower")
    if outcome in ("no_answer", "wrong_number"):
        return Outcome(account.with_changes(failed_call_attempts=account.failed_call_attempts + 1), f"call: {outcome}")
    if outcome == "refused":
        return Outcome(account.with_changes(refusals=account.refusals + 1, last_reached=today), "call refused")
    raise EventError("outcome: expected reached, no_answer, refused or wrong_number")


def _visit_outcome(account: Account, event: dict[str, Any], today: date) -> Outcome:
    outcome = event.get("outcome")
    if outcome not in ("met", "not_home", "refused"):
        raise EventError("outcome: expected met, not_home or refused")
    changed = account.with_changes(visits_attempted=account.visits_attempted + 1)
    if outcome == "refused":
        changed = changed.with_changes(refusals=changed.refusals + 1)
    return Outcome(changed, f"visit: {outcome}")


def _legal_decision(account: Account, event: dict[str, Any], today: date) -> Outcome:
    decision = event.get("decision")
    if decision == "approve":
        return Outcome(
            account.with_changes(legal_state=LegalState.APPROVED, legal_decided_on=today, status=Status.LEGAL), "legal referral approved"
        )
    if decision == "reject":
        return Outcome(
            account.with_changes(legal_state=LegalState.REJECTED, legal_decided_on=today), "legal review rejected; back to the ladder"
        )
    raise EventError("decision: expected approve or reject")


_HANDLERS = {
    "payment": _payment,
    "balance_update": _balance_update,
    "promise_to_pay": _promise,
    "dispute_opened": _hold,
    "cease_contact": _hold,
    "dispute_resolved": _dispute_resolved,
    "opt_out": _opt_out,
    "call_outcome": _call_outcome,
    "visit_outcome": _visit_outcome,
    "legal_decision": _legal_decision,
}
