"""What the passing of days does to an account before the ladder decides: promises and plans break, dated holds
end, a waiting legal review expires, goes ahead or is withdrawn. Pure: the daily run writes each change and
signals the review workflow (escalation.service.runs, .legal); the preview only counts them (ops/preview.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from . import legal, promises
from .events import lift_expired_holds
from .ladder import review_expired
from .model import Account, LegalState, Status
from .profiles import Profile

# What a waiting review's daily look decides (ReviewStep.kind), in the run report's own words.
EXPIRED, HAND_OVER, WITHDRAWN, WAITS_FOR_PROMISE, WAITING = (
    "legal_review_expired",
    "legal_referral_after_broken_promise",
    "legal_review_withdrawn",
    "legal_referral_waits_for_promise",
    "legal_review_waiting",
)


def dated_changes(account: Account, profile: Profile, today: date) -> list[tuple[str, Account]]:
    """The changes the day brings by date alone, in order, each with the account after it ("promise_broken", "hold_ended")."""
    changes = []
    if account.status is Status.PROMISE and promises.lapsed(account, profile, today):
        # The promise's (or the plan's installment's) last day has passed unkept: the ladder resumes where it stood.
        account = promises.broken(account)
        changes.append(("promise_broken", account))
    if (ended := lift_expired_holds(account, today, profile)) is not None:
        changes.append(("hold_ended", ended.account))
    return changes


@dataclass(frozen=True)
class ReviewStep:
    """A waiting review's daily look: what happens (`kind`), the account after it, and why a review was withdrawn."""

    kind: str
    account: Account
    why: str | None = None

    @property
    def note(self) -> str:
        return f"{WITHDRAWN}_{self.why}" if self.kind == WITHDRAWN else self.kind


def review_step(account: Account, profile: Profile, today: date, token: str | None) -> ReviewStep | None:
    """What the daily look at the account's waiting review does (None: no review waits, or nothing to tell it).

    With the workflow's token: an approval whose promise was broken goes ahead if it still may (else it is withdrawn),
    and a review still waiting is kept alive. Without one only the expiry can be told."""
    if account.legal_state is not LegalState.PENDING:
        return None
    if _expired(account, profile, today):
        return ReviewStep(EXPIRED, legal.end(account, LegalState.EXPIRED, today).account)
    if legal.approved(account, profile) and account.status is Status.ACTIVE and token:
        why = legal.blocker(account, profile)
        if why is None:
            return ReviewStep(HAND_OVER, account)
        return ReviewStep(WITHDRAWN, legal.end(account, LegalState.WITHDRAWN, today, why).account, why)
    if token:
        waits = legal.approved(account, profile) and account.status is Status.PROMISE
        return ReviewStep(WAITS_FOR_PROMISE if waits else WAITING, account)
    return None


def _expired(account: Account, profile: Profile, today: date) -> bool:
    """The review period is over with no complete decision. review_expired spares any approval (a decided review
    waiting for a promise); one still short of the profile's count is not a decision, so it expires like none."""
    undecided = account if legal.approved(account, profile) else account.with_changes(legal_approvals={})
    return review_expired(undecided, today)
