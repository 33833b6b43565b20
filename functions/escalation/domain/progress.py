"""What a recorded contact changes on its account: the rule fired, the stage reached, a task opened.

The store writes these in the same transaction as the audit record (escalation.aws.dynamo.record),
so the account's progress and its audit trail never disagree. Also what the account forgets as it
goes: contacts, claims and tasks older than the caps' window, so its item stays bounded.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from .model import CONFIRMATION, HELP, STATE_RULES, Account, Action, ContactKey, Stage, furthest

KEEP_DAYS = 8  # the caps look back 7 days; what is older is forgotten


@dataclass(frozen=True)
class LadderProgress:
    """The account's side of one recorded contact."""

    key: ContactKey
    stage_reached: Stage | None  # None: a state rule (confirmation, promise reminder) moves no stage
    confirmation_sent: bool = False
    help_sent: bool = False
    review_requested: bool = False
    task_expires_at: datetime | None = None  # a call task: open (counted as a dial attempt) until then
    forget_recent: tuple[str, ...] = ()
    forget_claims: tuple[str, ...] = ()
    forget_tasks: tuple[str, ...] = ()


def progress_of(account: Account, key: ContactKey, stage: Stage, task_expires_at: datetime | None = None) -> LadderProgress:
    """The progress a contact of `key` at `stage` makes on the account, with what the account may now forget."""
    cutoff = (key.day - timedelta(days=KEEP_DAYS)).isoformat()
    return LadderProgress(
        key=key,
        stage_reached=None if key.rule in STATE_RULES else stage,
        confirmation_sent=key.rule == CONFIRMATION,
        help_sent=key.rule == HELP,
        review_requested=key.action is Action.LEGAL_REVIEW,
        task_expires_at=task_expires_at if key.action is Action.CALL else None,
        forget_recent=tuple(str(k) for k in account.recent if k.day.isoformat() < cutoff),
        forget_claims=tuple(k for k, state in account.claims.items() if state == "done" and k[:10] < cutoff),
        forget_tasks=tuple(k for k in account.open_calls if k[:10] < cutoff),
    )


def applied(account: Account, progress: LadderProgress) -> Account:
    """The account as the store will hold it once the contact is recorded (to plan its next check)."""
    key = progress.key
    stage = account.stage if progress.stage_reached is None else furthest(account.stage, progress.stage_reached)
    tasks = dict(account.open_calls)
    if progress.task_expires_at is not None:
        tasks[str(key)] = progress.task_expires_at
    return account.with_changes(
        last_fired=account.last_fired | {key.rule: key.day},
        recent=(*account.recent, key),
        open_calls=tasks,
        stage=stage,
        confirmation_due=False if progress.confirmation_sent else account.confirmation_due,
        help_requested=False if progress.help_sent else account.help_requested,
    )


def day_of(key: str) -> date:
    return date.fromisoformat(key[:10])
