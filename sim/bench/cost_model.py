"""The daily run's AWS bill at list prices: pure functions over what the bench counted.

Inputs are counts and sizes measured on the local harness (`sim.bench`): AWS API calls per
function, DynamoDB requests (what they read or wrote), handler durations, item sizes, the
parent execution's state transitions; and the prices in infra/prices.json. Nothing here
talks to AWS or reads a clock, so every figure is reproducible from bench.json.

Modelling choices (each is a named constant or a `Deployment` field, and bench.json repeats them):
- DynamoDB on-demand units follow the documented rounding: reads per 4 KB (eventually
  consistent = half), writes per 1 KB of the larger of the old and new item, a write that
  moves the item in the sparse `due` index also writes the index (delete + put).
- Lambda duration on AWS = the handler's own CPU time, scaled by the CPU share its memory
  size buys (1,769 MB = one vCPU), plus an assumed in-region latency per AWS call, plus any
  time it waits on purpose (the SMS sender's pacing). The harness's wall time is reported
  too (it includes moto answering and thread contention). Every run starts cold, and the
  INIT phase (the handler's import time) is billed at each function's peak concurrency.
- Express children are billed per request and per GB-second (64 MB, 100 ms rounding).
- The alternative design (one Standard execution per account, Wait states between checks)
  makes the same DynamoDB writes, sends and dispatch invocations; it differs in state
  transitions and in one assessment invocation per account instead of one per batch.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path

PRICES_PATH = Path(__file__).resolve().parents[2] / "infra" / "prices.json"

# Lambda allocates CPU in proportion to memory: 1,769 MB buys one full vCPU.
FULL_VCPU_MB = 1769
# Client-side CPU of one AWS SDK call (signing, serializing, parsing), in ms of a full core.
SDK_CPU_MS_PER_CALL = 1.0
# Assumed in-region round trips (ms) on AWS, warm connections; by (service, operation), then by service.
API_LATENCY_MS: dict[tuple[str, str] | str, float] = {
    ("dynamodb", "BatchGetItem"): 12.0,
    ("dynamodb", "Query"): 10.0,
    "dynamodb": 6.0,
    ("sns", "Publish"): 40.0,
    "sns": 20.0,
    "sqs": 12.0,
    ("s3", "GetObject"): 15.0,
    "s3": 30.0,
    "states": 30.0,
}
DEFAULT_LATENCY_MS = 20.0
# Lambda writes START, END and REPORT lines for every invocation, about this many bytes together.
PLATFORM_LOG_BYTES_PER_INVOCATION = 350
# A keys-only index entry carries ~100 bytes of overhead besides its keys (DynamoDB item-size rules).
INDEX_ENTRY_OVERHEAD = 100
# The alternative design's states entered per due account per day besides its actions:
# Wait (until the next check) -> Assess (Lambda) -> ByAction (Choice); then one Task per action, back to Wait.
ALTERNATIVE_STATES_PER_DAY = 3


def load_prices(path: Path = PRICES_PATH) -> dict[str, float]:
    """Price name -> USD per unit, from infra/prices.json."""
    document = json.loads(path.read_text(encoding="utf-8"))
    return {name: float(entry["usd"]) for name, entry in document["prices"].items()}


# ---------------------------------------------------------------------- DynamoDB
@dataclass(frozen=True)
class DynamoCall:
    """One DynamoDB request as it bears on capacity units."""

    operation: str  # GetItem, BatchGetItem, Query, PutItem, UpdateItem, ...
    table: str  # "accounts", "contacts" or "due_index"
    items: int = 1  # items the request read or wrote (BatchGetItem keys, Query results)
    consistent: bool = False
    moves_due_index: bool = False  # a write that sets or removes due_shard/due_at


@dataclass(frozen=True)
class ItemSizes:
    """Representative item sizes in bytes (DynamoDB's item-size rules), measured on the harness."""

    account: float
    contact: float
    due_entry: float


READS = frozenset({"GetItem", "BatchGetItem", "Query", "Scan"})
WRITES = frozenset({"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem"})


def read_units(item_bytes: float, consistent: bool) -> float:
    """Read request units for reading this many bytes at once (4 KB steps; eventually consistent = half)."""
    units = max(1, math.ceil(item_bytes / 4096))
    return float(units) if consistent else units / 2


def write_units(item_bytes: float) -> int:
    """Write request units for writing one item of this size (1 KB steps)."""
    return max(1, math.ceil(item_bytes / 1024))


def dynamodb_units(calls: Mapping[DynamoCall, float], sizes: ItemSizes) -> tuple[float, float]:
    """(read request units, write request units) of these requests (each with how many times it was made)."""
    size_of = {"accounts": sizes.account, "contacts": sizes.contact, "due_index": sizes.due_entry}
    rru = wru = 0.0
    for call, count in calls.items():
        size = size_of.get(call.table, sizes.account)
        if call.operation in ("GetItem", "BatchGetItem"):
            # BatchGetItem rounds every item up on its own, like GetItem.
            rru += count * max(call.items, 1) * read_units(size, call.consistent)
        elif call.operation in ("Query", "Scan"):
            # Query and Scan round the whole page's data up once.
            rru += count * read_units(call.items * size, call.consistent)
        elif call.operation in ("PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem"):
            wru += count * max(call.items, 1) * write_units(size)
            if call.moves_due_index:
                wru += count * 2 * write_units(sizes.due_entry)
        elif call.operation == "TransactWriteItems":
            wru += count * max(call.items, 1) * 2 * write_units(size)  # transactions write at twice the units
            if call.moves_due_index:  # the due index's delete + put, counted at the transactional rate too (conservative)
                wru += count * 2 * 2 * write_units(sizes.due_entry)
        elif call.operation == "TransactGetItems":
            rru += count * max(call.items, 1) * 2 * read_units(size, True)
    return rru, wru


def item_bytes(item: Mapping[str, object]) -> int:
    """An item's size by DynamoDB's rules, from its low-level form ({"name": {"S": "..."}})."""
    return sum(len(name.encode()) + _value_bytes(value) for name, value in item.items())


def _value_bytes(value: object) -> int:
    (kind, raw), *_ = value.items()  # type: ignore[attr-defined]
    if kind == "S":
        return len(str(raw).encode())
    if kind == "N":
        digits = len(str(raw).lstrip("-").replace(".", "").lstrip("0")) or 1
        return 1 + math.ceil(digits / 2)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "B":
        return len(raw)  # type: ignore[arg-type]
    if kind == "M":
        return 3 + sum(1 + len(k.encode()) + _value_bytes(v) for k, v in raw.items())  # type: ignore[attr-defined]
    if kind == "L":
        return 3 + sum(1 + _value_bytes(v) for v in raw)  # type: ignore[attr-defined]
    if kind in ("SS", "NS", "BS"):
        return sum(len(str(v).encode()) for v in raw)  # type: ignore[attr-defined]
    raise ValueError(f"unknown DynamoDB type {kind!r}")


# ---------------------------------------------------------------------- usage and its price
@dataclass(frozen=True)
class Usage:
    """Billable quantities (per run or per day)."""

    standard_transitions: float = 0.0
    express_requests: float = 0.0
    express_gb_seconds: float = 0.0
    lambda_requests: float = 0.0
    lambda_gb_seconds: float = 0.0
    dynamodb_rru: float = 0.0
    dynamodb_wru: float = 0.0
    sqs_requests: float = 0.0
    s3_put_requests: float = 0.0  # PUT, COPY, POST and LIST
    s3_get_requests: float = 0.0

    def __add__(self, other: Usage) -> Usage:
        return Usage(**{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)})

    def __sub__(self, other: Usage) -> Usage:
        return self + other.scaled(-1)

    def scaled(self, factor: float) -> Usage:
        return Usage(**{f.name: getattr(self, f.name) * factor for f in fields(self)})

    def as_dict(self) -> dict[str, float]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def cost_usd(usage: Usage, prices: Mapping[str, float]) -> dict[str, float]:
    """Dollars by service, and their total."""
    by_service = {
        "step_functions": usage.standard_transitions * prices["stepfunctions_standard_transition"]
        + usage.express_requests * prices["stepfunctions_express_request"]
        + usage.express_gb_seconds * prices["stepfunctions_express_gb_second"],
        "lambda": usage.lambda_requests * prices["lambda_request"] + usage.lambda_gb_seconds * prices["lambda_arm64_gb_second"],
        "dynamodb": usage.dynamodb_rru * prices["dynamodb_ondemand_rru"] + usage.dynamodb_wru * prices["dynamodb_ondemand_wru"],
        "sqs": usage.sqs_requests * prices["sqs_standard_request"],
        "s3": usage.s3_put_requests * prices["s3_put_request"] + usage.s3_get_requests * prices["s3_get_request"],
    }
    return by_service | {"total": sum(by_service.values())}


