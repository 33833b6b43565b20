"""`make bench`: how fast, how many AWS calls, and what it costs.

    python -m sim.bench.measure --out DIR [--quick]

Writes DIR/bench.json and prints a table against the targets. What is measured:

- decisions_per_second: the ladder and guardrails (`decide` + `next_check`) on realistic
  accounts (CN/US/EU, every stage, caps, holds, promises, opt-outs), pure Python, one core.
- api_calls_per_contacted_account: AWS calls the Lambda code makes during one daily run on
  the local harness (moto), counted by patching botocore's client call and attributed to
  the handler running in that thread; the orchestration's own calls (moto's Step Functions
  invoking Lambda, reading the manifest) are reported apart, and the bench's own calls not at all.
- e2e_accounts_per_second (and at 10k): the real daily-run state machine on moto, every
  account due with an action due, one execution timed from start to finish (moto's speed,
  not AWS's: it runs every Lambda in this process on one interpreter).
- plan_seconds_100k: PlanRun over a 100,000-account table (a share of them due).
- cost_per_1000_due_accounts_usd and the ratio against one Standard execution per account:
  sim.bench.cost_model over the counts above and infra/prices.json. Lambda durations on AWS are
  modelled from each handler's own CPU and deliberate waiting, measured one call at a time
  (`measure_code_cpu`), plus an assumed round trip per counted AWS call.
- handler_import_ms: each handler's cold import in a fresh interpreter, and bare boto3's.

Benchmarks are not tests: nothing here asserts a timing; the table says pass or fail.
"""

from __future__ import annotations

import argparse
import atexit
import compileall
import functools
import gc
import importlib
import json
import os
import py_compile
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, redirect_stdout
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import botocore.client

from ..local.stack import LocalStack
from ..local.template import ROOT, load_template, resources_of_type
from . import cost_model
from .cost_model import DynamoCall, ItemSizes, RunCounts

# 12:30 UTC on a Wednesday: inside the 08:00-21:00 window in Shanghai (20:30), New York (08:30 EDT),
# London (13:30 BST) and Berlin (14:30 CEST), so every e2e account can be contacted in the one run.
RUN_AS_OF = "2026-04-15T12:30:00Z"
SEED = 6

DECISION_ACCOUNTS = 5_000
DECISION_SECONDS = 3.0
E2E_ACCOUNTS = 1_000
E2E_10K_ACCOUNTS = 10_000
PLAN_ACCOUNTS = 100_000
# Share of the book the due index returns on a given day: reminders D+1..6, calls every 3 days and
# SMS every 7 in follow-up, promises and holds waiting — about a third of overdue accounts on any day.
PLAN_DUE_FRACTION = 0.3
IMPORT_REPETITIONS = 9  # rounds; each times every handler and boto3 once (import_times)

TARGETS = {
    "decisions_per_second": (">=", 50_000),
    "api_calls_per_contacted_account": ("<=", 5),
    "cost_per_1000_due_accounts_usd": ("<=", 0.01),
    "cost_ratio_vs_per_account_execution": (">=", 10),
    "handler_import_ratio_vs_boto3": ("<=", 2),
}


# ---------------------------------------------------------------------- realistic accounts
@dataclass(frozen=True)
class Market:
    profile: str
    share: float
    currency: str
    locale: str
    # (zone, phone prefix, digits after it); the first zone's window contains RUN_AS_OF.
    numbers: tuple[tuple[str, str, int], ...]
    balances: tuple[int, ...]


MARKETS = (
    Market(
        "CN", 0.6, "CNY", "zh-CN", (("Asia/Shanghai", "+86138", 8), ("Asia/Shanghai", "+86159", 8)), (800, 1500, 3200, 6400, 12000, 25000)
    ),
    Market(
        "US",
        0.25,
        "USD",
        "en-US",
        (("America/New_York", "+1212555", 4), ("America/Chicago", "+1312555", 4), ("America/Los_Angeles", "+1213555", 4)),
        (300, 800, 1500, 4000),
    ),
    Market("EU", 0.15, "GBP", "en-GB", (("Europe/London", "+447700900", 3), ("Europe/Berlin", "+4915123", 7)), (400, 900, 2000, 6000)),
)
# Days since the due date at the run, by stage, and each stage's share of the book.
STAGE_DAYS = (((-3, -1), 0.10), ((1, 6), 0.30), ((7, 29), 0.35), ((30, 59), 0.15), ((60, 120), 0.10))


def realistic_accounts(n: int, as_of: str = RUN_AS_OF, seed: int = SEED, first_zone_only: bool = False) -> list[Any]:
    """`n` accounts as they stand on the run's day: every stage, with the history that stage implies."""
    rng = random.Random(seed)  # noqa: S311 - reproducible synthetic data
    now = datetime.fromisoformat(as_of.replace("Z", "+00:00"))
    return [_realistic_account(rng, i, now, first_zone_only) for i in range(n)]


