"""What borrower events do to an account (DOMAIN.md's stop and pause rules), as a pure function.

An event may also close channels on the account's phone number (an opt-out, a wrong number): the
outcome's account carries its number's record as it now stands, and the service writes what changed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from . import legal, plans, promises, replies
from .ladder import holds_in_force
from .model import CONTACTABLE, HELP, Account, LegalState, Status
from .numbers import ClosedBecause, NumberStatus, channels_of
from .policy import PlanLimits
from .profiles import Profile, profile_for
from .windows import require_common_daytime

HOLD_EVENTS = {"dispute_opened": "dispute", "cease_contact": "cease_contact"}
# Reasons a `hold_placed` event may give (DOMAIN.md: attorney, bankruptcy, deceased, hardship
# moratorium, Breathing Space); disputes and cease requests have their own event types.
PLACED_HOLDS = ("attorney", "bankruptcy", "deceased", "breathing_space", "hardship", "paused")  # paused: by an operator
HOLD_REASONS = ("dispute", "cease_contact", *PLACED_HOLDS)
BREATHING_SPACE_DAYS = 60  # UK Debt Respite Scheme standard moratorium; the last day counted is start + 60
CHANNELS = ("sms", "call", "all")
MAX_PROMISE_DAYS = 366  # a promise further out is a plan for the lender's core system, not a pause
DEFAULT_PLAN_LIMITS = PlanLimits()  # the default ladder's; the ingest passes the account's policy's
KEEP_DAYS = 8  # dial attempts and conversations per day are kept this long: the caps look back 7 days


class EventError(ValueError):
    """The event cannot apply to this account; the message names the field."""


@dataclass(frozen=True)
class Outcome:
    account: Account
    note: str  # what happened, for logs and timelines
    promise_kept: bool = False


def apply_event(
    account: Account,
    event: dict[str, Any],
    today: date,
    profile: Profile | None = None,
    plan_limits: PlanLimits | None = DEFAULT_PLAN_LIMITS,
) -> Outcome:
    """The account after the event; raises EventError for an event that makes no sense here.

    `today` is the borrower's local day of the event; `profile` the account's effective profile
    (default: its profile as shipped); `plan_limits` the repayment plans its policy offers (None: none).
    """
    kind = event["type"]
    if kind == "payment_plan_agreed":
        return _plan(account, event, today, profile or profile_for(account.profile), plan_limits)
    handler = _HANDLERS.get(kind)
    if handler is None:
        raise EventError(f"type: unknown event type {kind!r}")
    return handler(account, event, today, profile or profile_for(account.profile))


def _amount(event: dict[str, Any], field: str) -> Decimal:
    try:
        value = Decimal(str(event[field]))
    except (KeyError, ArithmeticError, ValueError):
        raise EventError(f"{field}: expected a decimal amount") from None
    if value < 0:
        raise EventError(f"{field}: must not be negative")
    return value


def _payment(account: Account, event: dict[str, Any], today: date, profile: Profile) -> Outcome:
    paid = _amount(event, "amount")
    fees = max(account.fees - paid, Decimal("0"))
    balance = account.balance - max(paid - account.fees, Decimal("0"))
    changed, kept = promises.paid_toward(account, paid, profile, today)
    kept_note = ("; the repayment plan is complete" if account.plan else "; the promise to pay is kept") if kept else ""
    if account.plan and kept and balance > 0:
        # The last installment settles the account: what the plan left unpaid is the lender's agreed settlement.
        settled = changed.with_changes(balance=Decimal("0"), fees=Decimal("0"), status=Status.PAID, confirmation_due=True)
        return Outcome(
            settled,
            f"payment {paid}; the repayment plan is complete and settles the account ({balance + fees} left unpaid by agreement)",
            kept,
        )
    if account.plan and not kept and changed.promised_date != account.promised_date:
        kept_note = f"; installment paid, the next is due {changed.promised_date}"
    if balance <= 0 and account.status is not Status.PAID:
        settled = promises.settled(changed).with_changes(balance=Decimal("0"), fees=Decimal("0"), status=Status.PAID, confirmation_due=True)
        return Outcome(settled, f"paid in full ({paid}){kept_note}", kept)
    changed = changed.with_changes(balance=max(balance, Decimal("0")), fees=fees)
    return Outcome(changed, f"partial payment {paid}{kept_note}" + ("; the ladder resumes for the rest" if kept else ""), kept)


def _balance_update(account: Account, event: dict[str, Any], today: date, profile: Profile) -> Outcome:
    return Outcome(account.with_changes(balance=_amount(event, "balance"), fees=_amount(event, "fees")), "balance updated")


def _promise(account: Account, event: dict[str, Any], today: date, profile: Profile) -> Outcome:
    try:
        promised = date.fromisoformat(str(event["promised_date"]))
    except (KeyError, ValueError):
        raise EventError("promised_date: expected YYYY-MM-DD") from None
    if promised < today:
        raise EventError(f"promised_date: {promised} is in the past")
    if promised > today + timedelta(days=MAX_PROMISE_DAYS):
        raise EventError(f"promised_date: {promised} is more than {MAX_PROMISE_DAYS} days ahead")
    if account.status not in (Status.ACTIVE, Status.PROMISE, Status.HOLD):
        return Outcome(account, f"promise ignored: account is {account.status}")
    if account.plan:
        return Outcome(account, f"promise ignored: a repayment plan is in force (next installment {account.promised_date})")
    changed = promises.made(account, _amount(event, "amount"), promised, today)
    end = promises.last_day(changed, profile)
    if account.status is Status.HOLD:
        return Outcome(changed, f"promise to pay by {promised} recorded during the hold; in force if the hold lifts by {end}")
    return Outcome(changed, f"promise to pay by {promised}; contacts paused through {end}")


def _plan(account: Account, event: dict[str, Any], today: date, profile: Profile, limits: PlanLimits | None) -> Outcome:
    """A repayment plan agreed: checked against the account and its policy's limits, then in force (or recorded, on hold)."""
    try:
        installments = plans.installments_of(event)
        if account.status not in plans.AGREEABLE:
            return Outcome(account, f"plan ignored: account is {account.status}")
        plans.check(account, installments, today, limits)
    except plans.PlanRefused as exc:
        raise EventError(str(exc)) from None
    replaced = (
        " (replacing the promise to pay)"
        if account.promised_date and not account.plan
        else " (replacing the earlier plan)"
        if account.plan
        else ""
    )
    changed = plans.agreed(account, installments, today)
    total = sum(a for _, a in installments)
    what = f"repayment plan of {len(installments)} installment(s), {total} by {installments[-1][0]}{replaced}"
    if account.status is Status.HOLD:
        return Outcome(changed, f"{what} recorded during the hold; in force if the hold lifts by {promises.last_day(changed, profile)}")
    return Outcome(changed, f"{what}; contacts paused while it is kept, next installment {installments[0][0]}")