def logs_usd(app_log_bytes: float, invocations: float, prices: Mapping[str, float]) -> float:
    """CloudWatch Logs ingestion of the functions' own log records plus Lambda's per-invocation lines (GB = 10^9 bytes)."""
    return (app_log_bytes + invocations * PLATFORM_LOG_BYTES_PER_INVOCATION) / 1e9 * prices["cloudwatch_logs_ingest_gb"]


def sms_fee_per_1000(prices: Mapping[str, float], parts_per_message: float = 1.0) -> float:
    """SMS fees for 1,000 US texts (base price plus carrier fee, per part)."""
    return 1000 * parts_per_message * (prices["sms_us_base_per_part"] + prices["sms_us_carrier_fee_per_part"])


def lambda_gb_seconds(duration_ms: float, memory_mb: int) -> float:
    """GB-seconds of one invocation (duration billed in 1 ms steps)."""
    return math.ceil(duration_ms) / 1000 * memory_mb / 1024


def express_gb_seconds(duration_ms: float, memory_mb: int = 64) -> float:
    """GB-seconds of one Express execution (100 ms steps, memory in 64 MB chunks)."""
    billed_mb = max(1, math.ceil(memory_mb / 64)) * 64
    return max(1, math.ceil(duration_ms / 100)) * 0.1 * billed_mb / 1024


