"""Applying one borrower event to the store: the account changes and moves in the due index."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from ..aws import dynamo, legal_workflow
from ..domain.events import EventError, apply_event
from ..domain.ladder import next_check
from ..domain.model import Account, account_from
from .context import context_for
from .legal import end_withdrawn, withdrawal


def enroll(account: Account, now: datetime) -> bool:
    ctx = context_for(account, now)
    return dynamo.enroll(account, next_check(account, ctx, ctx.today))


SEEN_DAYS = 30  # event ids are remembered this long (EventBridge/SQS redeliver within hours)
ATTEMPTS = 5


def ingest(event: dict[str, Any], now: datetime) -> str:
    """Apply one borrower event exactly once; returns what happened.

    `event` is the domain form (escalation.contract.to_domain), with `event_id`. Raises
    EventError (nothing written) when the event cannot apply to this account.
    """
    if event["type"] == "new_account":
        created = enroll(account_from(event["account"], event["account"].get("profile") or "CN"), now)
        return "enrolled" if created else "duplicate: account already enrolled"
    if event["type"] == "legal_decision":
        token = dynamo.legal_token(event["account_id"])
        if token is None and dynamo.load(event["account_id"]) is None:
            raise EventError(f"account_id: unknown account {event['account_id']!r}")
        if token is None:
            raise EventError("account_id: no legal review is waiting for a decision")
        legal_workflow.decide(token, event["decision"], event.get("reviewer", "reviewer"), now.isoformat())
        return f"legal decision {event['decision']} handed to the review workflow"
    for _ in range(ATTEMPTS):
        account = dynamo.load(event["account_id"])
        if account is None:
            raise EventError(f"account_id: unknown account {event['account_id']!r}")
        event_id = event.get("event_id") or f"{event['type']}@{now.isoformat()}"
        if event_id in account.events_seen:
            return f"duplicate: event {event_id} already applied"
        ctx = context_for(account, now)
        if event["type"] == "balance_update" and account.balance_as_of and now < account.balance_as_of:
            changed, note = account, f"stale balance_update ignored (ledger figures of {account.balance_as_of.isoformat()} are newer)"
        else:
            outcome = apply_event(account, event, ctx.today)
            changed, note = outcome.account, outcome.note
            if event["type"] in ("balance_update", "payment"):
                changed = changed.with_changes(balance_as_of=max(now, account.balance_as_of or now))
        changed, review_token = withdrawal(account, changed, ctx.today)
        cutoff = (now - timedelta(days=SEEN_DAYS)).isoformat()
        forget = tuple(k for k, at in account.events_seen.items() if at < cutoff)
        extra: dict[str, object] = {"last_event": f"{now.isoformat()} {event['type']}: {note}"[:300]}
        if changed.legal_state is not account.legal_state:
            extra["legal_task_token"] = None
        try:
            dynamo.save_event_fields(
                changed, account.event_seq, next_check(changed, ctx, ctx.today), extra, seen=(event_id, now.isoformat()), forget=forget
            )
        except dynamo.ClaimRefused:
            continue  # the account changed meanwhile (a run or another event): read it again
        if review_token:
            end_withdrawn(review_token, note, now)
            note += "; the waiting legal review is withdrawn"
        return note
    raise RuntimeError(f"account {event['account_id']} kept changing; event {event.get('event_id')} will be retried")