def _hold(account: Account, event: dict[str, Any], today: date, profile: Profile) -> Outcome:
    return place_hold(account, HOLD_EVENTS[event["type"]], None, today)


def _hold_placed(account: Account, event: dict[str, Any], today: date, profile: Profile) -> Outcome:
    reason = event.get("reason")
    if reason not in PLACED_HOLDS:
        raise EventError(f"reason: expected one of {', '.join(PLACED_HOLDS)}")
    until = _optional_day(event, "until")
    if until is not None and until < today:
        raise EventError(f"until: {until} is in the past")
    if until is None and reason == "breathing_space":
        until = today + timedelta(days=BREATHING_SPACE_DAYS)
    return place_hold(account, reason, until, today)


def _hold_lifted(account: Account, event: dict[str, Any], today: date, profile: Profile) -> Outcome:
    reason = event.get("reason")
    if reason not in HOLD_REASONS:
        raise EventError(f"reason: expected one of {', '.join(HOLD_REASONS)}")
    return lift_hold(account, reason, today, profile)


def _dispute_resolved(account: Account, event: dict[str, Any], today: date, profile: Profile) -> Outcome:
    return lift_hold(account, "dispute", today, profile)


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


def lift_hold(account: Account, reason: str, today: date, profile: Profile | None = None) -> Outcome:
    if reason not in account.holds:
        return Outcome(account, f"{reason} lifted (no {reason} hold in force)")
    holds = {r: u for r, u in account.holds.items() if r != reason}
    if holds or account.status is not Status.HOLD:
        left = f"; still held: {'+'.join(sorted(holds))}" if holds else ""
        return Outcome(account.with_changes(holds=holds), f"{reason} lifted{left}")
    resumed = promises.on_resume(account.with_changes(holds=holds), profile or profile_for(account.profile), today)
    if resumed.status is Status.PROMISE:
        return Outcome(resumed, f"{reason} lifted; the promise to pay by {resumed.promised_date} is in force")
    broke = " (the promise made during the hold lapsed unkept)" if resumed.broken_promises > account.broken_promises else ""
    return Outcome(resumed, f"{reason} lifted; the ladder resumes{broke}")