def _realistic_account(rng: random.Random, i: int, now: datetime, first_zone_only: bool) -> Any:
    from escalation.domain.model import STAGE_ORDER, Account, ContactKey, LegalState, Status
    from escalation.domain.policy import DEFAULT_POLICY

    market = rng.choices(MARKETS, weights=[m.share for m in MARKETS])[0]
    zone, prefix, digits = market.numbers[0] if first_zone_only else rng.choice(market.numbers)
    today = now.astimezone(_zone(zone)).date()
    (low, high), _ = rng.choices(STAGE_DAYS, weights=[w for _, w in STAGE_DAYS])[0]
    day = rng.randint(low, high)
    due_date = today - timedelta(days=day)
    balance = Decimal(rng.choice(market.balances))
    phone = prefix + str(rng.randrange(10**digits)).zfill(digits)

    last_fired: dict[str, date] = {}
    for rule in DEFAULT_POLICY.rules:
        if rule.start >= day or (rule.action.value == "visit" and market.profile != "CN"):
            continue
        if rule.condition in ("unreachable_or_refused", "legal_prerequisites") and rng.random() < 0.5:
            continue
        last_day = min(day - 1, rule.end if rule.end is not None else day - 1)
        if rule.every is None:
            fired = rng.randint(rule.start, last_day)
        else:
            fired = rule.start + (last_day - rule.start) // rule.every * rule.every
            if rng.random() < 0.15 and fired - rule.every >= rule.start:
                fired -= rule.every  # a day missed (outside window, cap): it fires again soon
        if rng.random() < 0.9:
            last_fired[rule.name] = due_date + timedelta(days=fired)
    action_of = {r.name: r.action for r in DEFAULT_POLICY.rules}
    recent = tuple(ContactKey(d, action_of[name], name) for name, d in last_fired.items() if (today - d).days < 8)
    stage = max((r.stage for r in DEFAULT_POLICY.rules if r.name in last_fired), key=STAGE_ORDER.index, default=None)

    called = day >= 3
    last_reached = today - timedelta(days=rng.randint(1, 20)) if called and rng.random() < 0.3 else None
    account = Account(
        account_id=f"{market.profile}-{i:07d}",
        phone=phone,
        balance=balance,
        fees=(balance * Decimal("0.02")).quantize(Decimal("0.01")),
        currency=market.currency,
        due_date=due_date,
        profile=market.profile,
        timezone=zone if rng.random() < 0.8 or market.profile == "EU" else None,
        locale=market.locale,
        emergency_contacts=(prefix + str(rng.randrange(10**digits)).zfill(digits),) if rng.random() < 0.3 else (),
        last_fired=last_fired,
        recent=recent,
        failed_call_attempts=rng.randint(0, 4) if called else 0,
        refusals=(1 if rng.random() < 0.15 else 0) + (1 if rng.random() < 0.05 else 0) if called else 0,
        last_reached=last_reached,
        visits_attempted=1 if "field_visit" in last_fired and rng.random() < 0.8 else 0,
        event_seq=rng.randint(0, 12),
        **({"stage": stage} if stage else {}),
    )
    roll = rng.random()
    if roll < 0.06:
        account = account.with_changes(
            status=Status.PROMISE, promised_date=today + timedelta(days=rng.randint(0, 7)), promised_amount=balance
        )
    elif roll < 0.10:
        account = account.with_changes(status=Status.HOLD, holds=rng.choice([{"dispute": None}, {"hardship": today + timedelta(days=10)}]))
    elif roll < 0.13:
        account = account.with_changes(status=Status.PAID, balance=Decimal("0"), fees=Decimal("0"), confirmation_due=True)
    if rng.random() < 0.04:
        account = account.with_changes(opted_out=frozenset({rng.choice(["sms", "sms", "call", "all"])}))
    if day >= 60 and "legal_review" in last_fired and (today - last_fired["legal_review"]).days < 14:
        account = account.with_changes(legal_state=LegalState.PENDING)
    return account


@functools.cache
def _zone(name: str) -> Any:
    from zoneinfo import ZoneInfo

    return ZoneInfo(name)


def decision_context(account: Any, now: datetime) -> Any:
    """The Context the daily run builds for an account (escalation.service.context: policy, profile with overrides, zones, clock).

    That module reads only the domain and PROFILE_OVERRIDES (at call time), so importing it binds no table names.
    """
    from escalation.service.context import context_for

    return context_for(account, now)


# ---------------------------------------------------------------------- 1. decisions per second
def measure_decisions(n_accounts: int = DECISION_ACCOUNTS, seconds: float = DECISION_SECONDS, seed: int = SEED) -> dict[str, Any]:
    """`decide` + `next_check` per account, repeated over the book for at least `seconds`, one core.

    Timed by this process's CPU clock, not the wall clock: "per second of one core" is what the
    figure means, and it should not depend on what else the machine runs meanwhile. The objects
    alive before timing (moto, the harness, the book) are frozen out of the garbage collector:
    walking them is this process's cost, not the domain's (a Lambda's heap is a fraction of it).
    """
    from escalation.domain.ladder import decide, next_check

    now = datetime.fromisoformat(RUN_AS_OF.replace("Z", "+00:00"))
    accounts = realistic_accounts(n_accounts, seed=seed)
    pairs = [(a, decision_context(a, now)) for a in accounts]
    outcomes: Counter[str] = Counter()
    for account, ctx in pairs:  # one untimed pass: what the book decides
        chosen = decide(account, ctx)
        next_check(account, ctx, ctx.today + timedelta(days=1))
        outcomes.update(d.action.value if d.action else f"skip:{d.reason}" for d in chosen)
    gc.collect()
    gc.freeze()
    try:
        evaluated, started = 0, time.process_time()
        while (elapsed := time.process_time() - started) < seconds or evaluated == 0:
            for account, ctx in pairs:
                decide(account, ctx)
                next_check(account, ctx, ctx.today + timedelta(days=1))
            evaluated += len(pairs)
        with_context, started = 0, time.process_time()
        while time.process_time() - started < seconds / 3 or with_context == 0:
            for account in accounts:
                ctx = decision_context(account, now)
                decide(account, ctx)
                next_check(account, ctx, ctx.today + timedelta(days=1))
            with_context += len(accounts)
        context_rate = with_context / (time.process_time() - started)
    finally:
        gc.unfreeze()
    return {
        "decisions_per_second": evaluated / elapsed,
        "decisions_per_second_with_context": context_rate,
        "accounts": n_accounts,
        "profiles": dict(Counter(a.profile for a in accounts)),
        "outcomes": dict(outcomes.most_common()),
    }


# ---------------------------------------------------------------------- counting AWS calls
@dataclass
class _Frame:
    """One handler invocation in progress on a thread."""

    function: str
    api_cpu_s: float = 0.0
    api_wall_s: float = 0.0
    worker_cpu_s: float = 0.0  # CPU of threads the handler started (ThreadPoolExecutor), inside AWS calls or not
    calls: Counter = field(default_factory=Counter)


@dataclass
class Invocation:
    function: str
    wall_ms: float
    code_cpu_ms: float  # the thread's CPU in the handler, minus its CPU inside AWS calls (moto answering)
    calls: dict[tuple[str, str], int]
    api_wall_ms: float = 0.0  # wall time inside AWS calls

    @property
    def idle_ms(self) -> float:
        """Wall time neither computing nor calling AWS: waiting on purpose, when nothing else competes for the CPU."""
        return max(self.wall_ms - self.code_cpu_ms - self.api_wall_ms, 0.0)


