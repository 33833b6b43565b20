"""Side effects of a decision: claim, act, record — the same three steps for every action.

1. claim: a conditional write on the account that also re-checks it: refused if any
   borrower event landed since the assessment (event_seq moved) or the action is
   already claimed. A stale read therefore never sends.
2. act: publish the SMS, queue the call or visit, start the legal review.
3. record: append the contact to the audit log and mark the claim done, atomically;
   then move the account in the due index.

A send that certainly failed releases its claim so a retry may send. A retry that finds
its claim taken but not done does not act again: at most one contact per key.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from ..aws import dynamo, legal_workflow, sms, work_queues
from ..aws.clients import certainly_not_done
from ..config import Settings
from ..domain.ladder import Context, decide, next_check
from ..domain.messages import MessageContext, render_sms
from ..domain.model import CONTACTABLE, Account, Action, Contact, RecentContact, Stage, Status
from ..domain.policy import DEFAULT_POLICY
from ..domain.windows import as_utc, primary_zone, zones_for
from ..observability import count, count_by
from .context import context_for, policy_version, profile_of


@dataclass(frozen=True)
class Request:
    """A decision as the daily run's Map hands it to a dispatch state."""

    account_id: str
    action: Action
    rule: str
    stage: Stage
    key: str
    event_seq: int
    run_id: str
    as_of: str

    @classmethod
    def parse(cls, raw: dict[str, Any]) -> Request:
        missing = [f for f in ("account_id", "action", "rule", "stage", "key", "event_seq", "run_id", "as_of") if f not in raw]
        if missing:
            raise ValueError(f"dispatch request: missing field(s) {', '.join(missing)}")
        return cls(
            account_id=str(raw["account_id"]),
            action=Action(raw["action"]),
            rule=str(raw["rule"]),
            stage=Stage(raw["stage"]),
            key=str(raw["key"]),
            event_seq=int(raw["event_seq"]),
            run_id=str(raw["run_id"]),
            as_of=str(raw["as_of"]),
        )


def contact_time(request: Request, settings: Settings) -> datetime:
    """When the contact happens: the wall clock, or the run's instant in a simulation."""
    return as_utc(request.as_of) if settings.clock == "run" else datetime.now(UTC)


def dispatch(request: Request, settings: Settings) -> dict[str, Any]:
    # Claim first: the conditional write returns the account, so the usual path reads nothing else.
    allowed = CONTACTABLE if request.action is Action.SMS else {Status.ACTIVE}
    try:
        account = dynamo.claim(request.account_id, request.key, request.event_seq, allowed)
    except dynamo.ClaimRefused:
        return _refused(request, settings)
    now = contact_time(request, settings)
    ctx = context_for(account, now)
    if not any(d.key == request.key for d in decide(account, ctx) if d.action is not None):
        # Still the same account, but not now (e.g. a delayed retry reached the end of the window).
        dynamo.release(request.account_id, request.key)
        return {"account_id": request.account_id, "outcome": "skipped", "reason": "not_due_at_send_time"}
    act = _ACTS[request.action]
    try:
        to, text, provider_id, extra = act(account, request, now, settings)
    except OptedOutAtProvider:
        # The borrower replied STOP to the provider: close the channel for good.
        dynamo.release(request.account_id, request.key)
        _close_sms_channel(account, ctx)
        return {"account_id": request.account_id, "outcome": "skipped", "reason": "opted_out_at_provider"}
    except Exception as exc:
        if isinstance(exc, sms.SmsThrottled | sms.SmsFailed):
            count(type(exc).__name__)  # SmsThrottled / SmsFailed: the alarms watch these
        if certainly_not_done(exc):
            # The provider answered with a refusal (throttled, invalid...): nothing was sent, a retry may send.
            dynamo.release(request.account_id, request.key)
        # Anything else (a timeout, a crash) may have happened after the provider accepted: the claim
        # stays, and the retry or the next run records it as unconfirmed instead of sending again.
        raise
    # From here the side effect has happened: a failure leaves the claim for `recover`.
    return record_contact(account, request, now, to, text, provider_id, extra, settings)


def count_dispatches(outcomes: Iterable[Any]) -> None:
    """Metrics of dispatch results: DispatchOutcomes by outcome, Contacts (sent or recovered) by action and profile."""
    results = [o for o in outcomes if isinstance(o, dict)]
    count_by("DispatchOutcomes", Counter((str(o.get("outcome", "unknown")),) for o in results), ("outcome",))
    done = (o for o in results if o.get("outcome") in ("sent", "recovered"))
    count_by("Contacts", Counter((str(o.get("action")), str(o.get("profile"))) for o in done), ("action", "profile"))


