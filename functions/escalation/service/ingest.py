"""Applying one borrower event to the store: the account changes, its number's record too, and it moves in the due index."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from ..aws import dynamo, legal_workflow, numbers, work_queues
from ..config import Settings
from ..domain import legal, replies, tasks
from ..domain.events import EventError, Outcome, apply_event
from ..domain.ladder import next_check
from ..domain.model import Account, AppliedEvent, LegalState, account_from
from ..domain.sender import SenderError
from ..domain.strategy import NO_ARM, Configuration
from .context import context_for, profile_of
from .legal import end_withdrawn, hand_over

SEEN_DAYS = 30  # event ids are remembered this long (EventBridge/SQS redeliver within hours)
ATTEMPTS = 5


def enroll(raw: dict[str, Any], now: datetime, settings: Settings, config: Configuration) -> bool:
    """Enrol an account from its enrolment form (a new_account event's `account`); idempotent."""
    return enroll_account(account_from(raw, settings.default_profile), now, config)


def enroll_account(account: Account, now: datetime, config: Configuration) -> bool:
    """Enrol an account (idempotent) under the strategy's assignment, recorded for the life of the delinquency.

    Refuses one the product could not text in its own language."""
    profile = profile_of(account)
    try:
        if config.senders is None:
            raise SenderError("the lender configuration has no sender identities")
        config.senders.sender_for_locale(profile.code, account.product, account.locale or profile.default_locale)
    except SenderError as exc:
        raise EventError(f"locale: {exc}") from None
    assignment = config.assign(account.account_id, account.product, account.segment)
    account = numbers.attach_one(account.with_changes(policy=assignment.policy, arm=assignment.arm, experiment=assignment.experiment))
    ctx = context_for(account, now, config)
    return dynamo.enroll(account, next_check(account, ctx, ctx.today))


def ingest(event: dict[str, Any], now: datetime, settings: Settings, config: Configuration) -> str:
    """Apply one borrower event exactly once; returns what happened.

    `event` is the domain form (escalation.contract.to_domain), with `event_id`. Raises
    EventError (nothing written) when the event cannot apply to this account.
    """
    if event["type"] == "new_account":
        created = enroll(event["account"], now, settings, config)
        return "enrolled" if created else "duplicate: account already enrolled"
    for _ in range(ATTEMPTS):
        account = dynamo.load(event["account_id"])
        if account is None:
            raise EventError(f"account_id: unknown account {event['account_id']!r}")
        event_id = event.get("event_id") or f"{event['type']}@{now.isoformat()}"
        if event_id in account.events_seen:
            return f"duplicate: event {event_id} already applied"
        account = numbers.attach_one(account)
        try:
            return _apply(account, event, event_id, now, config, settings)
        except dynamo.EventAlreadyRecorded:
            return f"duplicate: event {event_id} already in the audit log"
        except dynamo.AccountChanged:
            continue  # the account changed meanwhile (a run or another event): read it again
    raise RuntimeError(f"account {event['account_id']} kept changing; event {event.get('event_id')} will be retried")


def _apply(account: Account, event: dict[str, Any], event_id: str, now: datetime, config: Configuration, settings: Settings) -> str:
    ctx = context_for(account, now, config)
    token = dynamo.legal_token(account.account_id) if legal.waiting(account) else None
    outcome = _outcome(account, event, now, ctx.today, token, config)
    changed, note = outcome.account, outcome.note
    if changed.phone != account.phone:
        changed = numbers.attach_one(changed)  # the new number's own record (it may be closed already)
    changed, why = legal.review_after_event(account, changed, event["type"], ctx.profile, ctx.today, outcome.promise_kept)
    if why == legal.ReferralBlocked.PROMISE:
        note += "; the referral waits for the promise to pay (kept: withdrawn; broken: referred if it still qualifies)"
    elif why:
        note += f"; the waiting legal review is withdrawn: {legal.describe(why)}"
    if event["type"] == "sms_reply" and replies.kind_of(event["text"], ctx.profile) is replies.ReplyKind.MESSAGE:
        # Before the account's write: should that fail, the retry queues the same task again (same task id, which
        # consumers deduplicate on), rather than the event being applied with no task.
        body = tasks.reply_message(account, event_id, event["text"], now, ctx.zones, ctx.profile)
        work_queues.enqueue(settings.call_queue_url, body, body["task_id"])
    # The number first: a closure must hold for every account at once, and writing it twice is harmless.
    numbers.close(account.number, changed.number)
    cutoff = (now - timedelta(days=SEEN_DAYS)).isoformat()
    forget = tuple(k for k, at in account.events_seen.items() if at < cutoff)
    dynamo.save_event_fields(
        account,
        changed,
        next_check(changed, context_for(changed, now, config), ctx.today),
        note=f"{now.isoformat()} {event['type']}: {note}",
        seen=(event_id, now.isoformat()),
        forget=forget,
        review_token=changed.legal_state is account.legal_state,
        entry=(
            _applied(account, event, event_id, now, note, ctx.policy.name, ctx.profile.code),
            ctx.profile.purge_at(now),
        ),
    )
    # Then the review workflow. Should this fail, the daily run's look at the review mends it: an approval
    # still waiting is handed over, and a review closed here ends at the workflow's heartbeat timeout.
    if token is None:
        return note
    if changed.legal_state is LegalState.WITHDRAWN:
        end_withdrawn(token, legal.describe(why or ""), now)
    elif changed.legal_state is LegalState.REJECTED:
        legal_workflow.decide(token, "reject", legal.reviewer_of(event), now.isoformat())
    elif legal.approved(changed, ctx.profile) and not legal.approved(account, ctx.profile) and why is None:
        hand_over(changed, token, now)
        note += "; handed to the review workflow"
    return note


def _applied(account: Account, event: dict[str, Any], event_id: str, now: datetime, note: str, policy: str, profile: str) -> AppliedEvent:
    """The audit entry of the event: what arrived and what it did, under the account's strategy and profile."""
    fields = {k: v for k, v in event.items() if k not in ("type", "account_id", "event_id", "principal")}
    arm = account.arm or NO_ARM
    return AppliedEvent(account.account_id, event_id, event["type"], now, note, fields, policy, arm, profile, event.get("principal"))


def _outcome(account: Account, event: dict[str, Any], now: datetime, today: date, token: str | None, config: Configuration) -> Outcome:
    profile = profile_of(account)
    if event["type"] == "balance_update" and account.balance_as_of and now < account.balance_as_of:
        stale = f"stale balance_update ignored (ledger figures of {account.balance_as_of.isoformat()} are newer)"
        return Outcome(account, stale)
    if event["type"] == "legal_decision":
        if not legal.waiting(account):
            raise EventError("account_id: no legal review is waiting for a decision")
        if legal.approved(account, profile):
            raise EventError("account_id: the review is already approved (the referral waits for the promise to pay)")
        if token is None:
            raise EventError("account_id: no legal review is waiting for a decision (the workflow has not parked its token yet)")
        event = event | {"decided_at": now.isoformat()}
    outcome = apply_event(account, event, today, profile, config.policy_for(account).plans)
    if event["type"] in ("balance_update", "payment"):
        return Outcome(
            outcome.account.with_changes(balance_as_of=max(now, account.balance_as_of or now)), outcome.note, outcome.promise_kept
        )
    return outcome