def lift_expired_holds(account: Account, today: date, profile: Profile | None = None) -> Outcome | None:
    """Holds whose last day has passed (e.g. a Breathing Space moratorium), lifted; None if none has."""
    expired = sorted(r for r, until in account.holds.items() if until is not None and until < today)
    if not expired:
        return None
    notes = []
    for reason in expired:
        outcome = lift_hold(account, reason, today, profile)
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


def _opt_out(account: Account, event: dict[str, Any], today: date, profile: Profile) -> Outcome:
    channel = event.get("channel")
    if channel not in CHANNELS:
        raise EventError(f"channel: expected one of {', '.join(CHANNELS)}")
    number = account.number.closing(channels_of(channel), ClosedBecause.OPTED_OUT, today, "opt_out")
    changed = account.with_changes(opted_out=account.opted_out | {channel}, number=number)
    return Outcome(changed, f"opted out of {channel}" + (" on this number, for every account that carries it" if channel != "all" else ""))


def _sms_reply(account: Account, event: dict[str, Any], today: date, profile: Profile) -> Outcome:
    """A reply to a text (escalation.domain.replies): STOP opts the number out of SMS; HELP asks for the help text,
    sent at the next chance and once a day at most; anything else is for an agent (the ingest queues the task)."""
    text = event.get("text")
    if not isinstance(text, str) or not text.strip():
        raise EventError("text: expected the reply's text")
    kind = replies.kind_of(text, profile)
    if kind is replies.ReplyKind.STOP:
        stopped = _opt_out(account, {"channel": "sms"}, today, profile)
        return Outcome(stopped.account, f"reply STOP: {stopped.note}")
    if kind is replies.ReplyKind.HELP:
        if "sms" in account.number.closed or "sms" in account.opted_out:
            return Outcome(account, "reply HELP: SMS is closed on this number, so no help text")
        if account.last_fired.get(HELP) == today:
            return Outcome(account, "reply HELP: the help text was sent today already")
        held = holds_in_force(account, today)
        if account.status not in CONTACTABLE or held:
            why = f"on hold ({', '.join(held)})" if held else account.status.value
            return Outcome(account, f"reply HELP: no help text while the account is {why}")
        return Outcome(account.with_changes(help_requested=True), "reply HELP: the help text goes at the next chance")
    return Outcome(account, "reply: a message for an agent (task queued)")


