"""The conditions a ladder rule may name, and the legal referral's re-check (DOMAIN.md's ladder).

* `no_promise`: no promise to pay in force.
* `unreachable_or_refused` (field visit): unreachable — no call reached the borrower in the last 14 days
  after at least 3 failed attempts, or the number reaches a third party (wrong number) — or 2 refusals.
* `legal_prerequisites` (legal review): the amount due is at least the profile's threshold, no review
  is waiting or approved, and a reachability prerequisite holds: where the profile offers field visits
  (CN), at least one visit attempted; where it offers none (US, EU), unreachable — at least 3 failed
  attempts and no conversation in the last 30 days, or a wrong number — or 2 refusals.

Conditions read the account's state and, for unreachability, the passing days: `first_day` says on
which day a condition that fails today would hold if nothing else happened.
"""

from __future__ import annotations

from datetime import date, timedelta

from .model import Account, LegalState, Status
from .profiles import Profile

CONDITIONS = ("always", "no_promise", "unreachable_or_refused", "legal_prerequisites")
UNREACHABLE_ATTEMPTS = 3
VISIT_QUIET_DAYS = 14  # field visit: no call reached in the last 14 days
LEGAL_QUIET_DAYS = 30  # legal review without field visits: no conversation in the last 30 days
REFUSALS = 2
PENDING, APPROVED = LegalState.PENDING, LegalState.APPROVED


def holds(name: str, account: Account, profile: Profile, today: date) -> bool:
    if name == "always":
        return True
    if name == "no_promise":
        return account.status is not Status.PROMISE
    if name == "unreachable_or_refused":
        return unreachable(account, today, VISIT_QUIET_DAYS) or account.refusals >= REFUSALS
    if name == "legal_prerequisites":
        return (  # cheapest first: the amount is a Decimal sum, and most accounts had no visit yet
            account.legal_state not in (PENDING, APPROVED)
            and _reachability_tried(account, profile, today)
            and account.amount_due >= profile.legal_threshold
        )
    raise ValueError(f"unknown condition {name!r}")


def day_dependent(name: str, profile: Profile) -> bool:
    """Whether the condition can change with the passing days alone (else it reads only the account's state)."""
    return name == "unreachable_or_refused" or (name == "legal_prerequisites" and not profile.field_visits)


def first_day(name: str, account: Account, profile: Profile, day: date) -> date | None:
    """The first day >= `day` on which the condition holds if no event changes the account; None if never."""
    if holds(name, account, profile, day):
        return day
    if not day_dependent(name, profile) or account.failed_call_attempts < UNREACHABLE_ATTEMPTS or account.last_reached is None:
        return None  # only the quiet days after the last conversation can still come with time
    quiet = VISIT_QUIET_DAYS if name == "unreachable_or_refused" else LEGAL_QUIET_DAYS
    later = account.last_reached + timedelta(days=quiet)
    return later if later > day and holds(name, account, profile, later) else None


def unreachable(account: Account, today: date, quiet_days: int) -> bool:
    """No way to reach the borrower by phone: a wrong number, or 3 failed attempts and no conversation for `quiet_days`."""
    if account.number.wrong_number:
        return True
    quiet = account.last_reached is None or (today - account.last_reached).days >= quiet_days
    return account.failed_call_attempts >= UNREACHABLE_ATTEMPTS and quiet


def _reachability_tried(account: Account, profile: Profile, today: date) -> bool:
    if profile.field_visits:
        return account.visits_attempted >= 1
    return unreachable(account, today, LEGAL_QUIET_DAYS) or account.refusals >= REFUSALS


class ReferralBlocked:
    """Why an approved referral may not go to the legal partner now (checked again when the approval arrives)."""

    PAID = "paid"
    HOLD = "on_hold"
    BELOW_THRESHOLD = "below_threshold"
    PROMISE = "promise_in_force"  # the referral waits: withdrawn if the promise is kept, re-checked if broken
    PROMISE_KEPT = "promise_kept"


def referral_blocker(account: Account, profile: Profile) -> str | None:
    """Why no referral may be made for this account now, or None."""
    if account.status is Status.PAID or account.amount_due <= 0:
        return ReferralBlocked.PAID
    if account.status is Status.HOLD:
        return ReferralBlocked.HOLD
    if account.status is Status.PROMISE:
        return ReferralBlocked.PROMISE
    if account.amount_due < profile.legal_threshold:
        return ReferralBlocked.BELOW_THRESHOLD
    return None
