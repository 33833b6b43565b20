"""The tasks the product queues for agents, field teams and the legal partner, and when they may be worked
(DOMAIN.md, "How the guardrails count").

A call task may be worked only inside the borrower's contact window on the local day it was queued:
it expires at that window's close, and an expired task is not dialled. A visit task may be made on
`visit_days` local days from the day it was queued, within the window's hours, and expires at the
window's close on its last day. A legal referral does not lapse.

The messages follow the published schemas (schemas/call-task.schema.json, visit-task.schema.json,
legal-referral-task.schema.json; docs/CONTRACTS.md, "Task messages"): a change to a field here is a change
to the contract, with its version (SCHEMA_VERSION) when it is not a new optional field.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from .model import Account, ContactKey, Stage
from .profiles import Profile
from .windows import local_day, primary_zone, zone

SCHEMA_VERSION = 1  # of every task message (schemas/task-common.schema.json, schema_version)


@dataclass(frozen=True)
class TaskWindow:
    zone: str  # the borrower's (primary) IANA time zone
    first_day: date  # local
    last_day: date  # local, inclusive
    hours: tuple[str, str]  # local "HH:MM" from, until (exclusive)
    expires_at: datetime  # UTC: the window's close on the last day

    def as_json(self) -> dict[str, object]:
        return {
            "zone": self.zone,
            "first_day": self.first_day.isoformat(),
            "last_day": self.last_day.isoformat(),
            "hours": {"from": self.hours[0], "until": self.hours[1]},
            "expires_at": self.expires_at.isoformat().replace("+00:00", "Z"),
        }


def window_closes(day: date, zones: tuple[str, ...], profile: Profile) -> datetime:
    """The UTC instant the contact window stops being open in every zone on local `day`."""
    return min(datetime.combine(day, profile.window_end, tzinfo=zone(z)).astimezone(UTC) for z in zones)


def call_window(queued_at: datetime, zones: tuple[str, ...], profile: Profile) -> TaskWindow:
    """A call task: today only, until the window closes."""
    return _window(queued_at, zones, profile, days=1)


def visit_window(queued_at: datetime, zones: tuple[str, ...], profile: Profile) -> TaskWindow:
    """A visit task: `profile.visit_days` local days from today, within the window's hours."""
    return _window(queued_at, zones, profile, days=profile.visit_days)


def _window(queued_at: datetime, zones: tuple[str, ...], profile: Profile, days: int) -> TaskWindow:
    today = local_day(queued_at, zones)
    last = today + timedelta(days=max(days, 1) - 1)
    hours = (profile.window_start.strftime("%H:%M"), profile.window_end.strftime("%H:%M"))
    return TaskWindow(primary_zone(zones).key, today, last, hours, window_closes(last, zones, profile))


def task_message(account: Account, key: ContactKey, stage: Stage, now: datetime, window: TaskWindow) -> dict[str, Any]:
    """A task: what to do, for whom, why, and when it may be worked (an expired task is not worked).

    `task_id` is unique across accounts and is the task's idempotency key (also the SQS message attribute
    `idempotency_key`); `contact_key` is the account's own key of the contact ("<local day>#<action>#<rule>").
    """
    task_id = f"{account.account_id}#{key}"
    return {
        "schema_version": SCHEMA_VERSION,
        "kind": key.action.value,
        "task_id": task_id,
        "account_id": account.account_id,
        "amount_due": str(account.amount_due),
        "currency": account.currency,
        "stage": stage.value,
        "purpose": key.rule,
        "idempotency_key": task_id,
        "contact_key": str(key),
        "queued_at": now.isoformat(),
        **window.as_json(),
    }


def call_message(account: Account, key: ContactKey, stage: Stage, now: datetime, window: TaskWindow) -> dict[str, Any]:
    """An agent call: a task, with the number to dial (the borrower's own, never a third party's)."""
    return task_message(account, key, stage, now, window) | {"phone": account.phone}


def visit_message(account: Account, key: ContactKey, stage: Stage, now: datetime, window: TaskWindow) -> dict[str, Any]:
    """A field visit: a task, with the borrower's address when the lender's system gave one."""
    return task_message(account, key, stage, now, window) | ({"address": dict(account.address)} if account.address else {})


def referral_message(
    account: Account, key: ContactKey, referred_at: datetime, day: TaskWindow, approved_by: str | None, approved_at: str
) -> dict[str, Any]:
    """A referral to the legal partner: a task that does not lapse (`expires_at` null), with who approved it and when.

    `day` is the borrower's contact window on the local day of the referral (the hours anyone may contact them)."""
    return task_message(account, key, Stage.LEGAL, referred_at, day) | {
        "expires_at": None,
        "approved_by": approved_by,
        "approved_at": approved_at,
    }


REPLY_DAYS = 2  # a reply task may be worked today and tomorrow (a late-night reply is read in the morning)


def reply_message(account: Account, event_id: str, text: str, now: datetime, zones: tuple[str, ...], profile: Profile) -> dict[str, Any]:
    """A borrower replied to a text with a message (not STOP or HELP): a task for an agent to read it and answer.

    On the call queue, `kind` "reply": the text as the borrower wrote it (never logged: escalation.logs masks
    `text`), the number it came from, and the hours in which an agent may call back."""
    task_id = f"{account.account_id}#reply#{event_id}"
    window = _window(now, zones, profile, days=REPLY_DAYS)
    return {
        "schema_version": SCHEMA_VERSION,
        "kind": "reply",
        "task_id": task_id,
        "account_id": account.account_id,
        "amount_due": str(account.amount_due),
        "currency": account.currency,
        "stage": account.stage.value,
        "purpose": "borrower_replied",
        "idempotency_key": task_id,
        "queued_at": now.isoformat(),
        "phone": account.phone,
        "text": text,
        **window.as_json(),
    }
