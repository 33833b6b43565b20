"""The legal review's rules: who approved, when a review ends without a referral, and why.

A review waits for the approvals of as many distinct people as the profile asks (Profile.legal_approvals,
default 2: four eyes); one rejection ends it. The referral is checked again when the approval arrives
(DOMAIN.md, "Legal referral"): no referral while the account is paid, on hold or under a promise in
force, or once the amount due is below the threshold. Paid, held or below the threshold: the review is
withdrawn with that reason. Under a promise: the approval waits — withdrawn if the promise is kept,
checked again (and referred if it still qualifies) if it is broken.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from .conditions import ReferralBlocked, referral_blocker
from .model import Account, LegalState, Status
from .profiles import Profile
from .windows import as_utc

# An assumed-role session's ARN; its session name is the person (the roles' trust policies pin it to the user name).
_ASSUMED_ROLE = re.compile(r"^arn:aws[a-z-]*:sts::\d+:assumed-role/[^/]+/(?P<session>[^/]+)$")

_ENDED = {
    LegalState.REJECTED: "legal review rejected",
    LegalState.EXPIRED: "legal review expired without a decision",
    LegalState.WITHDRAWN: "legal review withdrawn",
}
_WHY = {
    ReferralBlocked.PAID: "the account is paid",
    ReferralBlocked.HOLD: "the account is on hold",
    ReferralBlocked.BELOW_THRESHOLD: "the amount due is below the legal threshold",
    ReferralBlocked.PROMISE: "a promise to pay is in force",
    ReferralBlocked.PROMISE_KEPT: "the borrower kept their promise to pay",
}


class LegalError(ValueError):
    """A decision that cannot apply to this account's review; the message names the field."""


@dataclass(frozen=True)
class Ended:
    account: Account
    note: str


def waiting(account: Account) -> bool:
    return account.legal_state is LegalState.PENDING


def reviewer_of(event: Mapping[str, Any]) -> str:
    """Who made a legal decision: the caller AWS authenticated (`principal`). The `reviewer` note is free text anyone
    could type, so it stands in only where there is no principal: the simulation lab's events."""
    return str(event.get("principal") or event.get("reviewer") or "reviewer")


def person_of(principal: str) -> str:
    """The person an approval counts for: an assumed-role session's name, whatever the role (alice through ReviewerRole
    and through an SSO role is one reviewer), else the text itself. Case is ignored: IAM and IAM Identity Center user
    names are unique regardless of case, and merging two spellings can only ask for more approvals, never fewer."""
    session = _ASSUMED_ROLE.match(principal)
    return (session["session"] if session else principal).casefold()


def approvers(account: Account) -> set[str]:
    """The people who have approved the waiting review (person_of)."""
    return {person_of(principal) for principal in account.legal_approvals}


def approved(account: Account, profile: Profile) -> bool:
    """The waiting review has all the approvals its profile asks for (it may still wait for a promise)."""
    return waiting(account) and len(approvers(account)) >= profile.legal_approvals


def approve(account: Account, principal: str, at: datetime) -> Account:
    """One reviewer's approval of the waiting review. A person counts once: a second approval from someone who already
    approved (under any role) is refused, so the caller learns it did not count."""
    if not waiting(account):
        raise LegalError("account_id: no legal review is waiting for a decision")
    if (person := person_of(principal)) in approvers(account):
        raise LegalError(f"principal: {person} approved this review already; another reviewer must approve")
    return account.with_changes(legal_approvals=account.legal_approvals | {principal: at.isoformat()})


def approvers_text(account: Account) -> str:
    """The referral's audit note: every approver and when, earliest first ("" with none)."""
    ordered = sorted(account.legal_approvals.items(), key=lambda item: (as_utc(item[1]), item[0]))
    return ", ".join(f"{principal} at {at}" for principal, at in ordered)


def end(account: Account, outcome: LegalState, today: date, why: str | None = None) -> Ended:
    """A review that ended without a referral: the account stays where the ladder had it."""
    if outcome not in _ENDED:
        raise LegalError(f"decision: {outcome} does not end a review")
    note = _ENDED[outcome] + (f": {_WHY.get(why, why)}" if why else "")
    ended = account.with_changes(legal_state=outcome, legal_decided_on=today, legal_approvals={}, legal_note=f"{today}: {note}")
    return Ended(ended, f"{note}; back to the ladder")


def referred(account: Account, today: date) -> Account:
    return account.with_changes(
        legal_state=LegalState.APPROVED, legal_decided_on=today, status=Status.LEGAL, legal_note=f"{today}: referred to the legal partner"
    )


def blocker(account: Account, profile: Profile) -> str | None:
    """Why an approved referral cannot be made now (ReferralBlocked), or None."""
    return referral_blocker(account, profile)


def withdrawal_reason(before: Account, after: Account, profile: Profile, promise_kept: bool = False) -> str | None:
    """Why a change to the account ends its waiting review, or None (the review goes on waiting).

    Paid, held, below the threshold: withdrawn. A promise in force: the review (and an approval) waits;
    the promise kept: withdrawn, when an approval was waiting for it.
    """
    if not waiting(before):
        return None
    if promise_kept and approved(after, profile):
        return ReferralBlocked.PROMISE_KEPT
    why = referral_blocker(after, profile)
    return None if why in (None, ReferralBlocked.PROMISE) else why


def describe(why: str) -> str:
    return _WHY.get(why, why)


def review_after_event(
    before: Account, after: Account, kind: str, profile: Profile, today: date, promise_kept: bool
) -> tuple[Account, str | None]:
    """The waiting review after a borrower event of type `kind`: withdrawn if the account stopped qualifying; an
    approval that completes it checked again (DOMAIN.md: the referral re-checks). Returns the account and why
    (ReferralBlocked); a complete approval under a promise waits on the account (why: PROMISE, not withdrawn)."""
    why = withdrawal_reason(before, after, profile, promise_kept)
    if why is None and kind == "legal_decision" and approved(after, profile):
        why = blocker(after, profile)
        if why == ReferralBlocked.PROMISE:
            return after, why
    if why is None:
        return after, None
    return end(after, LegalState.WITHDRAWN, today, why).account, why