def api_latency_ms(service: str, operation: str) -> float:
    return API_LATENCY_MS.get((service, operation), API_LATENCY_MS.get(service, DEFAULT_LATENCY_MS))


def modelled_duration_ms(code_cpu_ms: float, calls: Mapping[tuple[str, str], float], memory_mb: int, idle_ms: float = 0.0) -> float:
    """A handler's duration on AWS: its CPU (own code + SDK) at its memory's CPU share, the calls' round trips,
    and the time it waits on purpose (`idle_ms`, e.g. pacing SMS sends), which is billed like the rest."""
    slowdown = max(1.0, FULL_VCPU_MB / memory_mb)
    n_calls = sum(calls.values())
    cpu = (code_cpu_ms + n_calls * SDK_CPU_MS_PER_CALL) * slowdown
    return cpu + sum(n * api_latency_ms(s, o) for (s, o), n in calls.items()) + idle_ms


# ---------------------------------------------------------------------- a measured daily run
# Where a function runs: once a run, once per Map child, once per decision in a child, or per batch of
# messages from the SMS outbox (outside the run; Lambda's SQS event source).
RUN, BATCH, ACTION, OUTBOX = "run", "batch", "action", "outbox"
# Lambda's SQS event source polls an empty queue with long polls (20 s) from about five pollers:
# ~15 ReceiveMessage a minute whatever the traffic (an assumption: AWS does not publish the number).
ESM_IDLE_RECEIVES_PER_DAY = 5 * 3 * 60 * 24
# Per batch the event source takes from the queue: one ReceiveMessage and one DeleteMessageBatch.
ESM_REQUESTS_PER_BATCH = 2


@dataclass(frozen=True)
class Deployment:
    """What the template deploys, as it bears on cost (the bench reads these from template.yaml and the ASL)."""

    lambda_memory_mb: int = 256  # Globals
    express_memory_mb: int = 64
    runs_per_day: int = 5
    batch_size: int = 100
    map_max_concurrency: int = 40
    inline_max_concurrency: int = 10
    # Assumed: a Distributed Map is charged one parent state transition per child it starts.
    parent_transitions_per_child: float = 1.0
    include_cold_starts: bool = True
    sms_senders: int = 4  # the SMS sender's reserved concurrency (SmsSenders)
    memory_mb: Mapping[str, int] = field(default_factory=dict)  # functions whose MemorySize is not the Globals'

    def memory_of(self, function: str) -> int:
        return self.memory_mb.get(function, self.lambda_memory_mb)


