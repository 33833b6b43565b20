"""The legal-review workflow's approved step: refer the account to the legal partner.

Nothing reaches the legal partner without an approval carried by the task token. A referral
is a contact like the daily run's (claim, act, record), so this module builds on dispatch;
the review's other steps (escalation.service.legal) do not, and stay light for the
functions that only wait for, withdraw or close a review.
"""

from __future__ import annotations

from typing import Any

from ..aws import dynamo, work_queues
from ..config import Settings
from ..domain.events import apply_event
from ..domain.model import Action, Stage, Status
from ..domain.windows import as_utc
from .context import context_for
from .dispatch import Request, record_contact


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
    reviewer = decision.get("reviewer")
    result = record_contact(account, request, decided_at, None, None, message_id, [], settings, decided_by=reviewer)
    dynamo.save_event_fields(approved, account.event_seq, None, {"legal_task_token": None})
    return result
