"""The side effects themselves: publish an SMS, queue a call or a visit for agents, start a legal review.

Each act is called after its claim (escalation.service.dispatch) and returns what was done for the
audit record (escalation.service.audit). Task messages (escalation.domain.tasks) follow the published queue contracts
(schemas/*-task.schema.json; docs/CONTRACTS.md, "Task messages").
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime

from ..aws import legal_workflow, sms, work_queues
from ..config import Settings
from ..domain.model import Account, Action, ContactKey, Stage
from ..domain.strategy import Configuration
from ..domain.tasks import call_message, call_window, visit_message, visit_window
from .audit import Done
from .context import context_for
from .texts import render_text

Act = Callable[[Account, ContactKey, Stage, str, datetime, Settings, Configuration], Done]


def send_sms(
    account: Account, key: ContactKey, stage: Stage, run_id: str, now: datetime, settings: Settings, config: Configuration
) -> Done:
    text = render_text(account, config.policy_for(account).text_template(key.rule), key.day, config.senders)
    started = time.monotonic()
    message_id = sms.send_sms(account.phone, text, str(key))
    pace(started, settings.sms_seconds_per_send)
    return Done(to=account.phone, text=text, provider_id=message_id)


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


def queue_call(
    account: Account, key: ContactKey, stage: Stage, run_id: str, now: datetime, settings: Settings, config: Configuration
) -> Done:
    ctx = context_for(account, now, config)
    window = call_window(now, ctx.zones, ctx.profile)
    body = call_message(account, key, stage, now, window)
    message_id = work_queues.enqueue(settings.call_queue_url, body, body["task_id"])
    return Done(to=account.phone, provider_id=message_id, expires_at=window.expires_at)


def queue_visit(
    account: Account, key: ContactKey, stage: Stage, run_id: str, now: datetime, settings: Settings, config: Configuration
) -> Done:
    ctx = context_for(account, now, config)
    window = visit_window(now, ctx.zones, ctx.profile)
    body = visit_message(account, key, stage, now, window)
    message_id = work_queues.enqueue(settings.visit_queue_url, body, body["task_id"])
    return Done(provider_id=message_id, expires_at=window.expires_at)


def start_legal_review(
    account: Account, key: ContactKey, stage: Stage, run_id: str, now: datetime, settings: Settings, config: Configuration
) -> Done:
    """Start the account's review workflow; named after the key, so starting it again is a no-op."""
    payload = {
        "account_id": account.account_id,
        "key": str(key),
        "run_id": run_id,
        "requested_at": now.isoformat(),
        "amount_due": str(account.amount_due),
        "currency": account.currency,
    }
    return Done(provider_id=legal_workflow.start_review(settings.legal_review_state_machine_arn, account.account_id, str(key), payload))


ACTS: dict[Action, Act] = {
    Action.SMS: send_sms,
    Action.CALL: queue_call,
    Action.VISIT: queue_visit,
    Action.LEGAL_REVIEW: start_legal_review,
}