@dataclass(frozen=True)
class RunCounts:
    """One measured daily run: what it did, per function."""

    due_accounts: int
    batches: int
    parent_transitions: int  # states entered by the Standard parent (execution history)
    roles: Mapping[str, str]  # function -> RUN | BATCH | ACTION
    invocations: Mapping[str, int]  # function -> invocations
    duration_ms: Mapping[str, float]  # function -> duration per invocation on AWS (mean)
    calls: Mapping[tuple[str, str, str], int]  # (function, service, operation) -> count
    dynamodb: Mapping[tuple[str, DynamoCall], int]  # (function, request) -> count
    init_ms: Mapping[str, float] = field(default_factory=dict)  # function -> cold-start init (import) time
    assess_function: str = "AssessAccountsFunction"
    outbox_messages: int = 0  # SMS decisions the run posted to the outbox (each one a message to the senders)

    def functions(self, *roles: str) -> list[str]:
        return [f for f in self.invocations if self.roles.get(f, ACTION) in roles]

    def child_duration_at(self, inline_concurrency: int) -> float:
        """One Map child on AWS: its per-batch functions, then its decisions in waves of the inline Map's concurrency."""
        per_batch = sum(self.duration_ms.get(f, 0.0) for f in self.functions(BATCH))
        actions = self.functions(ACTION)
        n_actions = sum(self.invocations[f] for f in actions)
        if not n_actions:
            return per_batch
        mean_action = sum(self.invocations[f] * self.duration_ms.get(f, 0.0) for f in actions) / n_actions
        waves = math.ceil(n_actions / max(self.batches, 1) / inline_concurrency)
        return per_batch + waves * mean_action


def _function_usage(run: RunCounts, sizes: ItemSizes, deployment: Deployment, functions: Iterable[str]) -> Usage:
    """The Lambda, DynamoDB, SQS and S3 usage of these functions in the measured run."""
    chosen = set(functions)
    invocations = sum(n for f, n in run.invocations.items() if f in chosen)
    gb_s = sum(
        n * lambda_gb_seconds(run.duration_ms.get(f, 0.0), deployment.memory_of(f)) for f, n in run.invocations.items() if f in chosen
    )
    requests: dict[DynamoCall, float] = {}
    for (function, call), n in run.dynamodb.items():
        if function in chosen:
            requests[call] = requests.get(call, 0) + n
    rru, wru = dynamodb_units(requests, sizes)

    def count(service: str, operations: Iterable[str] | None = None) -> float:
        ops = set(operations) if operations is not None else None
        return sum(n for (f, s, o), n in run.calls.items() if f in chosen and s == service and (ops is None or o in ops))

    return Usage(
        lambda_requests=invocations,
        lambda_gb_seconds=gb_s,
        dynamodb_rru=rru,
        dynamodb_wru=wru,
        sqs_requests=count("sqs"),
        s3_put_requests=count("s3", ("PutObject", "CopyObject", "ListObjectsV2", "ListObjects")),
        s3_get_requests=count("s3", ("GetObject", "HeadObject")),
    )


def function_usage(run: RunCounts, sizes: ItemSizes, deployment: Deployment, functions: Iterable[str]) -> Usage:
    """The Lambda, DynamoDB, SQS and S3 usage of these functions in the measured run (sim.bench.monthly uses it)."""
    return _function_usage(run, sizes, deployment, functions)


def run_fixed_usage(run: RunCounts, sizes: ItemSizes, deployment: Deployment) -> Usage:
    """What every run costs whatever its size: the once-per-run functions, the parent's own transitions, reading the manifest."""
    own = _function_usage(run, sizes, deployment, run.functions(RUN))
    return own + Usage(standard_transitions=run.parent_transitions, s3_get_requests=1)


def run_variable_usage(run: RunCounts, sizes: ItemSizes, deployment: Deployment) -> Usage:
    """What the measured run's due accounts cost: the per-batch, per-decision and outbox functions, the Express
    children, and the SQS event source's receive and delete per outbox batch."""
    own = _function_usage(run, sizes, deployment, run.functions(BATCH, ACTION, OUTBOX))
    outbox_batches = sum(run.invocations[f] for f in run.functions(OUTBOX))
    own = own + Usage(sqs_requests=ESM_REQUESTS_PER_BATCH * outbox_batches)
    children = Usage(
        standard_transitions=run.batches * deployment.parent_transitions_per_child,
        express_requests=run.batches,
        express_gb_seconds=run.batches
        * express_gb_seconds(run.child_duration_at(deployment.inline_max_concurrency), deployment.express_memory_mb),
    )
    return own + children


def cold_start_usage(run: RunCounts, deployment: Deployment, due_per_run: float) -> Usage:
    """Init time billed for cold starts (runs are hours apart, so every run starts cold), at each function's peak concurrency."""
    if not deployment.include_cold_starts or not run.init_ms:
        return Usage()
    children = math.ceil(due_per_run / deployment.batch_size) if due_per_run > 0 else 0
    map_children = min(children, deployment.map_max_concurrency)
    peak = {RUN: 1, BATCH: map_children, ACTION: map_children * deployment.inline_max_concurrency, OUTBOX: deployment.sms_senders}
    gb_s = 0.0
    for function, n in run.invocations.items():
        role = run.roles.get(function, ACTION)
        per_run = n if role == RUN else n * due_per_run / max(run.due_accounts, 1)
        cold = min(math.ceil(per_run), peak[role])
        gb_s += cold * lambda_gb_seconds(run.init_ms.get(function, 0.0), deployment.memory_of(function))
    return Usage(lambda_gb_seconds=gb_s)


