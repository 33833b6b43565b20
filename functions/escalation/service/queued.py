"""Calls and visits: claimed and queued by the assessment, shown by the state machine, recorded per batch.

The three steps of a side effect (escalation.service.dispatch), done for the whole account batch:

1. claim: AssessAccounts claims every call and visit of its batch in transactions of up to 100 accounts, under
   the conditions `dynamo.claim` sets (no event since the assessment read the account, not claimed before);
2. act: it sends their task messages, ten per SendMessageBatch, each with its idempotency key (`task_id`, also
   the message attribute), and hands each queued decision on to the Map by id: the daily run's by-action
   branches (AgentCallQueued, FieldVisitQueued) show every task in the console, and no borrower's number or
   address ever passes through Step Functions (docs/SECURITY.md);
3. record: RecordOutcomes writes the batch's audit entries and completes the claims, 50 accounts a transaction.

A claim whose record never comes (the child execution failed after the send) is found "claimed" by a later
day's assessment and recorded as unconfirmed, never queued again (escalation.service.recovery); a retried
assessment that finds its claims taken treats them as queued (duplicates). A task SQS refused is given back
(the claim released): nothing was queued, and the next run decides again. A payment that lands between the
claim and the record does not recall the task: it carries the account as assessed and its expiry, and the
call or visit outcome, or the next run, sees the payment (texts are decided again at send time).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from ..aws import dynamo, work_queues
from ..config import Settings
from ..domain.model import Account, Action, ContactKey, Stage, Status
from ..domain.strategy import Configuration
from ..domain.tasks import TaskWindow, call_message, call_window, visit_message, visit_window
from ..domain.windows import as_utc, zones_for
from .audit import ContactRecord, Done, contact_record, record_contacts
from .clock import contact_time
from .context import profile_of
from .dispatch import Request, claim_or_outcome

QUEUED_ACTIONS = frozenset({Action.CALL.value, Action.VISIT.value})
ACTIVE_ONLY = frozenset({Status.ACTIVE})

_TASKS: dict[str, tuple[Callable[..., TaskWindow], Callable[..., dict[str, Any]]]] = {
    Action.CALL.value: (call_window, call_message),
    Action.VISIT.value: (visit_window, visit_message),
}


def claim_and_queue(
    accounts: dict[str, Account], decisions: list[dict[str, Any]], settings: Settings, config: Configuration
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Claim the batch's calls and visits and queue their tasks; (the queued decisions, outcomes already settled).

    Settled outcomes are what the claim found instead (a duplicate, an account that changed or is unknown: skipped,
    the next run decides again) and the tasks SQS refused (failed, their claims given back).
    """
    mine = [d for d in decisions if d["action"] in QUEUED_ACTIONS]
    claimed, settled = _claim(mine, settings, config)
    queued: list[dict[str, Any]] = []
    for action, queue_url in ((Action.CALL.value, settings.call_queue_url), (Action.VISIT.value, settings.visit_queue_url)):
        batch = [d | _task(accounts[d["account_id"]], d, settings) for d in claimed if d["action"] == action]
        sent = work_queues.enqueue_many(queue_url, [(d.pop("task"), d["task_id"]) for d in batch])
        for decision, (message_id, refusal) in zip(batch, sent, strict=True):
            if message_id is None:
                dynamo.release(decision["account_id"], decision["key"])  # SQS refused it: nothing was queued
                settled.append({"account_id": decision["account_id"], "outcome": "failed", "error": {"Error": f"SQS.{refusal}"}})
            else:
                queued.append(_passed_on(decision) | {"outcome": "queued", "message_id": message_id})
    return queued, settled


def _claim(mine: list[dict[str, Any]], settings: Settings, config: Configuration) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """One update per account in transactions; what a transaction refused is claimed alone, to learn why."""
    by_account: dict[str, list[dict[str, Any]]] = {}
    for decision in mine:
        by_account.setdefault(decision["account_id"], []).append(decision)
    claims = [(account_id, [d["key"] for d in own], own[0]["event_seq"], ACTIVE_ONLY) for account_id, own in by_account.items()]
    refused = {claims[i][0] for i in dynamo.claim_together(claims)}
    claimed, settled = [], []
    for decision in mine:
        if decision["account_id"] in refused and (outcome := _claim_alone(decision, settings, config)) is not None:
            settled.append(outcome)
        else:
            claimed.append(decision)
    return claimed, settled


def _claim_alone(decision: dict[str, Any], settings: Settings, config: Configuration) -> dict[str, Any] | None:
    """Claim one key on its own; None if this claim succeeds, else the outcome.

    A key found "claimed" is another attempt's of today (a retried assessment, a redriven batch), which may
    have queued it: a duplicate here, and recovered as unconfirmed by a later day's assessment if never recorded."""
    outcome = claim_or_outcome(Request.parse(decision), settings, config, recover_claimed=False)
    return outcome if isinstance(outcome, dict) else None


def _task(account: Account, decision: dict[str, Any], settings: Settings) -> dict[str, Any]:
    """The task message, its id, and when it was queued and expires (for the record)."""
    now = contact_time(decision["as_of"], settings)
    window_of, message_of = _TASKS[decision["action"]]
    window = window_of(now, zones_for(account.phone, account.timezone), profile_of(account))
    task = message_of(account, ContactKey.parse(decision["key"]), Stage(decision["stage"]), now, window)
    return {"task": task, "task_id": task["task_id"], "queued_at": now.isoformat(), "expires_at": window.expires_at.isoformat()}


_PASSED_ON = (
    "account_id",
    "action",
    "rule",
    "stage",
    "key",
    "event_seq",
    "run_id",
    "as_of",
    "profile",
    "strategy",
    "queued_at",
    "expires_at",
)


def _passed_on(decision: dict[str, Any]) -> dict[str, Any]:
    """What the Map shows and RecordOutcomes needs: ids, the rule and the times; no number, no address."""
    return {k: decision[k] for k in _PASSED_ON if k in decision}


def record_queued(outcomes: Iterable[dict[str, Any]], settings: Settings, config: Configuration) -> list[dict[str, Any]]:
    """Record the tasks the assessment queued (outcome "queued"): the batch's audit entries, claims completed."""
    queued = [o for o in outcomes if o.get("outcome") == "queued"]
    if not queued:
        return []
    accounts = {a.account_id: a for a in dynamo.load_many(sorted({o["account_id"] for o in queued}))}
    records: list[ContactRecord] = []
    for outcome in queued:
        account = accounts.get(outcome["account_id"])
        if account is None:  # accounts are never deleted: a claim on an unknown one is a bug upstream
            raise ValueError(f"record_queued: account {outcome['account_id']} is not enrolled")
        done = Done(
            to=account.phone if outcome["action"] == Action.CALL.value else None,
            provider_id=outcome["message_id"],
            expires_at=as_utc(outcome["expires_at"]),
        )
        key = ContactKey.parse(outcome["key"])
        record = contact_record(account, key, Stage(outcome["stage"]), outcome["run_id"], as_utc(outcome["queued_at"]), done, config)
        accounts[account.account_id] = record.account  # a second task of the account's batch builds on the first
        records.append(record)
    return record_contacts(records)
