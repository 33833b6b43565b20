"""The legal-review workflow's steps and the daily look at a waiting review.

Nothing reaches the legal partner without an approval carried by the task token. Approvals are
collected on the account (escalation.service.ingest); a complete approval is handed to the workflow
when the referral may be made, and waits while a promise to pay is in force. The referral itself
(escalation.service.referral) checks again. The functions that only wait for, withdraw or close a
review (IngestEvents among them) need not import the dispatch path.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from ..aws import dynamo, legal_workflow, notifications, numbers
from ..config import Settings
from ..domain import calendar, legal
from ..domain.ladder import next_check
from ..domain.model import Account, LegalState
from ..domain.strategy import Configuration
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


def return_to_ladder(review: dict[str, Any], reason: str, decided_at: str | None, config: Configuration) -> dict[str, Any]:
    """Rejected, expired or withdrawn: the account goes back to the ladder where it stood."""
    if reason not in CLOSED_BY:
        raise ValueError(f"reason: expected one of {', '.join(CLOSED_BY)}, got {reason!r}")
    account = dynamo.load(review["account_id"])
    if account is None:
        raise ValueError(f"account_id: unknown account {review['account_id']!r}")
    if account.legal_state is not LegalState.PENDING:  # a retry, or a review already closed another way
        return {"account_id": account.account_id, "outcome": "already_closed", "reason": reason}
    account = numbers.attach_one(account)
    now = as_utc(decided_at) if decided_at else datetime.now().astimezone()
    ctx = context_for(account, now, config)
    closed = legal.end(account, CLOSED_BY[reason], ctx.today).account
    dynamo.save_event_fields(account, closed, next_check(closed, ctx, ctx.today), review_token=False)
    return {"account_id": account.account_id, "outcome": "returned_to_ladder", "reason": reason}


def tend_review(account: Account, now: datetime, config: Configuration) -> tuple[Account, str | None]:
    """The daily look at a waiting review (escalation.domain.calendar.review_step), carried out: expire it after the
    review period, hand over an approval whose promise was broken (or withdraw it), or keep it alive.

    Returns the account as it now stands and what happened (None: no review waiting).
    Raises dynamo.AccountChanged if the account changed meanwhile.
    """
    if account.legal_state is not LegalState.PENDING:
        return account, None
    token = dynamo.legal_token(account.account_id)
    ctx = context_for(account, now, config)
    step = calendar.review_step(account, ctx.profile, ctx.today, token)
    if step is None:
        return account, None
    if step.kind == calendar.EXPIRED:
        dynamo.save_event_fields(account, step.account, next_check(step.account, ctx, ctx.today), review_token=False)
        if token:
            legal_workflow.end_without_decision(token, "ReviewExpired", _cause(now, f"no decision by {ctx.today}"))
        return step.account.with_changes(event_seq=account.event_seq + 1), step.note
    if step.kind == calendar.HAND_OVER and token:
        hand_over(account, token, now)
        return account, step.note
    if step.kind == calendar.WITHDRAWN and step.why:
        return _withdraw(account, step.why, token, now, config), step.note
    if token and legal_workflow.heartbeat(token):
        return account, step.note
    return account, None


def _withdraw(account: Account, why: str, token: str | None, now: datetime, config: Configuration) -> Account:
    ctx = context_for(account, now, config)
    closed = legal.end(account, LegalState.WITHDRAWN, ctx.today, why).account
    dynamo.save_event_fields(account, closed, next_check(closed, ctx, ctx.today), review_token=False)
    if token:
        end_withdrawn(token, legal.describe(why), now)
    return closed.with_changes(event_seq=account.event_seq + 1)


def hand_over(account: Account, token: str, now: datetime) -> None:
    """A complete approval goes to the waiting workflow, which refers (after one more check); its token is spent."""
    legal_workflow.decide(token, "approve", legal.approvers_text(account), now.isoformat())
    dynamo.set_legal_token(account.account_id, None)


def end_withdrawn(token: str, why: str, now: datetime) -> None:
    legal_workflow.end_without_decision(token, "ReviewWithdrawn", _cause(now, why))


def _cause(now: datetime, why: str) -> str:
    """The task failure's Cause: when (in the run's clock) and why; ReturnToLadder reads `at`."""
    return json.dumps({"at": now.isoformat(), "why": why})
