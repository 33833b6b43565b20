"""What borrower events do to an account (DOMAIN.md's stop and pause rules), as a pure function."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from .model import Account, LegalState, Status

HOLD_EVENTS = {"dispute_opened": "dispute", "cease_contact": "cease_contact"}
# Reasons a `hold_placed` event may give (DOMAIN.md: attorney, bankruptcy, deceased, hardship
# moratorium, Breathing Space); disputes and cease requests have their own event types.
PLACED_HOLDS = ("attorney", "bankruptcy", "deceased", "breathing_space", "hardship", "paused")  # paused: by an operator
HOLD_REASONS = ("dispute", "cease_contact", *PLACED_HOLDS)
BREATHING_SPACE_DAYS = 60  # UK Debt Respite Scheme standard moratorium; the last day counted is start + 60
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
    return place_hold(account, HOLD_EVENTS[event["type"]], None, today)


def _hold_placed(account: Account, event: dict[str, Any], today: date) -> Outcome:
    reason = event.get("reason")
    if reason not in PLACED_HOLDS:
        raise EventError(f"reason: expected one of {', '.join(PLACED_HOLDS)}")
    until = _optional_day(event, "until")
    if until is not None and until < today:
        raise EventError(f"until: {until} is in the past")
    if until is None and reason == "breathing_space":
        until = today + timedelta(days=BREATHING_SPACE_DAYS)
    return place_hold(account, reason, until, today)


def _hold_lifted(account: Account, event: dict[str, Any], today: date) -> Outcome:
    reason = event.get("reason")
    if reason not in HOLD_REASONS:
        raise EventError(f"reason: expected one of {', '.join(HOLD_REASONS)}")
    return lift_hold(account, reason, today)


def _dispute_resolved(account: Account, event: dict[str, Any], today: date) -> Outcome:
    return lift_hold(account, "dispute", today)


def place_hold(account: Account, reason: str, until: date | None, today: date) -> Outcome:
    """Add a hold. Holds stack: each is lifted on its own, and contact resumes when none is left.

    A hold on a paid, closed or referred account is recorded (it also stops the payment
    confirmation) but does not change the account's status.
    """
    open_ended = until is None or (reason in account.holds and account.holds[reason] is None)
    longest = None if open_ended else max(d for d in (until, account.holds.get(reason)) if d is not None)
    holds = account.holds | {reason: longest}
    status = Status.HOLD if account.status in (Status.ACTIVE, Status.PROMISE, Status.HOLD) else account.status
    note = f"hold: {reason}" + (f" until {longest}" if longest else "")
    if account.status is Status.HOLD and set(account.holds) - {reason}:
        note += f" (also in force: {'+'.join(sorted(set(account.holds) - {reason}))})"
    return Outcome(account.with_changes(holds=holds, status=status), note)


def lift_hold(account: Account, reason: str, today: date) -> Outcome:
    if reason not in account.holds:
        return Outcome(account, f"{reason} lifted (no {reason} hold in force)")
    holds = {r: u for r, u in account.holds.items() if r != reason}
    if holds or account.status is not Status.HOLD:
        left = f"; still held: {'+'.join(sorted(holds))}" if holds else ""
        return Outcome(account.with_changes(holds=holds), f"{reason} lifted{left}")
    promise = account.promised_date is not None and account.promised_date >= today
    resumed = account.with_changes(
        holds=holds, status=Status.PROMISE if promise else Status.ACTIVE, promised_date=account.promised_date if promise else None
    )
    return Outcome(resumed, f"{reason} lifted; the ladder resumes")


def lift_expired_holds(account: Account, today: date) -> Outcome | None:
    """Holds whose last day has passed (e.g. a Breathing Space moratorium), lifted; None if none has."""
    expired = sorted(r for r, until in account.holds.items() if until is not None and until < today)
    if not expired:
        return None
    notes = []
    for reason in expired:
        outcome = lift_hold(account, reason, today)
        account = outcome.account
        notes.append(outcome.note)
    return Outcome(account, "; ".join(notes))


def _optional_day(event: dict[str, Any], field: str) -> date | None:
    if event.get(field) is None:
        return None
    try:
        return date.fromisoformat(str(event[field]))
    except ValueError:
        raise EventError(f"{field}: expected YYYY-MM-DD") from None


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
        return close_review(account, LegalState.REJECTED, today)
    raise EventError("decision: expected approve or reject")


_CLOSED_REVIEW = {
    LegalState.REJECTED: "legal review rejected",
    LegalState.EXPIRED: "legal review expired without a decision",
    LegalState.WITHDRAWN: "legal review withdrawn (the account no longer qualifies)",
}


def close_review(account: Account, outcome: LegalState, today: date) -> Outcome:
    """A review that ended without a referral: the account stays where the ladder had it."""
    if outcome not in _CLOSED_REVIEW:
        raise EventError(f"decision: {outcome} does not close a review")
    return Outcome(account.with_changes(legal_state=outcome, legal_decided_on=today), f"{_CLOSED_REVIEW[outcome]}; back to the ladder")


_HANDLERS = {
    "payment": _payment,
    "balance_update": _balance_update,
    "promise_to_pay": _promise,
    "dispute_opened": _hold,
    "cease_contact": _hold,
    "dispute_resolved": _dispute_resolved,
    "hold_placed": _hold_placed,
    "hold_lifted": _hold_lifted,
    "opt_out": _opt_out,
    "call_outcome": _call_outcome,
    "visit_outcome": _visit_outcome,
    "legal_decision": _legal_decision,
}