class ApiCallCounter:
    """Counts every AWS API call made in this process, by who made it.

    botocore's `BaseClient._make_api_call` is wrapped for the counter's lifetime, so clients of
    every session count (boto3's default session, PynamoDB's own botocore session, the clients moto's
    Step Functions interpreter caches). A call made while a handler runs on the same thread is the
    product's (scope = that function); calls tagged by the bench are "harness"; all others are the
    orchestration's (moto's Step Functions invoking Lambda and reading the manifest).
    """

    ORCHESTRATION = "orchestration"
    HARNESS = "harness"

    def __init__(self, stack: LocalStack) -> None:
        self.stack = stack
        self.calls: Counter[tuple[str, str, str]] = Counter()  # (scope, service, operation)
        self.dynamodb: Counter[tuple[str, DynamoCall]] = Counter()
        self.invocations: list[Invocation] = []
        self._local = threading.local()
        self._lock = threading.Lock()
        self._tables = {stack.refs["AccountsTable"]: "accounts", stack.refs["ContactsTable"]: "contacts"}

    def __enter__(self) -> ApiCallCounter:
        original_call, original_handler = botocore.client.BaseClient._make_api_call, self.stack.call_handler
        counter = self

        def make_api_call(client: Any, operation: str, params: dict[str, Any]) -> Any:
            return counter._count(original_call, client, operation, params)

        self._restore = (original_call, original_handler, ThreadPoolExecutor.submit)
        botocore.client.BaseClient._make_api_call = make_api_call  # type: ignore[method-assign]
        self.stack.call_handler = self._timed_handler(original_handler)  # type: ignore[method-assign]
        ThreadPoolExecutor.submit = self._submit_in_frame(ThreadPoolExecutor.submit)  # type: ignore[method-assign]
        return self

    def __exit__(self, *exc: object) -> None:
        original_call, original_handler, original_submit = self._restore
        botocore.client.BaseClient._make_api_call = original_call  # type: ignore[method-assign]
        self.stack.call_handler = original_handler  # type: ignore[method-assign]
        ThreadPoolExecutor.submit = original_submit  # type: ignore[method-assign]

    def _submit_in_frame(self, original: Callable[..., Any]) -> Callable[..., Any]:
        """Work a handler hands to a thread pool (the plan's parallel shard queries) counts as that handler's."""
        counter = self

        def submit(pool: ThreadPoolExecutor, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
            frames = counter._frames()
            if not frames:
                return original(pool, fn, *args, **kwargs)
            frame = frames[-1]

            def in_frame() -> Any:
                worker_frames = counter._frames()
                worker_frames.append(frame)
                cpu = time.thread_time()
                try:
                    return fn(*args, **kwargs)
                finally:
                    worker_frames.pop()
                    with counter._lock:
                        frame.worker_cpu_s += time.thread_time() - cpu

            return original(pool, in_frame)

        return submit

    @contextmanager
    def tag(self, scope: str) -> Iterator[None]:
        """Attribute this thread's calls (outside handlers) to `scope`."""
        previous = getattr(self._local, "tag", None)
        self._local.tag = scope
        try:
            yield
        finally:
            self._local.tag = previous

    def _frames(self) -> list[_Frame]:
        if not hasattr(self._local, "frames"):
            self._local.frames = []
        return self._local.frames

    def _timed_handler(self, original: Callable[[str, dict[str, Any]], Any]) -> Callable[[str, dict[str, Any]], Any]:
        def call_handler(logical: str, event: dict[str, Any]) -> Any:
            frame = _Frame(logical)
            frames = self._frames()
            frames.append(frame)
            wall, cpu = time.perf_counter(), time.thread_time()
            try:
                return original(logical, event)
            finally:
                wall, cpu = time.perf_counter() - wall, time.thread_time() - cpu
                frames.pop()
                with self._lock:
                    code_cpu = max(cpu + frame.worker_cpu_s - frame.api_cpu_s, 0.0) * 1000
                    self.invocations.append(Invocation(logical, wall * 1000, code_cpu, dict(frame.calls), frame.api_wall_s * 1000))

        return call_handler

    def _count(self, original: Callable[..., Any], client: Any, operation: str, params: dict[str, Any]) -> Any:
        service = client.meta.service_model.service_name
        frames = self._frames()
        frame = frames[-1] if frames else None
        cpu, wall = time.thread_time(), time.perf_counter()
        response: Any = None
        try:
            response = original(client, operation, params)
            return response
        finally:
            scope = frame.function if frame else (getattr(self._local, "tag", None) or self.ORCHESTRATION)
            cpu, wall = time.thread_time() - cpu, time.perf_counter() - wall
            with self._lock:  # a handler's pool threads share its frame
                self.calls[(scope, service, operation)] += 1
                if frame is not None and service == "dynamodb":
                    for call in self._dynamo_calls(operation, params, response):
                        self.dynamodb[(frame.function, call)] += 1
                if frame is not None:
                    frame.api_cpu_s += cpu
                    frame.api_wall_s += wall
                    frame.calls[(service, operation)] += 1

    def _dynamo_calls(self, operation: str, params: dict[str, Any], response: Any) -> list[DynamoCall]:
        table = self._tables.get(params.get("TableName", ""), params.get("TableName", "?"))
        consistent = bool(params.get("ConsistentRead"))
        if operation in ("BatchGetItem", "BatchWriteItem"):
            out = []
            for name, request in params.get("RequestItems", {}).items():
                items = len(request.get("Keys", [])) if operation == "BatchGetItem" else len(request)
                out.append(
                    DynamoCall(
                        operation,
                        self._tables.get(name, name),
                        items,
                        bool(request.get("ConsistentRead")) if operation == "BatchGetItem" else False,
                    )
                )
            return out
        if operation in ("Query", "Scan"):
            returned = int((response or {}).get("Count", 0))
            return [DynamoCall(operation, "due_index" if params.get("IndexName") else table, returned, consistent)]
        if operation == "UpdateItem":
            names = set(params.get("ExpressionAttributeNames", {}).values())
            return [DynamoCall(operation, table, 1, False, "due_at" in names)]
        if operation == "PutItem":
            return [DynamoCall(operation, table, 1, False, "due_at" in params.get("Item", {}))]
        if operation == "TransactWriteItems":  # one entry per item: each is billed on its own table's item size
            return [
                DynamoCall(operation, self._tables.get(request["TableName"], request["TableName"]), 1, False, _sets_due_at(request))
                for entry in params.get("TransactItems", [])
                for request in entry.values()
            ]
        return [DynamoCall(operation, table, 1, consistent)]

    # ------------------------------------------------------------------ summaries
    def product_calls(self) -> Counter[tuple[str, str, str]]:
        return Counter({k: n for k, n in self.calls.items() if k[0] not in (self.ORCHESTRATION, self.HARNESS)})

    def scope_calls(self, scope: str) -> Counter[tuple[str, str, str]]:
        return Counter({k: n for k, n in self.calls.items() if k[0] == scope})


def _sets_due_at(request: dict[str, Any]) -> bool:
    """A write that sets or removes due_shard/due_at, i.e. also writes the due index."""
    return "due_at" in request.get("Item", {}) or "due_at" in request.get("ExpressionAttributeNames", {}).values()


def _by_operation(calls: Counter[tuple[str, str, str]]) -> dict[str, int]:
    merged: Counter[str] = Counter()
    for (_, service, operation), n in calls.items():
        merged[f"{service}.{operation}"] += n
    return dict(merged.most_common())


def _by_function(calls: Counter[tuple[str, str, str]]) -> dict[str, dict[str, int]]:
    out: dict[str, Counter[str]] = defaultdict(Counter)
    for (function, service, operation), n in calls.items():
        out[function][f"{service}.{operation}"] += n
    return {f: dict(c.most_common()) for f, c in sorted(out.items())}


# ---------------------------------------------------------------------- loading the accounts table
def load_accounts(rows: list[tuple[Any, datetime | None]]) -> float:
    """Write (account, next check) rows with BatchWriteItem (25 items a request); returns the seconds it took."""
    from escalation.aws import dynamo

    started = time.perf_counter()
    with dynamo.AccountItem.batch_write() as batch:
        for account, due_at in rows:
            batch.save(dynamo.to_item(account, due_at))  # with its whole history: enrolment writes only a first state
    return time.perf_counter() - started


def due_accounts_with_actions(n: int, as_of: str = RUN_AS_OF, seed: int = SEED) -> list[Any]:
    """`n` realistic accounts that the run at `as_of` contacts: an SMS, a call or a visit is due and allowed.

    Accounts whose only due action is a legal review, or with a review waiting, are left out: their
    executions outlive the run being timed.
    """
    from escalation.domain.ladder import decide

    now = datetime.fromisoformat(as_of.replace("Z", "+00:00"))
    chosen: list[Any] = []
    batch_seed = seed
    while len(chosen) < n:
        for account in realistic_accounts(max(2 * n, 100), as_of, batch_seed, first_zone_only=True):
            actions = {d.action.value for d in decide(account, decision_context(account, now)) if d.action is not None}
            if actions and actions <= {"sms", "call", "visit"} and account.legal_state is None:
                chosen.append(account.with_changes(account_id=f"{account.account_id}-{batch_seed}"))
                if len(chosen) == n:
                    break
        batch_seed += 1000
    return chosen


# ---------------------------------------------------------------------- 2, 3. one daily run end to end
@dataclass
class DailyRun:
    accounts: int
    seconds: float  # the state machine's run, then the SMS senders working through the outbox
    run_seconds: float  # the state machine's run alone
    outbox_messages: int  # SMS messages the senders took from the outbox
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
            outbox_messages = stack.poll_queues()
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


@dataclass(frozen=True)
class HandlerTime:
    """A handler's own time per invocation (ms, medians), measured one call at a time."""

    code_cpu_ms: float  # computing, outside AWS calls
    idle_ms: float  # waiting on purpose (e.g. an SMS sender pacing itself)


def measure_code_cpu(n_accounts: int = 100, seed: int = SEED + 1) -> dict[str, HandlerTime]:
    """Each handler's own CPU and deliberate waiting per invocation, called one at a time on a quiet stack.

    The plan, each batch's assessment, every decision's dispatch function (as the ASL routes it) and
    the SMS senders on the outbox run in this thread with their modules already imported; the CPU spent inside AWS calls
    (moto answering) is left out. Functions not called here keep the run's own figure.
    """
    import boto3

    shape = daily_run_shape()
    with LocalStack() as stack:
        for module in set(handler_modules().values()):
            importlib.import_module(module)
        due_at = datetime.fromisoformat(RUN_AS_OF.replace("Z", "+00:00"))
        load_accounts([(a, due_at) for a in due_accounts_with_actions(n_accounts, RUN_AS_OF, seed)])
        plan_function = shape.plan
        with ApiCallCounter(stack) as counter:
            plan = stack.call_handler(plan_function, {"run_id": "calibrate", "as_of": RUN_AS_OF})
            with counter.tag(ApiCallCounter.HARNESS):
                body = boto3.client("s3").get_object(Bucket=plan["bucket"], Key=plan["manifest_key"])["Body"].read()
            for batch in json.loads(body):
                for decision in stack.call_handler(shape.assess, batch).get("decisions", []):
                    if decision.get("action") in shape.actions:
                        stack.call_handler(shape.actions[decision["action"]], decision)
            with counter.tag(ApiCallCounter.HARNESS):
                stack.poll_queues()  # the SMS senders, a batch of outbox messages per invocation as in AWS
    by_function: dict[str, list[Invocation]] = defaultdict(list)
    for inv in counter.invocations:
        by_function[inv.function].append(inv)
    return {
        f: HandlerTime(statistics.median(i.code_cpu_ms for i in v), statistics.median(i.idle_ms for i in v))
        for f, v in sorted(by_function.items())
    }


def run_counts(run: DailyRun, deployment: cost_model.Deployment, handler_times: dict[str, HandlerTime]) -> RunCounts:
    """What the cost model needs from a measured run, with handler durations modelled for AWS.

    Each function's own CPU and waiting per invocation come from `handler_times` (measured one call at a time,
    `measure_code_cpu`) where there is one: in the run, dozens of threads share one interpreter and
    a thread's CPU clock also counts the interpreter's switching between them. The AWS calls per
    invocation are the run's.
    """
    by_function: dict[str, list[Invocation]] = defaultdict(list)
    for inv in run.counter.invocations:
        by_function[inv.function].append(inv)
    shape = daily_run_shape()
    # The sender paces itself per message: an invocation (a batch from the outbox) waits once per message it sends.
    sender = shape.actions.get("sms")
    messages_per_batch = run.outbox_messages / max(len(by_function.get(sender, [])), 1) if sender else 0.0
    pacing_ms = {sender: sms_pacing_ms() * messages_per_batch} if sender else {}
    duration = {}
    for function, invocations in by_function.items():
        calls: Counter[tuple[str, str]] = Counter()
        for inv in invocations:
            calls.update(inv.calls)
        mean_calls = {k: n / len(invocations) for k, n in calls.items()}
        own = handler_times.get(function) or HandlerTime(statistics.fmean(i.code_cpu_ms for i in invocations), 0.0)
        idle = max(own.idle_ms, pacing_ms.get(function, 0.0))
        duration[function] = cost_model.modelled_duration_ms(own.code_cpu_ms, mean_calls, deployment.memory_of(function), idle)
    return RunCounts(
        due_accounts=run.accounts,
        batches=len(by_function.get(shape.assess, [])) or 1,
        parent_transitions=run.parent_transitions,
        roles=shape.roles,
        invocations={f: len(invs) for f, invs in by_function.items()},
        duration_ms=duration,
        calls=dict(run.counter.product_calls()),
        dynamodb=dict(run.counter.dynamodb),
        assess_function=shape.assess,
        outbox_messages=run.outbox_messages,
    )


def sms_pacing_ms(template: dict[str, Any] | None = None) -> float:
    """How long a deployed SMS sender holds each send beyond the Publish round trip (ms), by the template's defaults.

    The sender paces itself to SmsSenders / SmsPerSecond seconds per send (escalation.service.dispatch.pace);
    the local stack sets SmsPerSecond so high that it never waits, so the harness cannot measure this.
    """
    parameters = (template or load_template()).get("Parameters", {})
    if "SmsSenders" not in parameters or "SmsPerSecond" not in parameters:
        return 0.0
    per_send_ms = 1000 * float(parameters["SmsSenders"]["Default"]) / float(parameters["SmsPerSecond"]["Default"])
    return max(per_send_ms - cost_model.api_latency_ms("sns", "Publish"), 0.0)


def harness_counts(counts: RunCounts, run: DailyRun) -> RunCounts:
    """The same run with the harness's wall durations instead of modelled ones (a pessimistic bound)."""
    by_function: dict[str, list[float]] = defaultdict(list)
    for inv in run.counter.invocations:
        by_function[inv.function].append(inv.wall_ms)
    return replace(counts, duration_ms={f: statistics.fmean(v) for f, v in by_function.items()})


# ---------------------------------------------------------------------- 4. the plan over 100k accounts
def measure_plan(n_accounts: int = PLAN_ACCOUNTS, due_fraction: float = PLAN_DUE_FRACTION, seed: int = SEED) -> dict[str, Any]:
    """Load `n_accounts` (a share due now, the rest later or not in the index), then time PlanRun once."""
    rng = random.Random(seed)  # noqa: S311 - reproducible synthetic data
    now = datetime.fromisoformat(RUN_AS_OF.replace("Z", "+00:00"))
    with LocalStack() as stack:
        rows = []
        for account in realistic_accounts(n_accounts, seed=seed):
            roll = rng.random()
            if account.status.value == "hold" and not account.holds.get("hardship"):
                rows.append((account, None))  # an open-ended hold is out of the due index
            elif roll < due_fraction:
                rows.append((account, now - timedelta(minutes=rng.randint(0, 600))))
            else:
                rows.append((account, now + timedelta(hours=rng.randint(1, 24 * 10))))
        load_seconds = load_accounts(rows)
        importlib.import_module(handler_modules()["PlanRunFunction"])  # a warm container: cold starts are measured apart
        with ApiCallCounter(stack) as counter:
            started = time.perf_counter()
            result = stack.call_handler("PlanRunFunction", {"run_id": "bench-plan", "as_of": RUN_AS_OF})
            seconds = time.perf_counter() - started
        return {
            "plan_seconds": seconds,
            "load_seconds": load_seconds,
            "accounts": n_accounts,
            "due": result["due"],
            "batches": result["batches"],
            "due_shards": int(stack.params["DueShards"]),
            "calls": _by_operation(counter.product_calls()),
            # The plan's own CPU (PynamoDB items, the manifest's JSON) per due account, outside AWS calls: what
            # PlanRun costs on AWS at a given memory size (docs/SCALING.md).
            "code_cpu_ms_per_due_account": counter.invocations[0].code_cpu_ms / max(result["due"], 1),
        }


# ---------------------------------------------------------------------- 5. cold-start imports
_IMPORT_TIMER = "import sys, time\nt = time.perf_counter()\n__import__(sys.argv[1])\nprint((time.perf_counter() - t) * 1000)"


def handler_modules(template: dict[str, Any] | None = None) -> dict[str, str]:
    """Function logical name -> its handler's module, from template.yaml."""
    functions = resources_of_type(template or load_template(), "AWS::Serverless::Function")
    return {logical: res["Properties"]["Handler"].rsplit(".", 1)[0] for logical, res in sorted(functions.items())}


@functools.cache
def packaged_code() -> Path:
    """The functions' code as functions/Makefile ships it: a copy, compiled to hash-checked bytecode.

    Timing functions/ itself would time whatever its __pycache__ holds: nothing on a fresh clone, stale files
    after an edit (PYTHONDONTWRITEBYTECODE is set on these machines), i.e. the compiler, not the import.
    """
    target = Path(tempfile.mkdtemp(prefix="bench-functions-"))
    atexit.register(shutil.rmtree, target, ignore_errors=True)
    shutil.copytree(ROOT / "functions", target, ignore=shutil.ignore_patterns("__pycache__"), dirs_exist_ok=True)
    compileall.compile_dir(target, quiet=2, invalidation_mode=py_compile.PycInvalidationMode.CHECKED_HASH)
    return target


def import_env(detailed_tracing: bool = False) -> dict[str, str]:
    """A fresh interpreter's environment for the import timings: the code as packaged (with its bytecode, nothing
    written at run time, as on Lambda's read-only /var/task), the template's literal function settings, and the
    deployed default for tracing (no X-Ray SDK) unless asked."""
    variables = load_template()["Globals"]["Function"]["Environment"]["Variables"]
    literal = {name: value for name, value in variables.items() if isinstance(value, str)}
    return {
        **os.environ,
        **literal,
        "PYTHONPATH": str(packaged_code()),
        "PYTHONDONTWRITEBYTECODE": "1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "DETAILED_TRACING": "true" if detailed_tracing else "false",
    }


def import_ms(module: str, repetitions: int = IMPORT_REPETITIONS, detailed_tracing: bool = False) -> float:
    """Median wall time of importing `module` in a fresh interpreter (import_times)."""
    return import_times([module], repetitions, detailed_tracing)[module]


def import_times(modules: list[str], repetitions: int = IMPORT_REPETITIONS, detailed_tracing: bool = False) -> dict[str, float]:
    """Median wall time of importing each module in a fresh interpreter (the first round untimed: it warms the file cache).

    The modules take turns, round by round, so that the baseline (boto3) and the handlers see the same machine:
    timed one block after another, a quiet minute for boto3 and a busy one for the handlers moved the ratio by
    a third on this shared 2-core machine (1.5x one block, 2.0x the next).
    """
    env = import_env(detailed_tracing)
    times: dict[str, list[float]] = {module: [] for module in modules}
    for round_ in range(repetitions + 1):
        for module in modules:
            command = [sys.executable, "-c", _IMPORT_TIMER, module]
            done = subprocess.run(command, env=env, cwd=packaged_code(), capture_output=True, text=True, check=True)  # noqa: S603
            if round_:
                times[module].append(float(done.stdout.strip()))
    return {module: statistics.median(samples) for module, samples in times.items()}


def heaviest_imports(module: str, top: int = 8) -> dict[str, float]:
    """Where importing `module` spends its time, by top-level package (self times of `python -X importtime`), in ms."""
    env = import_env()
    command = [sys.executable, "-X", "importtime", "-c", f"import {module}"]
    done = subprocess.run(command, env=env, cwd=packaged_code(), capture_output=True, text=True, check=True)  # noqa: S603
    by_package: Counter[str] = Counter()
    for line in done.stderr.splitlines():
        parts = line.removeprefix("import time:").split("|")
        if len(parts) != 3 or not parts[0].strip().isdigit():
            continue
        by_package[parts[2].strip().split(".")[0]] += int(parts[0]) / 1000
    return {name: round(ms, 1) for name, ms in by_package.most_common(top)}


def measure_imports(repetitions: int = IMPORT_REPETITIONS, modules: dict[str, str] | None = None) -> dict[str, Any]:
    modules = modules if modules is not None else handler_modules()
    measured = import_times(["boto3", *sorted(set(modules.values()))], repetitions)
    boto3_ms = measured.pop("boto3")
    per_module = measured
    heaviest = max(per_module, key=per_module.__getitem__) if per_module else None
    return {
        "handler_import_ms": per_module | {"boto3": boto3_ms},
        "by_function": {f: per_module[m] for f, m in modules.items()},
        "worst_ratio_vs_boto3": max(per_module.values()) / boto3_ms if per_module else None,
        "heaviest_handler": heaviest,
        "heaviest_handler_imports_ms": heaviest_imports(heaviest) if heaviest else {},
        # The template's DetailedTracing=true (Powertools Tracer, X-Ray SDK): what per-call subsegments cost a cold start.
        "heaviest_handler_with_detailed_tracing_ms": import_ms(heaviest, repetitions, detailed_tracing=True) if heaviest else None,
        "python": sys.version.split()[0],
        "repetitions": repetitions,
    }


# ---------------------------------------------------------------------- the daily run's shape
@dataclass(frozen=True)
class RunShape:
    """Which function the daily-run state machine invokes where, read from its ASL and template.yaml."""

    roles: dict[str, str]  # function -> cost_model.RUN (once a run) | BATCH (once a Map child) | ACTION (once a decision)
    actions: dict[str, str]  # decision action ("sms", ...) -> the function that dispatches it
    assess: str  # the function a Map child starts with
    plan: str  # the function that plans the run (writes the manifest)


@functools.cache
def daily_run_shape() -> RunShape:
    template = load_template()
    machine = resources_of_type(template, "AWS::Serverless::StateMachine")["DailyRunStateMachine"]["Properties"]
    functions = {
        placeholder: value["Fn::GetAtt"][0]
        for placeholder, value in machine.get("DefinitionSubstitutions", {}).items()
        if isinstance(value, dict) and "Fn::GetAtt" in value
    }
    asl = json.loads((ROOT / machine["DefinitionUri"]).read_text())
    roles: dict[str, str] = {}
    actions: dict[str, str] = {}

    def function_of(state: dict[str, Any]) -> str | None:
        name = str(state.get("Parameters", {}).get("FunctionName", ""))
        return functions.get(name.removeprefix("${").removesuffix("}")) if name.startswith("${") else None

    def walk(states: dict[str, Any], role: str) -> None:
        for state in states.values():
            if (function := function_of(state)) is not None:
                roles.setdefault(function, role)
            if state.get("Type") == "Choice":
                for choice in state.get("Choices", []):
                    target = function_of(states.get(choice.get("Next"), {}))
                    if choice.get("Variable") == "$.action" and target:
                        actions[choice["StringEquals"]] = target
            if "ItemProcessor" in state:
                walk(state["ItemProcessor"]["States"], cost_model.BATCH if role == cost_model.RUN else cost_model.ACTION)

    walk(asl["States"], cost_model.RUN)
    # SMS leave the run through the outbox: its consumer (an SQS event source) sends them, per batch of messages.
    for logical, res in resources_of_type(template, "AWS::Serverless::Function").items():
        for source in res["Properties"].get("Events", {}).values():
            if source["Type"] == "SQS" and source["Properties"]["Queue"] == {"Fn::GetAtt": ["SmsOutbox", "Arn"]}:
                roles[logical], actions["sms"] = cost_model.OUTBOX, logical
    child = next(s for s in asl["States"].values() if s.get("ItemProcessor", {}).get("ProcessorConfig", {}).get("Mode") == "DISTRIBUTED")
    assess = function_of(child["ItemProcessor"]["States"][child["ItemProcessor"]["StartAt"]]) or "AssessAccountsFunction"
    plan = function_of(asl["States"]["PlanRun"]) or "PlanRunFunction"
    return RunShape(roles, actions, assess, plan)


# ---------------------------------------------------------------------- costs
DESIGN_DUE_PER_DAY = 1_000_000  # the scale docs/SCALING.md plans for


def deployment_from_template(template: dict[str, Any] | None = None) -> cost_model.Deployment:
    """Memory, batch size, concurrency and schedules as template.yaml and the daily-run ASL deploy them."""
    template = template or load_template()
    machine = resources_of_type(template, "AWS::Serverless::StateMachine")["DailyRunStateMachine"]["Properties"]
    asl = json.loads((ROOT / machine["DefinitionUri"]).read_text())
    escalate = asl["States"]["EscalateAccounts"]
    inline = escalate["ItemProcessor"]["States"]["EscalateEachAccount"]
    functions = resources_of_type(template, "AWS::Serverless::Function")
    return cost_model.Deployment(
        lambda_memory_mb=int(template["Globals"]["Function"]["MemorySize"]),
        memory_mb={f: int(res["Properties"]["MemorySize"]) for f, res in functions.items() if "MemorySize" in res["Properties"]},
        runs_per_day=sum(1 for e in machine.get("Events", {}).values() if e["Type"] == "ScheduleV2"),
        batch_size=int(template["Parameters"]["BatchSize"]["Default"]),
        map_max_concurrency=int(escalate.get("MaxConcurrency", 1000)),
        inline_max_concurrency=int(inline.get("MaxConcurrency", 40)),
        sms_senders=int(template["Parameters"]["SmsSenders"]["Default"]),
    )


def cost_figures(counts: RunCounts, run: DailyRun, deployment: cost_model.Deployment) -> dict[str, Any]:
    prices = cost_model.load_prices()
    sizes, sms_parts = run.sizes, run.sms_parts
    logs = cost_model.logs_per_1000_due(counts, run.log_bytes, deployment, prices)
    per_1000 = cost_model.cost_per_1000_due(counts, sizes, deployment, prices)
    at_design = cost_model.cost_usd(cost_model.daily_usage(counts, sizes, deployment, DESIGN_DUE_PER_DAY), prices)
    fixed_per_day = cost_model.cost_usd(cost_model.daily_usage(counts, sizes, deployment, 0), prices)["total"]
    alternative = cost_model.cost_usd(cost_model.per_account_execution_usage(counts, sizes, deployment, 1000), prices)
    us_parts = sms_parts.get("US", 1.0)
    ratio = functools.partial(cost_model.cost_ratio_vs_per_account_execution, counts, sizes, deployment, prices)
    return {
        # At the volume the product is built for: a day's fixed costs (the outbox's idle poller, five plans and
        # summaries) are spread over a million due accounts, not a thousand (both are below).
        "cost_per_1000_due_accounts_usd": at_design["total"] * 1000 / DESIGN_DUE_PER_DAY,
        "cost_ratio_vs_per_account_execution": ratio(due_per_day=DESIGN_DUE_PER_DAY),
        "sms_fee_per_1000_usd": cost_model.sms_fee_per_1000(prices, us_parts),
        "cost_details": {
            "basis": f"headline figures at {DESIGN_DUE_PER_DAY:,} due accounts a day; fixed costs per day below",
            "fixed_usd_per_day": fixed_per_day,
            "per_1000_due_at_1m_due_per_day_usd": {k: v * 1000 / DESIGN_DUE_PER_DAY for k, v in at_design.items()},
            "per_1000_due_per_day_by_service_usd": per_1000,
            "cost_ratio_at_1000_due_per_day": ratio(due_per_day=1000),
            "per_account_execution_per_1000_due_usd": alternative,
            "cloudwatch_logs_per_1000_due_usd": logs,
            "total_with_cloudwatch_logs_per_1000_due_usd": at_design["total"] * 1000 / DESIGN_DUE_PER_DAY + logs,
            "log_bytes_per_due_account": run.log_bytes / max(run.accounts, 1),
            "not_modelled": "EventBridge Scheduler (5 invocations a day), storage (DynamoDB, S3), KMS (AWS-owned keys), "
            "Express children's CloudWatch logging (off by default), data transfer",
            "daily_usage_at_1000_due": cost_model.daily_usage(counts, sizes, deployment, 1000).as_dict(),
            "lambda_duration_ms_modelled": {k: round(v, 1) for k, v in counts.duration_ms.items()},
            "express_child_duration_ms_modelled": round(counts.child_duration_at(deployment.inline_max_concurrency), 1),
            "item_bytes": asdict(sizes),
            "sms_parts_per_message_by_profile": sms_parts,
            "sms_fee_basis": f"US base + carrier fee per part x {us_parts:.2f} parts (the run's US texts); CN and EU prices differ",
            "deployment": asdict(deployment),
            "assumptions": {
                "api_latency_ms": {"/".join(k) if isinstance(k, tuple) else k: v for k, v in cost_model.API_LATENCY_MS.items()},
                "sdk_cpu_ms_per_call": cost_model.SDK_CPU_MS_PER_CALL,
                "sms_sender_pacing_ms": sms_pacing_ms(),
                "full_vcpu_mb": cost_model.FULL_VCPU_MB,
                "alternative_states_per_account_day": f"{cost_model.ALTERNATIVE_STATES_PER_DAY} + one per action",
                "prices": "infra/prices.json (re-check before quoting)",
            },
        },
    }


# ---------------------------------------------------------------------- the whole bench
@dataclass(frozen=True)
class Sizes:
    decision_accounts: int = DECISION_ACCOUNTS
    decision_seconds: float = DECISION_SECONDS
    e2e_accounts: int = E2E_ACCOUNTS
    e2e_10k_accounts: int = E2E_10K_ACCOUNTS
    plan_accounts: int = PLAN_ACCOUNTS
    calibration_accounts: int = 100
    import_repetitions: int = IMPORT_REPETITIONS
    import_modules: dict[str, str] | None = None  # function -> module; None = every handler of template.yaml


@dataclass
class Measurements:
    decisions: dict[str, Any]
    run: DailyRun
    run_10k: DailyRun | None
    plan: dict[str, Any]
    handler_times: dict[str, HandlerTime]
    imports: dict[str, Any]


def measure_all(quick: bool, sizes: Sizes, progress: Callable[[str], None]) -> Measurements:
    """Every measurement in turn; `progress` hears what starts and what each one found (a killed bench keeps its log)."""
    progress(f"decisions: {sizes.decision_accounts} realistic accounts, {sizes.decision_seconds:.0f}s")
    decisions = measure_decisions(sizes.decision_accounts, sizes.decision_seconds)
    progress(f"  {decisions['decisions_per_second']:,.0f} decisions/s")
    progress(f"daily run: {sizes.e2e_accounts} due accounts through the state machine on moto")
    run = measure_daily_run(sizes.e2e_accounts)
    progress(f"  {run.accounts_per_second:.2f} accounts/s ({run.seconds:.0f}s), {sum(run.counter.product_calls().values())} handler calls")
    run_10k = None
    if not quick:
        progress(f"daily run: {sizes.e2e_10k_accounts} due accounts")
        run_10k = measure_daily_run(sizes.e2e_10k_accounts)
        progress(f"  {run_10k.accounts_per_second:.2f} accounts/s ({run_10k.seconds:.0f}s)")
    progress(f"plan: loading {sizes.plan_accounts} accounts, then PlanRun once")
    plan = measure_plan(sizes.plan_accounts)
    progress(f"  {plan['plan_seconds']:.1f}s for {plan['due']} due (loaded in {plan['load_seconds']:.0f}s)")
    progress(f"handler CPU: {sizes.calibration_accounts} accounts' handlers called one at a time")
    handler_times = measure_code_cpu(sizes.calibration_accounts)
    progress("handler imports: a fresh interpreter per import")
    imports = measure_imports(sizes.import_repetitions, sizes.import_modules)
    return Measurements(decisions, run, run_10k, plan, handler_times, imports)


def run_bench(quick: bool = False, sizes: Sizes | None = None, progress: Callable[[str], None] = lambda _: None) -> dict[str, Any]:
    """Every measurement, as the dictionary bench.json holds."""
    started = time.perf_counter()
    results = results_of(measure_all(quick, sizes or Sizes(), progress))
    return results | {"quick": quick, "bench_seconds": time.perf_counter() - started}


def results_of(m: Measurements) -> dict[str, Any]:
    run = m.run
    deployment = deployment_from_template()
    counts = replace(run_counts(run, deployment, m.handler_times), init_ms=dict(m.imports["by_function"]))
    product = run.counter.product_calls()
    total_calls = sum(product.values())
    contacted = max(run.contacted_accounts, 1)
    actions = sum(run.contacts.values())
    costs = cost_figures(counts, run, deployment)
    pessimistic = cost_model.cost_per_1000_due(harness_counts(counts, run), run.sizes, deployment, cost_model.load_prices())
    costs["cost_details"]["per_1000_due_with_harness_wall_durations_usd"] = pessimistic
    costs["cost_details"]["handler_time_ms_measured_one_at_a_time"] = {k: asdict(v) for k, v in m.handler_times.items()}
    return {
        "decisions_per_second": m.decisions["decisions_per_second"],
        "api_calls_per_contacted_account": total_calls / contacted,
        "e2e_accounts_per_second": run.accounts_per_second,
        "e2e_10k_accounts_per_second": m.run_10k.accounts_per_second if m.run_10k else None,
        "plan_seconds_100k": m.plan["plan_seconds"],
        "cost_per_1000_due_accounts_usd": costs["cost_per_1000_due_accounts_usd"],
        "cost_ratio_vs_per_account_execution": costs["cost_ratio_vs_per_account_execution"],
        "sms_fee_per_1000_usd": costs["sms_fee_per_1000_usd"],
        "handler_import_ms": m.imports["handler_import_ms"],
        "calls_breakdown": {
            "product_total": total_calls,
            "contacted_accounts": run.contacted_accounts,
            "actions_dispatched": actions,
            "api_calls_per_action": total_calls / max(actions, 1),
            "product": _by_operation(product),
            "product_per_contacted_account": {k: round(v / contacted, 3) for k, v in _by_operation(product).items()},
            "by_function": _by_function(product),
            "invocations": dict(counts.invocations),
            "orchestration": _by_operation(run.counter.scope_calls(ApiCallCounter.ORCHESTRATION)),
            "parent_state_transitions": run.parent_transitions,
            "note": "product = calls the Lambda handlers make; orchestration = moto's Step Functions (Lambda Invoke, "
            "manifest GetObject), which AWS makes on its own side; the bench's own start/poll calls are not counted.",
        },
        "cost_details": costs["cost_details"],
        "decisions": m.decisions,
        "e2e": _run_summary(run) | {"10k": _run_summary(m.run_10k)},
        "plan": m.plan,
        "imports": m.imports,
        "targets": target_results_of(
            m.decisions["decisions_per_second"],
            total_calls / contacted,
            costs["cost_per_1000_due_accounts_usd"],
            costs["cost_ratio_vs_per_account_execution"],
            m.imports["worst_ratio_vs_boto3"],
        ),
        "local_parameters": {"DueShards": m.plan["due_shards"], "MapChildExecutionType": "STANDARD (moto)", "as_of": RUN_AS_OF},
    }


def _run_summary(run: DailyRun | None) -> dict[str, Any] | None:
    if run is None:
        return None
    return {
        "accounts": run.accounts,
        "seconds": run.seconds,
        "accounts_per_second": run.accounts_per_second,
        "load_seconds": run.load_seconds,
        "report": run.report,
        "contacted_accounts": run.contacted_accounts,
        "contacts": run.contacts,
        "handler_errors": run.handler_errors[:20],
        "handler_wall_ms_mean": {
            f: statistics.fmean(i.wall_ms for i in run.counter.invocations if i.function == f)
            for f in sorted({i.function for i in run.counter.invocations})
        },
    }


def target_results_of(decisions: float, calls: float, cost: float, ratio: float, import_ratio: float | None) -> dict[str, dict[str, Any]]:
    values = {
        "decisions_per_second": decisions,
        "api_calls_per_contacted_account": calls,
        "cost_per_1000_due_accounts_usd": cost,
        "cost_ratio_vs_per_account_execution": ratio,
        "handler_import_ratio_vs_boto3": import_ratio,
    }
    out = {}
    for key, (op, limit) in TARGETS.items():
        value = values[key]
        passed = None if value is None else (value >= limit if op == ">=" else value <= limit)
        out[key] = {"value": value, "target": f"{op} {limit}", "pass": passed}
    return out


# ---------------------------------------------------------------------- output
def format_table(results: dict[str, Any]) -> str:
    targets = results["targets"]
    rows = [
        ("decisions_per_second", results["decisions_per_second"], targets["decisions_per_second"]),
        ("api_calls_per_contacted_account", results["api_calls_per_contacted_account"], targets["api_calls_per_contacted_account"]),
        ("e2e_accounts_per_second", results["e2e_accounts_per_second"], None),
        ("e2e_10k_accounts_per_second", results["e2e_10k_accounts_per_second"], None),
        ("plan_seconds_100k", results["plan_seconds_100k"], None),
        ("cost_per_1000_due_accounts_usd", results["cost_per_1000_due_accounts_usd"], targets["cost_per_1000_due_accounts_usd"]),
        ("  same, with CloudWatch Logs (detail)", results["cost_details"]["total_with_cloudwatch_logs_per_1000_due_usd"], None),
        (
            "cost_ratio_vs_per_account_execution",
            results["cost_ratio_vs_per_account_execution"],
            targets["cost_ratio_vs_per_account_execution"],
        ),
        ("sms_fee_per_1000_usd (US)", results["sms_fee_per_1000_usd"], None),
    ]
    imports = results["handler_import_ms"]
    rows += [(f"handler_import_ms[{m}]", ms, None) for m, ms in imports.items() if m != "boto3"]
    rows.append(("handler_import_ms[boto3]", imports["boto3"], None))
    rows.append(
        ("worst handler import / boto3", targets["handler_import_ratio_vs_boto3"]["value"], targets["handler_import_ratio_vs_boto3"])
    )
    lines = [f"{'measure':<44}{'value':>14}  {'target':<12}result", "-" * 80]
    for name, value, target in rows:
        shown = "null" if value is None else _fmt(value)
        verdict = "" if target is None else ("PASS" if target["pass"] else "FAIL" if target["pass"] is False else "n/a")
        lines.append(f"{name:<44}{shown:>14}  {target['target'] if target else '':<12}{verdict}")
    breakdown = results["calls_breakdown"]
    lines.append("")
    contacted, actions = breakdown["contacted_accounts"], breakdown["actions_dispatched"]
    lines.append(f"AWS calls by the handlers per contacted account ({contacted} contacted, {actions} actions):")
    lines += [f"  {op:<44}{n:>8.2f}" for op, n in breakdown["product_per_contacted_account"].items()]
    lines.append(f"Orchestration calls (moto's Step Functions, not counted above): {breakdown['orchestration']}")
    plan = results["plan"]
    loaded = f"loaded in {plan['load_seconds']:.1f}s (not in the figure)"
    lines.append(f"Plan: {plan['accounts']} accounts ({plan['due']} due, {plan['due_shards']} shards), {loaded}")
    if "bench_seconds" in results:
        lines.append(f"bench took {results['bench_seconds']:.0f}s")
    return "\n".join(lines)


def _fmt(value: float) -> str:
    if value >= 1000:
        return f"{value:,.0f}"
    if value >= 1:
        return f"{value:.2f}"
    return f"{value:.5f}"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, required=True, help="directory for bench.json")
    parser.add_argument("--quick", action="store_true", help="skip the 10,000-account run (recorded as null)")
    parser.add_argument("--e2e-accounts", type=int, default=E2E_ACCOUNTS, help="due accounts of the first daily run")
    parser.add_argument("--plan-accounts", type=int, default=PLAN_ACCOUNTS, help="accounts in the plan's table")
    args = parser.parse_args(argv)
    sizes = Sizes(e2e_accounts=args.e2e_accounts, plan_accounts=args.plan_accounts)
    args.out.mkdir(parents=True, exist_ok=True)
    log = args.out / "bench.log"
    log.write_text("", encoding="utf-8")

    def progress(message: str) -> None:
        print(f"[bench] {message}", file=sys.stderr, flush=True)
        with log.open("a", encoding="utf-8") as fh:
            fh.write(f"{datetime.now(UTC).isoformat(timespec='seconds')} {message}\n")

    results = run_bench(args.quick, sizes, progress=progress)
    (args.out / "bench.json").write_text(json.dumps(results, indent=2, default=str), encoding="utf-8")
    print(format_table(results))
    print(f"\nwrote {args.out / 'bench.json'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