def _refused(request: Request, settings: Settings) -> dict[str, Any]:
    """Why the claim was refused: done already, claimed by a crashed attempt, or the account changed."""
    account = dynamo.load(request.account_id)
    if account is None:
        return {"account_id": request.account_id, "outcome": "skipped", "reason": "unknown_account"}
    state = account.claims.get(request.key)
    if state == "done":
        return {"account_id": request.account_id, "outcome": "duplicate", "key": request.key}
    if state == "claimed":
        return recover(account, request.key, request.run_id, settings, as_of=request.as_of)
    return {"account_id": request.account_id, "outcome": "skipped", "reason": "changed_since_assessment"}


def _close_sms_channel(account: Account, ctx: Context) -> None:
    closed = account.with_changes(opted_out=account.opted_out | {"sms"})
    try:
        dynamo.save_event_fields(closed, account.event_seq, next_check(closed, ctx, ctx.today))
    except dynamo.ClaimRefused:
        pass  # an event changed the account meanwhile; the next SMS attempt checks the provider again


def recover(account: Account, key: str, run_id: str, settings: Settings, as_of: str | None = None) -> dict[str, Any]:
    """Finish an attempt that claimed a side effect but never recorded it (it crashed in between).

    Whether it acted is unknown, so it is not repeated (at most one contact per key): the
    audit record is written marked unconfirmed and the ladder moves on. Starting a legal
    review is idempotent by execution name, so that one is simply done again.
    """
    day, action, rule = key.split("#", 2)
    rule_stage = next((r.stage for r in DEFAULT_POLICY.rules if r.name == rule), account.stage)
    as_of = as_of or datetime.now(UTC).isoformat()
    request = Request(account.account_id, Action(action), rule, rule_stage, key, account.event_seq, run_id, as_of)
    now = contact_time(request, settings)
    if request.action is Action.LEGAL_REVIEW:
        to, text, provider_id, extra = _request_legal_review(account, request, now, settings)
    else:
        to = account.phone if request.action in (Action.SMS, Action.CALL) else None
        text = render_text(account, rule, now, settings) if request.action is Action.SMS else None
        provider_id = UNCONFIRMED
        extra = [dynamo.AccountItem.confirmation_due.set(False)] if rule == "confirmation" else []
    result = record_contact(account, request, now, to, text, provider_id, extra, settings, day=date.fromisoformat(day))
    return result | {"outcome": "recovered"}


def recover_stale_claims(account: Account, run_id: str, settings: Settings, as_of: str) -> bool:
    """Recover claims left "claimed" by crashed attempts; True if any was (reload the account)."""
    stale = [k for k, state in account.claims.items() if state == "claimed"]
    for key in stale:
        recover(account, key, run_id, settings, as_of=as_of)
    return bool(stale)


UNCONFIRMED = "unconfirmed"


ActResult = tuple[str | None, str | None, str | None, list]


def _send_sms(account: Account, request: Request, now: datetime, settings: Settings) -> ActResult:
    text = render_text(account, request.rule, now, settings)
    if sms.opted_out(account.phone):
        raise OptedOutAtProvider(account.account_id)
    started = time.monotonic()
    message_id = sms.send_sms(account.phone, text, request.key)
    pace(started, settings.sms_seconds_per_send)
    extra = [dynamo.AccountItem.confirmation_due.set(False)] if request.rule == "confirmation" else []
    return account.phone, text, message_id, extra


def pace(started: float, seconds_per_send: float, sleep: Callable[[float], None] = time.sleep) -> float:
    """Hold this sender until its share of the SMS rate allows the next send; returns the time waited.

    With SmsSenders senders (reserved concurrency) each taking SmsSenders/SmsPerSecond seconds per
    send, together they never exceed SmsPerSecond. Waiting happens after the provider accepted the
    message, so it delays the next send, never this one.
    """
    wait = seconds_per_send - (time.monotonic() - started)
    if wait > 0:
        sleep(wait)
    return max(wait, 0.0)


