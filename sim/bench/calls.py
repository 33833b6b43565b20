"""Counting AWS calls: every botocore call in this process, attributed to the handler running on its thread.

The orchestration's own calls (moto's Step Functions invoking Lambda, reading the manifest) are counted apart,
and the bench's own calls (tagged "harness") are left out of the product's figures.
"""

from __future__ import annotations

import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import botocore.client

from ..local.stack import LocalStack
from .cost_model import DynamoCall


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


def calls_by_operation(calls: Counter[tuple[str, str, str]]) -> dict[str, int]:
    merged: Counter[str] = Counter()
    for (_, service, operation), n in calls.items():
        merged[f"{service}.{operation}"] += n
    return dict(merged.most_common())


def calls_by_function(calls: Counter[tuple[str, str, str]]) -> dict[str, dict[str, int]]:
    out: dict[str, Counter[str]] = defaultdict(Counter)
    for (function, service, operation), n in calls.items():
        out[function][f"{service}.{operation}"] += n
    return {f: dict(c.most_common()) for f, c in sorted(out.items())}
