"""The legal-review workflow's approved step: check once more, then refer the account to the legal partner.

Nothing reaches the legal partner without an approval carried by the task token, and not even then
if the account no longer qualifies when the referral would be made (paid, held, under a promise,
below the threshold): the review is withdrawn with the reason instead. A referral is a contact like
the daily run's (claim, act, record).
"""

from __future__ import annotations

from typing import Any

from ..aws import dynamo, work_queues
from ..config import Settings
from ..domain import legal
from ..domain.ladder import next_check
from ..domain.model import Action, ContactKey, LegalState, Stage, Status
from ..domain.strategy import Configuration
from ..domain.tasks import call_window, referral_message
from ..domain.windows import as_utc
from .audit import Done, record_contact
from .context import context_for


def refer(review: dict[str, Any], decision: dict[str, Any], settings: Settings, config: Configuration) -> dict[str, Any]:
    """Approved: hand the referral to the legal partner's queue (a task message: escalation.domain.tasks) and record it."""
    account = dynamo.load(review["account_id"])
    if account is None:
        raise ValueError(f"account_id: unknown account {review['account_id']!r}")
    decided_at = as_utc(decision["decided_at"])
    ctx = context_for(account, decided_at, config)
    if account.legal_state is LegalState.PENDING and (why := legal.blocker(account, ctx.profile)) is not None:
        closed = legal.end(account, LegalState.WITHDRAWN, ctx.today, why).account
        dynamo.save_event_fields(account, closed, next_check(closed, ctx, ctx.today), review_token=False)
        return {"account_id": account.account_id, "outcome": "withdrawn", "reason": why}
    key = ContactKey(ctx.today, Action.LEGAL_REFERRAL, "legal_referral")
    try:
        account = dynamo.claim(account.account_id, str(key), account.event_seq, {Status.ACTIVE})
    except dynamo.Refused:
        return {"account_id": account.account_id, "outcome": "skipped", "reason": "already_referred_or_changed"}
    approvers = legal.approvers_text(account) or decision.get("reviewer") or None
    day = call_window(decided_at, ctx.zones, ctx.profile)  # the borrower's zone and window on the day referred
    body = referral_message(account, key, decided_at, day, approvers, decision["decided_at"])
    message_id = work_queues.enqueue(settings.legal_referral_queue_url, body, body["task_id"])
    result = record_contact(
        account,
        key,
        Stage.LEGAL,
        review.get("run_id", "legal-review"),
        decided_at,
        Done(provider_id=message_id, decided_by=approvers),
        config,
    )
    dynamo.save_event_fields(account, legal.referred(account, ctx.today), None, review_token=False)
    return result
