"""The legal-review workflow's steps: wait for a reviewer, then refer or return to the ladder.

Nothing reaches the legal partner without an approval carried by the task token. The referral
itself (approved) is escalation.service.referral: it records a contact through dispatch, which
the functions that only wait for, withdraw or close a review (IngestEvents among them) need not import.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from ..aws import dynamo, legal_workflow, notifications
from ..config import Settings
from ..domain.events import close_review
from ..domain.ladder import next_check, review_expired
from ..domain.model import Account, LegalState, Status
from ..domain.windows import as_utc
from .context import context_for


def await_decision(task_token: str, review: dict[str, Any], settings: Settings) -> None:
    """Park the task token on the account and tell the reviewers a decision is wanted."""
    dynamo.set_legal_token(review["account_id"], task_token)
    notifications.notify_reviewers(
        settings.reviewer_topic_arn,
        f"Legal review requested for account {review['account_id']}",
        {k: review[k] for k in ("account_id", "amount_due", "currency", "requested_at") if k in review},
    )


# Why a review ended without a referral (the state machine's reason) -> what the account records.
CLOSED_BY = {
    "rejected": LegalState.REJECTED,
    "expired": LegalState.EXPIRED,
    "timeout": LegalState.EXPIRED,
    "withdrawn": LegalState.WITHDRAWN,
}


def return_to_ladder(review: dict[str, Any], reason: str, decided_at: str | None) -> dict[str, Any]:
    """Rejected, expired or withdrawn: the account goes back to the ladder where it stood."""
    if reason not in CLOSED_BY:
        raise ValueError(f"reason: expected one of {', '.join(CLOSED_BY)}, got {reason!r}")
    account = dynamo.load(review["account_id"])
    if account is None:
        raise ValueError(f"account_id: unknown account {review['account_id']!r}")
    if account.legal_state is not LegalState.PENDING:  # a retry, or a review already closed another way
        return {"account_id": account.account_id, "outcome": "already_closed", "reason": reason}
    now = as_utc(decided_at) if decided_at else datetime.now().astimezone()
    ctx = context_for(account, now)
    closed = close_review(account, CLOSED_BY[reason], ctx.today).account
    dynamo.save_event_fields(closed, account.event_seq, next_check(closed, ctx, ctx.today), {"legal_task_token": None})
    return {"account_id": account.account_id, "outcome": "returned_to_ladder", "reason": reason}


def tend_review(account: Account, now: datetime) -> tuple[Account, str | None]:
    """The daily look at a waiting review: expire it after the review period, else keep it alive.

    Returns the account as it now stands and what happened (None: no review waiting).
    Raises dynamo.ClaimRefused if the account changed meanwhile.
    """
    if account.legal_state is not LegalState.PENDING:
        return account, None
    token = dynamo.legal_token(account.account_id)
    ctx = context_for(account, now)
    if review_expired(account, ctx.today):
        closed = close_review(account, LegalState.EXPIRED, ctx.today).account
        dynamo.save_event_fields(closed, account.event_seq, next_check(closed, ctx, ctx.today), {"legal_task_token": None})
        if token:
            legal_workflow.end_without_decision(token, "ReviewExpired", _cause(now, f"no decision by {ctx.today}"))
        return closed.with_changes(event_seq=account.event_seq + 1), "legal_review_expired"
    if token and legal_workflow.heartbeat(token):
        return account, "legal_review_waiting"
    return account, None


def withdrawal(before: Account, after: Account, today: date) -> tuple[Account, str | None]:
    """A waiting review ends when the account stops qualifying (paid, held): the account as saved, and the token to end."""
    if before.legal_state is not LegalState.PENDING or after.status in (Status.ACTIVE, Status.PROMISE):
        return after, None
    return close_review(after, LegalState.WITHDRAWN, today).account, dynamo.legal_token(before.account_id)


def end_withdrawn(token: str, why: str, now: datetime) -> None:
    legal_workflow.end_without_decision(token, "ReviewWithdrawn", _cause(now, why))


def _cause(now: datetime, why: str) -> str:
    """The task failure's Cause: when (in the run's clock) and why; ReturnToLadder reads `at`."""
    return json.dumps({"at": now.isoformat(), "why": why})
