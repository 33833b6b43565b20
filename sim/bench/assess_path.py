"""AssessAccounts per account as it runs in AWS: read, deserialize, decide, plan the next check, emit — one core.

The daily run's assessment (the AssessAccounts handler, `escalation.service.runs.assess`) over a realistic book,
batch after batch, timed by this process's CPU clock. What AWS does on its own side is not the product's cost,
so moto does not answer the timed calls: each batch runs once on the local stack (moto) while the HTTP
responses botocore receives are recorded, and is then replayed from that recording. A replayed call is still
built, serialized and signed by botocore, and its recorded response (status, headers, body) parsed by
botocore, exactly as an answer from AWS would be; only the network is missing. Writes (the reschedules,
the calendar's changes, the outbox post, the batch summary) are replayed from the recording too.

Left out: the network (sockets, TLS) and the Lambda runtime around the handler. Metrics are on, as deployed (their
EMF lines printed to nowhere), and the harness's heap is frozen out of the garbage collector, as for the decisions.

`measure_assess_path` returns `assess_accounts_per_cpu_second` and a breakdown per phase (µs per account),
taken in a separate instrumented pass (the headline figure is the plain one).
"""

from __future__ import annotations

import contextlib
import gc
import os
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import botocore.client
import moto.core.models
from botocore.awsrequest import AWSResponse

from ..local.stack import LocalStack
from .accounts import RUN_AS_OF, SEED, load_accounts, realistic_accounts
from .shape import daily_run_shape

ASSESS_BATCHES = 50  # of the template's BatchSize (100): 5,000 accounts
ASSESS_QUICK_BATCHES = 10  # `make bench QUICK=1`
ASSESS_SECONDS = 3.0
RUN_ID = "bench-assess"


@dataclass(frozen=True)
class Exchange:
    """One AWS call's HTTP response as botocore received it."""

    event: str  # "before-send.<service>.<operation>": what the call must be when replayed
    status: int
    headers: dict[str, str]
    body: bytes


class _Body:
    """The raw stream botocore reads a response's body from."""

    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._body


class ReplayDiverged(Exception):
    """The replayed handler made a call the recording does not have next: the measurement would be wrong."""


class Tapes:
    """Record every AWS call a handler makes, on whichever client; then answer the same calls from the recording.

    A context manager: the hooks it puts on the clients it saw are taken off when it closes.
    """

    def __init__(self) -> None:
        self.clients: list[Any] = []
        self._recording: list[Exchange] | None = None
        self._playing: Iterator[Exchange] | None = None
        self._answered = False

    def __enter__(self) -> Tapes:
        return self

    def __exit__(self, *exc: object) -> None:
        for client in self.clients:
            client.meta.events.unregister("after-call", self._after_call)
            client.meta.events.unregister("before-send", self._before_send)
        self.clients.clear()

    @contextlib.contextmanager
    def record(self) -> Iterator[list[Exchange]]:
        """The responses of the calls made inside, in order (moto answers them)."""
        tape: list[Exchange] = []
        original = botocore.client.BaseClient._make_api_call
        tapes = self

        def make_api_call(client: Any, operation: str, params: dict[str, Any]) -> Any:
            tapes._watch(client)
            return original(client, operation, params)

        self._recording = tape
        botocore.client.BaseClient._make_api_call = make_api_call  # type: ignore[method-assign]
        try:
            yield tape
        finally:
            botocore.client.BaseClient._make_api_call = original  # type: ignore[method-assign]
            self._recording = None

    @contextlib.contextmanager
    def replay(self, tape: list[Exchange]) -> Iterator[None]:
        """Answer the calls made inside from `tape`, in order; every exchange must be used, each by its own operation."""
        self._playing = iter(tape)
        try:
            yield
            if next(self._playing, None) is not None:
                raise ReplayDiverged("the handler made fewer AWS calls than were recorded")
        finally:
            self._playing = None

    @contextlib.contextmanager
    def without_moto(self) -> Iterator[None]:
        """moto's own before-send handler out of the way while replaying: botocore calls every before-send handler
        (the first response wins), so moto would otherwise answer every call too, its answer thrown away. A call
        the recording does not answer (a client it did not see) fails instead of reaching moto or the network."""
        stubber = moto.core.models.botocore_stubber
        tapes = self

        def unanswered(request: Any) -> None:
            if not tapes._answered:
                raise ReplayDiverged(f"{request.method} {request.url}: a call on a client the recording did not see")
            tapes._answered = False

        stubber.process_request = unanswered  # type: ignore[method-assign]
        try:
            yield
        finally:
            del stubber.process_request

    def _watch(self, client: Any) -> None:
        if any(c is client for c in self.clients):
            return
        self.clients.append(client)
        client.meta.events.register("after-call", self._after_call)
        client.meta.events.register_first("before-send", self._before_send)

    def _after_call(self, http_response: AWSResponse, model: Any, **_: Any) -> None:
        if self._recording is not None and self._playing is None:
            event = f"before-send.{model.service_model.service_id.hyphenize()}.{model.name}"
            self._recording.append(Exchange(event, http_response.status_code, dict(http_response.headers), http_response.content))

    def _before_send(self, request: Any, event_name: str, **_: Any) -> AWSResponse | None:
        if self._playing is None:
            return None
        exchange = next(self._playing, None)
        if exchange is None or exchange.event != event_name:
            raise ReplayDiverged(f"{event_name}: the recording has {exchange.event if exchange else 'no more calls'} next")
        self._answered = True
        return AWSResponse(request.url, exchange.status, exchange.headers, _Body(exchange.body))


