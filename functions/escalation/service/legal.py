"""The legal-review workflow's steps: wait for a reviewer, then refer or return to the ladder.

Nothing reaches the legal partner without an approval carried by the task token.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ..aws import dynamo, notifications, work_queues
from ..config import Settings
from ..domain.events import apply_event
from ..domain.ladder import next_check
from ..domain.model import Action, Stage, Status
from ..domain.windows import as_utc
from .context import context_for
from .dispatch import Request, record_contact


def await_decision(task_token: str, review: dict[str, Any], settings: Settings) -> None:
    """Park the task token on the account and tell the reviewers a decision is wanted."""
    dynamo.set_legal_token(review["account_id"], task_token)
    notifications.notify_reviewers(
        settings.reviewer_topic_arn,
        f"Legal review requested for account {review['account_id']}",
        {k: review[k] for k in ("account_id", "amount_due", "currency", "requested_at") if k in review},
    )


def refer(review: dict[str, Any], decision: dict[str, Any], settings: Settings) -> dict[str, Any]:
    """Approved: hand the referral to the legal partner's queue and record it in the audit trail."""
    account = dynamo.load(review["account_id"])
    if account is None:
        raise ValueError(f"account_id: unknown account {review['account_id']!r}")
    decided_at = as_utc(decision["decided_at"])
    ctx = context_for(account, decided_at)
    key = f"{ctx.today.isoformat()}#legal_referral#legal_referral"
    request = Request(
        account.account_id,
        Action.LEGAL_REFERRAL,
        "legal_referral",
        Stage.LEGAL,
        key,
        account.event_seq,
        review.get("run_id", "legal-review"),
        decision["decided_at"],
    )
    try:
        dynamo.claim(account.account_id, key, account.event_seq, {Status.ACTIVE, Status.PROMISE})
    except dynamo.ClaimRefused:
        return {"account_id": account.account_id, "outcome": "skipped", "reason": "already_referred_or_changed"}
    body = {
        "account_id": account.account_id,
        "amount_due": str(account.amount_due),
        "currency": account.currency,
        "approved_by": decision.get("reviewer"),
        "approved_at": decision["decided_at"],
    }
    message_id = work_queues.enqueue(settings.legal_referral_queue_url, body, f"{account.account_id}#{key}")
    approved = apply_event(account, {"type": "legal_decision", "decision": "approve"}, ctx.today).account
    result = record_contact(account, request, decided_at, None, None, message_id, [], settings)
    dynamo.save_event_fields(approved, account.event_seq, None, {"legal_task_token": None})
    return result


def return_to_ladder(review: dict[str, Any], reason: str, decided_at: str | None) -> dict[str, Any]:
    """Rejected or timed out: the account goes back to the ladder where it stood."""
    account = dynamo.load(review["account_id"])
    if account is None:
        raise ValueError(f"account_id: unknown account {review['account_id']!r}")
    now = as_utc(decided_at) if decided_at else datetime.now().astimezone()
    ctx = context_for(account, now)
    rejected = apply_event(account, {"type": "legal_decision", "decision": "reject"}, ctx.today).account
    dynamo.save_event_fields(rejected, account.event_seq, next_check(rejected, ctx, ctx.today), {"legal_task_token": None})
    return {"account_id": account.account_id, "outcome": "returned_to_ladder", "reason": reason}