def daily_usage(run: RunCounts, sizes: ItemSizes, deployment: Deployment, due_per_day: float) -> Usage:
    """A day of runs with `due_per_day` due accounts spread over the day's runs, scaled from the measured run."""
    per_account = run_variable_usage(run, sizes, deployment).scaled(1 / max(run.due_accounts, 1))
    due_per_run = due_per_day / deployment.runs_per_day
    fixed = run_fixed_usage(run, sizes, deployment) + cold_start_usage(run, deployment, due_per_run)
    idle_polling = Usage(sqs_requests=ESM_IDLE_RECEIVES_PER_DAY) if run.functions(OUTBOX) else Usage()
    return fixed.scaled(deployment.runs_per_day) + idle_polling + per_account.scaled(due_per_day)


def per_account_execution_usage(run: RunCounts, sizes: ItemSizes, deployment: Deployment, due_per_day: float) -> Usage:
    """The same day for the alternative design: one Standard execution per account, Wait states between checks.

    Per due account and day: the states of ALTERNATIVE_STATES_PER_DAY plus one Task per action;
    one assessment invocation (this account's share of a batch assessment, plus one GetItem
    round trip) and the same dispatch invocations; the same DynamoDB, SQS and SMS work. No
    plan, no manifest, no Map children, no per-batch bookkeeping. Cold starts are left out
    (they would only add to its cost).
    """
    per_due = 1 / max(run.due_accounts, 1)
    action_functions = run.functions(ACTION, OUTBOX)  # its Tasks send the same texts and queue the same work
    actions = (sum(run.invocations[f] for f in run.functions(ACTION)) + run.outbox_messages) * per_due
    dispatch = _function_usage(run, sizes, deployment, action_functions).scaled(per_due)
    assess = _function_usage(run, sizes, deployment, [run.assess_function]).scaled(per_due)
    accounts_per_batch = run.due_accounts / max(run.invocations.get(run.assess_function, 1), 1)
    assess_ms = run.duration_ms.get(run.assess_function, 0.0) / max(accounts_per_batch, 1) + api_latency_ms("dynamodb", "GetItem")
    own_assess = Usage(
        lambda_requests=1,
        lambda_gb_seconds=lambda_gb_seconds(assess_ms, deployment.memory_of(run.assess_function)),
        dynamodb_rru=assess.dynamodb_rru,  # the same item reads, one GetItem each instead of a share of a batch
        dynamodb_wru=assess.dynamodb_wru,
    )
    transitions = Usage(standard_transitions=ALTERNATIVE_STATES_PER_DAY + actions)
    return (dispatch + own_assess + transitions).scaled(due_per_day)


def cost_per_1000_due(run: RunCounts, sizes: ItemSizes, deployment: Deployment, prices: Mapping[str, float]) -> dict[str, float]:
    """Dollars per day for 1,000 due accounts a day (excluding SMS fees), by service."""
    return cost_usd(daily_usage(run, sizes, deployment, 1000), prices)


def logs_per_1000_due(run: RunCounts, app_log_bytes: float, deployment: Deployment, prices: Mapping[str, float]) -> float:
    """CloudWatch Logs dollars per day for 1,000 due accounts, from the measured run's log bytes (scaled with the due accounts)."""
    invocations = daily_usage(run, ItemSizes(0, 0, 0), deployment, 1000).lambda_requests
    return logs_usd(app_log_bytes / max(run.due_accounts, 1) * 1000, invocations, prices)


def cost_ratio_vs_per_account_execution(
    run: RunCounts, sizes: ItemSizes, deployment: Deployment, prices: Mapping[str, float], due_per_day: float = 1000
) -> float:
    """How many times the per-account-execution design costs what this one does (excluding SMS fees)."""
    ours = cost_usd(daily_usage(run, sizes, deployment, due_per_day), prices)["total"]
    theirs = cost_usd(per_account_execution_usage(run, sizes, deployment, due_per_day), prices)["total"]
    return theirs / ours if ours else math.inf