def measure_assess_path(
    batches: int = ASSESS_BATCHES, seconds: float = ASSESS_SECONDS, seed: int = SEED, breakdown: bool = True
) -> dict[str, Any]:
    """AssessAccounts per account, one core: `batches` batches of the template's batch size over a realistic book
    (every stage, holds, promises, reviews), replayed until at least `seconds` of CPU have been spent."""
    shape = daily_run_shape()
    with LocalStack() as stack:
        size = int(stack.params["BatchSize"])
        now = datetime.fromisoformat(RUN_AS_OF.replace("Z", "+00:00"))
        book = realistic_accounts(batches * size, seed=seed)
        load_accounts([(account, now) for account in book])
        stack.pin_configuration(RUN_ID)
        events = [
            {"run_id": RUN_ID, "as_of": RUN_AS_OF, "batch": n, "account_ids": [a.account_id for a in book[i : i + size]]}
            for n, i in enumerate(range(0, len(book), size))
        ]

        def assess(event: dict[str, Any]) -> Any:
            return stack.call_handler(shape.assess, event)

        _warm(stack)
        with Tapes() as tapes:
            recorded = []
            for event in events:
                with tapes.record() as tape:
                    result = assess(event)
                recorded.append((event, tape, result))
            with _as_deployed(), tapes.without_moto():
                for event, tape, result in recorded:  # one untimed pass: the replay gives what the recording gave
                    with tapes.replay(tape):
                        if assess(event) != result:
                            raise ReplayDiverged(f"batch {event['batch']}: the replayed assessment decided otherwise")
                rate, rounds = _timed(lambda: _replay_all(tapes, recorded, assess), len(book), seconds)
                phases = _phases(lambda: _replay_all(tapes, recorded, assess), len(book)) if breakdown else {}
    calls = Counter(e.event.removeprefix("before-send.") for _, tape, _ in recorded for e in tape)
    actions = Counter(d["action"] for _, _, result in recorded for d in result["decisions"])
    return {
        "assess_accounts_per_cpu_second": rate,
        "assess_us_per_account": round(1e6 / rate, 1),
        "accounts": len(book),
        "batch_size": size,
        "rounds": rounds,
        "aws_calls_per_batch": {k: round(v / len(events), 2) for k, v in calls.most_common()},
        "dispatched_per_batch": {k: round(v / len(events), 2) for k, v in actions.most_common()},
        "phases_us_per_account": phases,
    }


def _warm(stack: LocalStack) -> None:
    """A warm container: the run's configuration already read (once per run and container), so every batch makes
    the same calls."""
    from escalation.service import configuration

    configuration.for_run(RUN_ID, stack.function_settings("PlanRunFunction", ("manifest_bucket",)).manifest_bucket)


def _replay_all(tapes: Tapes, recorded: list[tuple[dict[str, Any], list[Exchange], Any]], assess: Callable[[dict], Any]) -> None:
    for event, tape, _ in recorded:
        with tapes.replay(tape):
            assess(event)


