"""One daily run end to end: due accounts through the real state machine on moto, timed, with its AWS calls counted.

Also what the cost model needs from the run that is not a count: parent state transitions, item sizes, log bytes,
SMS parts per message.
"""

from __future__ import annotations

import json
import statistics
import threading
import time
from collections import Counter, defaultdict
from contextlib import redirect_stdout
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..local.stack import LocalStack
from . import cost_model
from .accounts import RUN_AS_OF, SEED, due_accounts_with_actions, load_accounts
from .calls import ApiCallCounter
from .cost_model import ItemSizes


@dataclass
class DailyRun:
    accounts: int
    seconds: float  # the state machine's run, then the SMS senders working through the outbox
    run_seconds: float  # the state machine's run alone
    outbox_messages: int  # SMS messages the senders took from the outbox
    event_source_batches: int  # batches the SQS event sources delivered (each a ReceiveMessage and a DeleteMessageBatch in AWS)
    load_seconds: float
    report: dict[str, Any]
    contacted_accounts: int
    contacts: dict[str, int]
    parent_transitions: int
    handler_errors: list[str]
    counter: ApiCallCounter
    sizes: ItemSizes
    sms_parts: dict[str, float]
    log_bytes: int  # the functions' log records (INFO and above, the template's default) and printed metrics, during the run

    @property
    def accounts_per_second(self) -> float:
        return self.accounts / self.seconds


def measure_daily_run(n_accounts: int, seed: int = SEED, as_of: str = RUN_AS_OF) -> DailyRun:
    """Enrol `n_accounts` due accounts, run one daily-run execution on the local stack, time and count it."""
    with LocalStack() as stack:
        from escalation.aws import dynamo
        from escalation.domain.messages import sms_parts

        due_at = datetime.fromisoformat(as_of.replace("Z", "+00:00"))
        load_seconds = load_accounts([(a, due_at) for a in due_accounts_with_actions(n_accounts, as_of, seed)])
        run_id = f"bench-{n_accounts}"
        logs_before = len(stack.logs)
        printed = _ByteCount()
        # What the functions print (Powertools metrics: CloudWatch embedded-metric-format lines) is log data too.
        with ApiCallCounter(stack) as counter, counter.tag(ApiCallCounter.HARNESS), redirect_stdout(printed):
            started = time.perf_counter()
            result = stack.run_state_machine("DailyRunStateMachine", {"as_of": as_of, "group": "bench"}, name=run_id, timeout=7200)
            run_seconds = time.perf_counter() - started
            # The senders then work through the SMS outbox (in AWS they start as soon as the run posts).
            batches_before = stack.event_source_batches
            outbox_messages = stack.poll_queues()
            event_source_batches = stack.event_source_batches - batches_before
            seconds = time.perf_counter() - started
        if result["status"] != "SUCCEEDED":
            raise RuntimeError(f"daily run {result['status']}: {result.get('cause', '')[:300]}")
        contacts = [c for c in dynamo.all_contacts() if c.run_id == run_id]
        parts: dict[str, list[int]] = defaultdict(list)
        for c in contacts:
            if c.action.value == "sms" and c.text:
                parts[c.profile].append(sms_parts(c.text))
        return DailyRun(
            accounts=n_accounts,
            seconds=seconds,
            run_seconds=run_seconds,
            outbox_messages=outbox_messages,
            event_source_batches=event_source_batches,
            load_seconds=load_seconds,
            report=json.loads(result.get("output") or "{}"),
            contacted_accounts=len({c.account_id for c in contacts}),
            contacts=dict(Counter(c.action.value for c in contacts)),
            parent_transitions=parent_transitions(stack, result["executionArn"]),
            handler_errors=list(stack.handler_errors),
            counter=counter,
            sizes=measure_item_sizes(stack),
            sms_parts={p: statistics.fmean(v) for p, v in sorted(parts.items())},
            log_bytes=sum(len(line.encode()) + 1 for line in stack.logs[logs_before:]) + printed.bytes,
        )


class _ByteCount:
    """A text stream that only counts the UTF-8 bytes written to it."""

    def __init__(self) -> None:
        self.bytes = 0
        self._lock = threading.Lock()

    def write(self, text: str) -> int:
        with self._lock:
            self.bytes += len(text.encode())
        return len(text)

    def flush(self) -> None:
        pass


def parent_transitions(stack: LocalStack, execution_arn: str) -> int:
    """States the parent execution entered (what Standard workflows bill), from its history."""
    entered, token = 0, None
    while True:
        page = stack.sfn.get_execution_history(executionArn=execution_arn, maxResults=1000, **({"nextToken": token} if token else {}))
        entered += sum(1 for e in page["events"] if e["type"].endswith("StateEntered"))
        if not (token := page.get("nextToken")):
            return entered


def measure_item_sizes(stack: LocalStack) -> ItemSizes:
    """Mean item sizes (DynamoDB's rules) of the accounts and contacts tables after the run, and of a due-index entry."""
    import boto3

    ddb = boto3.client("dynamodb")

    def mean_size(table: str) -> float:
        sizes = [cost_model.item_bytes(i) for page in ddb.get_paginator("scan").paginate(TableName=table) for i in page["Items"]]
        return statistics.fmean(sizes) if sizes else 0.0

    accounts = mean_size(stack.refs["AccountsTable"])
    entry = len("account_id") + 12 + len("due_shard") + len("DUE#0") + len("due_at") + len("2026-04-15T12:30:00Z")
    return ItemSizes(account=accounts, contact=mean_size(stack.refs["ContactsTable"]), due_entry=entry + cost_model.INDEX_ENTRY_OVERHEAD)