def render_text(account: Account, rule: str, now: datetime, settings: Settings) -> str:
    profile = profile_of(account)
    today = now.astimezone(primary_zone(zones_for(account.phone, account.timezone))).date()
    ctx = MessageContext(
        purpose=rule,
        profile=profile.code,
        locale=account.locale or profile.default_locale,
        currency=account.currency,
        balance=account.balance,
        fees=account.fees,
        due_date=account.due_date,
        deadline=today + timedelta(days=7) if rule == "follow_up" else None,
        promised_date=account.promised_date,
        promised_amount=account.promised_amount,
    )
    return render_sms(ctx, settings.sender)


def _queue(kind: str, url_of: Callable[[Settings], str]) -> Callable[..., ActResult]:
    def act(account: Account, request: Request, now: datetime, settings: Settings) -> ActResult:
        body = {
            "kind": kind,
            "account_id": account.account_id,
            "phone": account.phone if kind == "call" else None,
            "amount_due": str(account.amount_due),
            "currency": account.currency,
            "stage": request.stage.value,
            "purpose": request.rule,
            "idempotency_key": request.key,
            "queued_at": now.isoformat(),
        }
        message_id = work_queues.enqueue(url_of(settings), body, f"{account.account_id}#{request.key}")
        return (account.phone if kind == "call" else None), None, message_id, []

    return act


def _request_legal_review(account: Account, request: Request, now: datetime, settings: Settings) -> ActResult:
    payload = {
        "account_id": account.account_id,
        "key": request.key,
        "run_id": request.run_id,
        "requested_at": now.isoformat(),
        "amount_due": str(account.amount_due),
        "currency": account.currency,
    }
    arn = legal_workflow.start_review(settings.legal_review_state_machine_arn, account.account_id, request.key, payload)
    return None, None, arn, [dynamo.AccountItem.legal_state.set("pending")]


class OptedOutAtProvider(Exception):
    """SNS lists the number as opted out; the SMS channel is closed for this borrower."""


_ACTS: dict[Action, Callable[..., ActResult]] = {
    Action.SMS: _send_sms,
    Action.CALL: _queue("call", lambda s: s.call_queue_url),
    Action.VISIT: _queue("visit", lambda s: s.visit_queue_url),
    Action.LEGAL_REVIEW: _request_legal_review,
}


def record_contact(
    account: Account,
    request: Request,
    now: datetime,
    to: str | None,
    text: str | None,
    provider_id: str | None,
    extra: list,
    settings: Settings,
    day: date | None = None,
    decided_by: str | None = None,
) -> dict[str, Any]:
    """Write the audit record of a side effect that happened, and advance the ladder past it."""
    zone = primary_zone(zones_for(account.phone, account.timezone))
    profile = profile_of(account)
    contact = Contact(
        account_id=account.account_id,
        action=request.action,
        stage=request.stage,
        purpose=request.rule,
        at=now,
        local_time=now.astimezone(zone),
        key=request.key,
        run_id=request.run_id,
        policy_version=policy_version(),
        profile=profile.code,
        to=to,
        text=text,
        provider_id=provider_id,
        decided_by=decided_by,
    )
    expires_at = int(years_after(now, profile.retention_years).timestamp())
    ctx = context_for(account, now)
    today = day or ctx.today
    done = account.with_changes(
        last_fired=account.last_fired | {request.rule: today},
        recent=(*account.recent, RecentContact(today, request.action)),
        confirmation_due=False if request.rule == "confirmation" else account.confirmation_due,
    )
    dynamo.record(contact, request.rule, expires_at, (account.event_seq, next_check(done, ctx, today)), extra + _prune(account, today))
    return {
        "account_id": account.account_id,
        "outcome": "sent",
        "action": request.action.value,
        "key": request.key,
        "profile": profile.code,
    }


KEEP_DAYS = 8  # caps look back 7 days; older recent contacts and done claims are dropped


def _prune(account: Account, today: date) -> list:
    """Remove what no rule reads any more, so the account item does not grow without bound."""
    cutoff = today - timedelta(days=KEEP_DAYS)
    recent = [dynamo.AccountItem.recent[f"{c.day.isoformat()}#{c.action.value}"].remove() for c in account.recent if c.day < cutoff]
    claims = [dynamo.AccountItem.claims[k].remove() for k, v in account.claims.items() if v == "done" and k[:10] < cutoff.isoformat()]
    return recent + claims


def years_after(instant: datetime, years: int) -> datetime:
    """The same calendar moment `years` later (29 February becomes 1 March)."""
    try:
        return instant.replace(year=instant.year + years)
    except ValueError:
        return instant.replace(year=instant.year + years, month=3, day=1)