@contextlib.contextmanager
def _as_deployed() -> Iterator[None]:
    """Metrics on, as deployed (the local stack turns them off): their EMF lines go to stdout, here to nowhere."""
    before = os.environ.get("POWERTOOLS_METRICS_DISABLED")
    os.environ["POWERTOOLS_METRICS_DISABLED"] = "false"
    try:
        with open(os.devnull, "w") as sink, contextlib.redirect_stdout(sink):
            yield
    finally:
        if before is None:
            del os.environ["POWERTOOLS_METRICS_DISABLED"]
        else:
            os.environ["POWERTOOLS_METRICS_DISABLED"] = before


def _timed(one_round: Callable[[], None], accounts: int, seconds: float) -> tuple[float, int]:
    """Accounts per CPU second over whole rounds, for at least `seconds`; the harness's heap (moto, the book) frozen
    out of the garbage collector, as in the decisions' measurement: a Lambda's heap is a fraction of it."""
    gc.collect()
    gc.freeze()
    try:
        rounds, started = 0, time.process_time()
        while (elapsed := time.process_time() - started) < seconds or rounds == 0:
            one_round()
            rounds += 1
    finally:
        gc.unfreeze()
    return rounds * accounts / elapsed, rounds


# Where the time goes: (phase, module, function). Each is timed exclusive of the others nested in it, so the phases
# add up to the whole; names a module no longer has are skipped (their time falls to "other").
PHASES = (
    ("read: accounts, decoded", "escalation.aws.dynamo", "account_from_item"),
    ("read: accounts, PynamoDB items", "escalation.aws.dynamo", "to_account"),
    ("read: numbers' records", "escalation.aws.numbers", "statuses"),
    ("read: numbers attached", "escalation.aws.numbers", "attach"),
    ("read: the rest of load_many", "escalation.aws.dynamo", "load_many"),
    ("load: calendar, reviews, recovery", "escalation.service.runs", "_load"),
    ("context", "escalation.service.runs", "context_for"),
    ("decide", "escalation.service.runs", "decide"),
    ("next check", "escalation.service.runs", "next_check"),
    ("reschedule (the write's expression)", "escalation.aws.dynamo", "reschedule"),
    ("claims of calls and visits", "escalation.service.queued", "claim_and_queue"),
    ("emit (metrics, JSON)", "escalation.service.runs", "_emit"),
)


def _phases(one_round: Callable[[], None], accounts: int) -> dict[str, float]:
    """µs per account in each phase, from one instrumented round; AWS calls (botocore's request and response
    work, the recorded answer instead of the network) by operation."""
    import importlib

    spent: dict[str, float] = defaultdict(float)
    stack: list[list[float]] = []  # per open phase: [its start, time spent in phases nested in it]

    def timed(phase: Callable[..., str] | str, function: Callable[..., Any]) -> Callable[..., Any]:
        def run(*args: Any, **kwargs: Any) -> Any:
            name = phase(*args) if callable(phase) else phase
            frame = [time.process_time(), 0.0]
            stack.append(frame)
            try:
                return function(*args, **kwargs)
            finally:
                stack.pop()
                total = time.process_time() - frame[0]
                spent[name] += total - frame[1]
                if stack:
                    stack[-1][1] += total

        return run

    patches: list[tuple[Any, str, Any]] = []
    for phase, module_name, name in PHASES:
        module = importlib.import_module(module_name)
        if hasattr(module, name):
            patches.append((module, name, getattr(module, name)))
            setattr(module, name, timed(phase, getattr(module, name)))
    original_call = botocore.client.BaseClient._make_api_call
    patches.append((botocore.client.BaseClient, "_make_api_call", original_call))
    botocore.client.BaseClient._make_api_call = timed(lambda _client, operation, *_: f"aws: {operation}", original_call)  # type: ignore[method-assign]
    try:
        started = time.process_time()
        one_round()
        whole = time.process_time() - started
    finally:
        for owner, name, original in reversed(patches):
            setattr(owner, name, original)
    spent["other (handler, logging, assess's own)"] = whole - sum(spent.values())
    return {name: round(seconds * 1e6 / accounts, 2) for name, seconds in sorted(spent.items(), key=lambda kv: -kv[1])}


if __name__ == "__main__":
    import json
    import sys

    quick = "--quick" in sys.argv
    print(json.dumps(measure_assess_path(ASSESS_QUICK_BATCHES if quick else ASSESS_BATCHES), indent=2))