def _call_outcome(account: Account, event: dict[str, Any], today: date, profile: Profile) -> Outcome:
    outcome = event.get("outcome")
    if outcome not in ("reached", "no_answer", "refused", "wrong_number"):
        raise EventError("outcome: expected reached, no_answer, refused or wrong_number")
    # Every outcome is one dial attempt of that local day, and answers the task it names (or the oldest open one).
    attempted = account.with_changes(dials=_recent_days(account.dials, today, 1), open_calls=_answered(account, event.get("task_id")))
    if outcome == "reached":
        talked = _recent_days(account.conversations, today, 1)
        return Outcome(
            attempted.with_changes(last_reached=today, failed_call_attempts=0, conversations=talked), "call reached the borrower"
        )
    if outcome == "refused":
        talked = _recent_days(account.conversations, today, 1)
        changed = attempted.with_changes(refusals=account.refusals + 1, last_reached=today, conversations=talked)
        return Outcome(changed, "call refused")
    failed = attempted.with_changes(failed_call_attempts=account.failed_call_attempts + 1)
    if outcome == "no_answer":
        return Outcome(failed, "call: no_answer")
    number = account.number.closing(("sms", "call"), ClosedBecause.WRONG_NUMBER, today, account.account_id)
    note = "call: wrong_number; the number is closed for SMS and calls on every account that carries it"
    return Outcome(failed.with_changes(number=number), note)


def _recent_days(counts: dict[date, int], today: date, add: int) -> dict[date, int]:
    """Per-day counts with today's raised, and days the caps no longer read dropped."""
    cutoff = today - timedelta(days=KEEP_DAYS)
    return {day: n for day, n in counts.items() if day >= cutoff} | {today: counts.get(today, 0) + add}


def _answered(account: Account, task_id: Any) -> dict[str, datetime]:
    """The open call tasks once an outcome answers one: the task it names, else the oldest open one."""
    if not account.open_calls:
        return account.open_calls
    named = str(task_id).removeprefix(f"{account.account_id}#") if task_id else None
    answered = named if named in account.open_calls else (None if named else min(account.open_calls))
    return {key: expires for key, expires in account.open_calls.items() if key != answered}


def _visit_outcome(account: Account, event: dict[str, Any], today: date, profile: Profile) -> Outcome:
    outcome = event.get("outcome")
    if outcome not in ("met", "not_home", "refused"):
        raise EventError("outcome: expected met, not_home or refused")
    changed = account.with_changes(visits_attempted=account.visits_attempted + 1)
    if outcome == "refused":
        changed = changed.with_changes(refusals=changed.refusals + 1)
    return Outcome(changed, f"visit: {outcome}")


def _contact_updated(account: Account, event: dict[str, Any], today: date, profile: Profile) -> Outcome:
    """The lender's system has a new number for the borrower: the phone channels are open on it (unless it is closed itself)."""
    phone = str(event.get("phone") or "")
    if not phone:
        raise EventError("phone: missing (required)")
    if phone == account.phone:
        return Outcome(account, "contact updated: the number is unchanged")
    if account.timezone is None:
        try:  # the time zone was derived from the old number: the new one must allow a contact window too
            require_common_daytime(phone, None, profile)
        except ValueError as exc:
            raise EventError(f"phone: the account has no time zone, and the new number's: {exc}") from None
    # Attempts that failed on the old number did not try the borrower; the new number starts afresh.
    changed = account.with_changes(phone=phone, number=NumberStatus(phone=phone), failed_call_attempts=0)
    return Outcome(changed, "contact updated: a new number; SMS and calls go to it")


def _legal_decision(account: Account, event: dict[str, Any], today: date, profile: Profile) -> Outcome:
    decision = event.get("decision")
    try:
        if decision == "approve":
            at = event.get("decided_at")
            instant = datetime.fromisoformat(at) if isinstance(at, str) else datetime.combine(today, datetime.min.time())
            changed = legal.approve(account, legal.reviewer_of(event), instant)
            return Outcome(changed, f"legal referral approved ({len(legal.approvers(changed))} of {profile.legal_approvals} approvals)")
        if decision == "reject":
            if not legal.waiting(account):
                raise legal.LegalError("account_id: no legal review is waiting for a decision")
            ended = legal.end(account, LegalState.REJECTED, today)
            return Outcome(ended.account, ended.note)
    except legal.LegalError as exc:
        raise EventError(str(exc)) from None
    raise EventError("decision: expected approve or reject")


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
    "sms_reply": _sms_reply,
    "call_outcome": _call_outcome,
    "visit_outcome": _visit_outcome,
    "contact_updated": _contact_updated,
    "legal_decision": _legal_decision,
}
