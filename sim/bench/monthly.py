"""The monthly bill with nothing left out: a book at steady state (retention reached), every line item.

    python -m sim.bench.monthly [--bench out/bench-quick/bench.json] [--json]

prints the bill of books of 10,000, 100,000 and 1,000,000 accounts from the measured inputs a bench run
stored in bench.json (`cost_details.steady_state.measured`), or from DEFAULT_MEASURED (the quick bench of
2026-12-04) when there is none; prices are infra/prices.json's as they are now.

What flows in from the bench run (`Measured`, built by `measured_from_run`): the daily run's usage per
contacted account and per run (sim.bench.cost_model over the run's counted calls and modelled durations),
the measured item sizes and log bytes, the actions per contacted account, and a realistic day of the
book (sim.bench.parts: the due and contacted shares, SMS parts per text per profile, rendered by the
product's own renderer). Everything else is an assumption (`Assumptions`), and every line item says which
it rests on; the template's facts (alarms, dashboards, keys, tables with PITR, retention days, lifecycle)
are read from template.yaml and infra/observability.yaml (`template_facts`).

A book of N accounts: N x due_share accounts are due a day (their due-index instant has come), of which
contacted_share_of_due get at least one action (at the run's measured usage per contacted account) and the
rest a skip and a reschedule (the assessment's share and one index-moving write). Storage is at steady state:
the contact log's table at its TTL (AuditTableDays, plus the TTL sweeper's lag), the archive at each
profile's retention (CN 5, US 3, EU 6 years: escalation.domain.profiles) for the book's profile mix, PITR
on every table's size. Fixed monthly costs (metrics, alarms, the dashboard, the KMS key) are counted once
whatever the book. SMS fees are their own lines (per country, per part), outside the per-1,000 figure.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import re
import sys
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from . import cost_model
from .cost_model import ACTION, BATCH, OUTBOX, RUN, Deployment, DynamoCall, ItemSizes, RunCounts, Usage
from .parts import RealisticDay

DAYS_PER_MONTH = 365 / 12
GIB = 2**30
BOOKS = {"10k": 10_000, "100k": 100_000, "1M": 1_000_000}
DESIGN_DUE_PER_DAY = 1_000_000  # the per-1,000 figure's volume (docs/SCALING.md)
RETENTION_YEARS = {"CN": 5, "US": 3, "EU": 6}  # escalation.domain.profiles (read from there when importable)
ARCHIVE_KINDS = ("contact", "receipt", "event")  # one object per (kind, profile, day) per stream batch
# JSON bytes of an archived record and gzip's ratio by records per object, measured on `make demo`'s contacts.jsonl
# (2026-12-04: 518 B a line; 0.121 at 50 lines an object, 0.093 at 200, 0.085 at 1,000). 1 and 10 lines: estimates.
ARCHIVE_JSON_BYTES_PER_RECORD = 520
GZIP_RATIO_BY_RECORDS = ((1, 0.60), (10, 0.25), (50, 0.121), (200, 0.093), (1000, 0.085))
GLACIER_IR_MIN_OBJECT_BYTES = 128 * 1024  # S3 lifecycle leaves smaller objects where they are (default since 2024-09)
DYNAMODB_ITEM_OVERHEAD = 100  # bytes DynamoDB adds to each item and index entry for storage


@dataclass(frozen=True)
class Assumptions:
    """What the bench does not measure. Each one is printed beside the bill (bench.json, docs/SCALING.md)."""

    # The book (the realistic day overrides the shares it measures).
    due_share: float = 0.622  # accounts due a day, per account of the book (realistic day)
    contacted_share_of_due: float = 0.865  # (realistic day)
    profile_mix: Mapping[str, float] = field(default_factory=lambda: {"CN": 0.6, "US": 0.25, "EU": 0.15})  # sim.bench.accounts.MARKETS
    eu_country_mix: Mapping[str, float] = field(default_factory=lambda: {"GB": 0.5, "DE": 0.5})  # the bench's EU numbers: London, Berlin
    # Borrower events (the core system and the channels).
    borrower_events_per_account_month: float = 2.0  # payments, promises, disputes, opt-outs, enrolments, from the core system
    outcome_events_per_call: float = 1.0  # the dialer reports every queued call's outcome as an event
    outcome_events_per_visit: float = 1.0
    replies_per_text: float = 0.02  # two-way SMS: borrowers who reply (each forwarded to the bus as an event)
    events_per_ingest_invocation: float = 5.0  # SQS batches of up to 10, smaller when traffic is thin
    ingest_ms_per_event: float = 60.0  # modelled: GetItem + TransactWriteItems round trips and parsing at 256 MB
    event_entry_bytes: float = 300.0  # an applied-event entry in the contact log (DynamoDB item size)
    # Delivery receipts (SNS delivery-status logs -> RecordDeliveryReceipts).
    receipts_per_text: float = 1.0
    receipt_log_bytes: float = 750.0  # one SNS delivery-status JSON record in CloudWatch Logs
    receipts_per_invocation: float = 50.0  # a CloudWatch Logs subscription batch
    receipt_ms: float = 20.0  # per receipt: Query on by_sms_message_id, conditional PutItem, CPU, at 512 MB
    receipt_memory_mb: int = 512  # template: RecordDeliveryReceiptsFunction
    receipt_entry_bytes: float = 250.0
    failed_delivery_share: float = 0.03  # receipts that update the number's record
    sms_index_entry_bytes: float = 230.0  # by_sms_message_id entry: keys, sms_message_id, `to`, + 100 B
    # The contact log's table, its TTL and the archive.
    audit_table_days: float = 35.0  # template AuditTableDays (read from template.yaml when it has it)
    ttl_lag_days: float = 2.0  # DynamoDB deletes expired items within a few days, typically ~48 h
    archive_batch_records: int = 1000  # stream batch size of the archive function
    archive_active_minutes_per_day: float = 720.0  # minutes a day the log is written (runs, sends, receipts, events)
    archive_records_per_stream_shard_day: float = 250_000.0  # stream shards ~ table partitions (DynamoDB splits past ~1,000 WRU/s)
    archive_ms_per_object: float = 35.0  # one gzip + PutObject round trip
    archive_ms_per_record: float = 0.05
    archive_memory_mb: int = 256
    archive_stream_filter: bool = True  # INSERT-only event filter: the TTL deletions' REMOVE records do not invoke it
    glacier_ir_after_days: float = 90.0  # archive lifecycle (read from template.yaml when the bucket is there)
    # Run files (manifest, batch summaries, outcomes, reports) kept 400 days (template ManifestBucket lifecycle).
    run_file_bytes_per_due: float = 100.0
    # Items that are not measured.
    closed_number_share: float = 0.05  # of the book's numbers: carry a suppression record (opt-out, wrong, failing)
    number_item_bytes: float = 150.0
    due_index_share: float = 0.9  # of the book: accounts carrying a due key (on hold, referred, settled carry none)
    by_phone_entry_bytes: float = 140.0  # keys-only entry: phone, account_id, + 100 B
    # Legal reviews (Standard execution each: reviewer notice by e-mail, decision, referral or back to the ladder).
    legal_review_transitions: float = 5.0
    legal_review_lambda_gb_s: float = 0.05
    # Logs.
    new_function_log_bytes_per_invocation: float = 300.0  # functions the bench does not run (ingest, receipts, archive)
    lambda_log_retention_days: float = 365.0  # template sets none: /aws/lambda groups never expire unless a retention is set
    log_storage_compression: float = 0.15  # CloudWatch Logs bills stored logs compressed
    # X-Ray: active tracing everywhere; the default rule samples 1 request a second and 5% of the rest.
    xray_reservoir_per_second: float = 1.0
    xray_rate: float = 0.05
    async_active_hours_per_day: float = 12.0  # hours a day the queue- and log-driven functions are busy
    xray_traces_per_map_child: float = 1.0  # each Express child its own trace (conservative)
    # KMS (customer managed key on the tables, queues, topics, buckets, environment, SMS delivery logs).
    kms_requests_per_cold_start: float = 2.0  # environment variables' Decrypt, first data keys
    kms_baseline_requests_per_day: float = 20_000.0  # DynamoDB table keys, SQS data-key reuse (5 min), Logs: cached, re-fetched
    kms_key_rotations_billed: int = 2  # yearly rotation: $1 a month more per rotation, capped at two
    # AppConfig: PlanRun reads it once a run; IngestEvents and the legal functions keep it 30 s (lender_config.py).
    appconfig_warm_containers: float = 5.0
    appconfig_polls_per_container_day: float = 2880.0
    appconfig_sessions_per_day: float = 30.0  # cold starts of the reading functions, each a configuration received
    # Metrics: distinct dimension values billed a month (the day's sample sees fewer skip reasons).
    skip_reasons_per_month: int = 15
    dispatch_outcomes: int = 5  # sent, skipped, duplicate, recovered, failed (escalation.observability)
    delivery_outcomes: int = 4  # pending, delivered, failed, unknown (escalation.domain.receipts.Delivery)
    # SMS: origination identities a book needs (docs/SCALING.md 2.6): a 10DLC number and campaign, or a short code.
    short_code_from_texts_per_day: float = 50_000.0

    def as_dict(self) -> dict[str, Any]:
        return {f.name: (dict(v) if isinstance(v := getattr(self, f.name), Mapping) else v) for f in fields(self)}


@dataclass(frozen=True)
class TemplateFacts:
    """What template.yaml and infra/observability.yaml deploy, as it bears on the fixed and storage lines."""

    alarm_metrics: int = 24  # metrics read by every AWS::CloudWatch::Alarm (a metric-math alarm: each of its metrics)
    alarms: int = 9
    dashboards: int = 1
    kms_keys: int = 1
    tables_with_pitr: tuple[str, ...] = ("AccountsTable", "ContactsTable", "NumbersTable")
    contacts_stream: bool = True
    archive_bucket: bool = True
    audit_table_days: float | None = None
    glacier_ir_after_days: float | None = None
    run_files_days: float = 400.0
    sms_delivery_log_days: float = 30.0
    lambda_log_retention_days: float | None = None  # None: the template sets none
    tracing: bool = True
    schedules: int = 5

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Measured:
    """What the bench run measured, per unit, in a form bench.json can hold and `python -m sim.bench.monthly` re-price."""

    run_per_contacted: Usage  # the daily run's variable usage per contacted due account
    run_per_skipped: Usage  # per due account with nothing to do: its share of a batch, a reschedule
    run_fixed_per_run: Usage
    idle_per_day: Usage  # the SMS outbox's event source polling
    cold_base_gb_s: float  # INIT GB-s a run with no due accounts (the once-a-run functions)
    cold_per_child_gb_s: float  # INIT GB-s per Map child started, up to the Map's concurrency
    cold_peak_gb_s: float  # INIT GB-s a run at full concurrency
    per_account_execution_per_due: Usage  # the alternative design, per due account and day
    invocations_per_contacted: float
    sizes: ItemSizes
    log_bytes_per_due: float  # the functions' own log records and EMF lines in the run
    actions_per_contacted: Mapping[str, float]  # sms, call, visit, legal_review
    runs_per_day: int
    batch_size: int
    map_max_concurrency: int
    day: RealisticDay
    outbox_invocations_per_contacted: float = 0.0  # the SMS senders' invocations (queue-fed: X-Ray samples them)

    def as_dict(self) -> dict[str, Any]:
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        for name, value in out.items():
            if isinstance(value, Usage):
                out[name] = value.as_dict()
        return out | {"sizes": asdict(self.sizes), "day": self.day.as_dict(), "actions_per_contacted": dict(self.actions_per_contacted)}

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> Measured:
        values = dict(raw)
        for f in fields(cls):
            if f.type in ("Usage", Usage):
                values[f.name] = Usage(**values[f.name])
        values["sizes"] = ItemSizes(**values["sizes"])
        values["day"] = RealisticDay.from_dict(values["day"])
        return cls(**values)


# ---------------------------------------------------------------------- from the bench run
def measured_from_run(counts: RunCounts, run: Any, deployment: Deployment, day: RealisticDay) -> Measured:
    """The per-unit inputs of the bill from a measured run (`run`: sim.bench.daily_run.DailyRun)."""
    sizes = run.sizes
    due = max(counts.due_accounts, 1)
    contacted = max(run.contacted_accounts, 1)
    per_due_variable = cost_model.run_variable_usage(counts, sizes, deployment).scaled(1 / due)
    # Every due account of the e2e run is contacted: its variable usage per due account is per contacted account.
    per_contacted = per_due_variable.scaled(due / contacted)
    # A skipped account's share of its batch: the batch functions' reads and time (their writes are the contacted
    # accounts': claims and records when the batch dispatches calls and visits itself), and one reschedule.
    batch = replace(cost_model.function_usage(counts, sizes, deployment, counts.functions(BATCH)), dynamodb_wru=0.0).scaled(1 / due)
    children = cost_model.run_variable_usage(counts, sizes, deployment) - cost_model.function_usage(
        counts, sizes, deployment, counts.functions(BATCH, ACTION, OUTBOX)
    )
    children = replace(children, sqs_requests=0.0).scaled(1 / due)  # the Express children's share (the outbox's ESM is the texts')
    reschedule = cost_model.dynamodb_units({DynamoCall("UpdateItem", "accounts", moves_due_index=True): 1}, sizes)
    per_skipped = batch + children + Usage(dynamodb_wru=reschedule[1])
    cold = [cost_model.cold_start_usage(counts, deployment, d).lambda_gb_seconds for d in (0, deployment.batch_size, 10**9)]
    actions = {a: n / contacted for a, n in sorted(run.contacts.items())}
    actions.setdefault("legal_review", day.actions_per_contacted.get("legal_review", 0.0))
    invocations = sum(n for f, n in counts.invocations.items() if counts.roles.get(f, ACTION) != RUN) / contacted
    return Measured(
        run_per_contacted=per_contacted,
        run_per_skipped=per_skipped,
        run_fixed_per_run=cost_model.run_fixed_usage(counts, sizes, deployment),
        idle_per_day=Usage(sqs_requests=cost_model.ESM_IDLE_RECEIVES_PER_DAY) if counts.functions(OUTBOX) else Usage(),
        cold_base_gb_s=cold[0],
        cold_per_child_gb_s=max(cold[1] - cold[0], 0.0),
        cold_peak_gb_s=cold[2],
        per_account_execution_per_due=cost_model.per_account_execution_usage(counts, sizes, deployment, 1),
        invocations_per_contacted=invocations,
        sizes=sizes,
        log_bytes_per_due=run.log_bytes / due,
        actions_per_contacted=actions,
        runs_per_day=deployment.runs_per_day,
        batch_size=deployment.batch_size,
        map_max_concurrency=deployment.map_max_concurrency,
        day=day,
        outbox_invocations_per_contacted=sum(counts.invocations[f] for f in counts.functions(OUTBOX)) / contacted,
    )


def assumptions_from(day: RealisticDay, facts: TemplateFacts, base: Assumptions | None = None) -> Assumptions:
    """The default assumptions with what the realistic day measured and what the template sets."""
    base = base or Assumptions()
    changes: dict[str, Any] = {"due_share": day.due_share, "contacted_share_of_due": day.contacted_share_of_due}
    if day.profile_share:
        changes["profile_mix"] = dict(day.profile_share)
    if facts.audit_table_days is not None:
        changes["audit_table_days"] = facts.audit_table_days
    if facts.glacier_ir_after_days is not None:
        changes["glacier_ir_after_days"] = facts.glacier_ir_after_days
    if facts.lambda_log_retention_days is not None:
        changes["lambda_log_retention_days"] = facts.lambda_log_retention_days
    return replace(base, **changes)


# ---------------------------------------------------------------------- the template's facts
def template_facts(template: Mapping[str, Any] | None = None, observability: Mapping[str, Any] | None = None) -> TemplateFacts:
    """Alarms, dashboards, keys, PITR, streams, TTL days, lifecycles and log retention, as deployed."""
    from ..local.template import ROOT, load_template, resources_of_type

    template = template if template is not None else load_template()
    if observability is None:
        nested = resources_of_type(template, "AWS::Serverless::Application")  # type: ignore[arg-type]
        location = next(
            (r["Properties"].get("Location") for r in nested.values() if isinstance(r["Properties"].get("Location"), str)), None
        )
        observability = load_template(ROOT / location) if location else {}
    both = (template, observability)
    alarms = [r for t in both for r in resources_of_type(t, "AWS::CloudWatch::Alarm").values()]  # type: ignore[arg-type]
    alarm_metrics = sum(sum(1 for m in a["Properties"].get("Metrics", []) if "MetricStat" in m) or 1 for a in alarms)
    tables = resources_of_type(template, "AWS::DynamoDB::Table")  # type: ignore[arg-type]
    pitr = tuple(
        name
        for name, t in sorted(tables.items())
        if t["Properties"].get("PointInTimeRecoverySpecification", {}).get("PointInTimeRecoveryEnabled") is True
    )
    contacts = tables.get("ContactsTable", {}).get("Properties", {})
    buckets = resources_of_type(template, "AWS::S3::Bucket")  # type: ignore[arg-type]
    archive = next((b["Properties"] for b in buckets.values() if b["Properties"].get("ObjectLockEnabled")), None)
    glacier_days = None
    if archive:
        for rule in archive.get("LifecycleConfiguration", {}).get("Rules", []):
            for transition in rule.get("Transitions", []) or ([rule["Transition"]] if "Transition" in rule else []):
                if transition.get("StorageClass") == "GLACIER_IR" and _number(transition.get("TransitionInDays")) is not None:
                    glacier_days = _number(transition["TransitionInDays"])
    run_files = [
        _number(rule.get("ExpirationInDays"))
        for b in buckets.values()
        if not b["Properties"].get("ObjectLockEnabled")
        for rule in b["Properties"].get("LifecycleConfiguration", {}).get("Rules", [])
    ]
    groups = resources_of_type(template, "AWS::Logs::LogGroup")  # type: ignore[arg-type]
    sms_days = [_number(g["Properties"].get("RetentionInDays")) for n, g in groups.items() if n.startswith("SmsDelivery")]
    functions = resources_of_type(template, "AWS::Serverless::Function")  # type: ignore[arg-type]
    lambda_days = [
        _number(g["Properties"].get("RetentionInDays")) for g in groups.values() if "/aws/lambda/" in json.dumps(g["Properties"])
    ]
    parameters = template.get("Parameters", {})
    audit_days = _number(parameters.get("AuditTableDays", {}).get("Default"))
    return TemplateFacts(
        alarm_metrics=alarm_metrics,
        alarms=len(alarms),
        dashboards=sum(len(resources_of_type(t, "AWS::CloudWatch::Dashboard")) for t in both),  # type: ignore[arg-type]
        kms_keys=sum(len(resources_of_type(t, "AWS::KMS::Key")) for t in both),  # type: ignore[arg-type]
        tables_with_pitr=pitr,
        contacts_stream="StreamSpecification" in contacts,
        archive_bucket=archive is not None,
        audit_table_days=audit_days,
        glacier_ir_after_days=glacier_days,
        run_files_days=next((d for d in run_files if d is not None), 400.0),
        sms_delivery_log_days=next((d for d in sms_days if d is not None), 30.0),
        lambda_log_retention_days=min((d for d in lambda_days if d is not None), default=None)
        if len([d for d in lambda_days if d is not None]) >= len(functions)
        else None,
        tracing=template.get("Globals", {}).get("Function", {}).get("Tracing") == "Active",
        schedules=sum(
            1
            for m in resources_of_type(template, "AWS::Serverless::StateMachine").values()
            for e in m["Properties"].get("Events", {}).values()
        ),  # type: ignore[arg-type]
    )


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) or (isinstance(value, str) and re.fullmatch(r"\d+(\.\d+)?", value)) else None


# ---------------------------------------------------------------------- prices
@dataclass(frozen=True)
class SmsPrice:
    country: str
    profile: str
    usd_per_part: float  # base + carrier fee
    as_of: str
    verified: bool


def load_sms_prices(path: Path = cost_model.PRICES_PATH) -> dict[str, SmsPrice]:
    """Destination country -> price per part (infra/prices.json, section sms; a country without its own price there sums
    the `sms_<country>_..._per_part` entries of section prices, as the report's figures do: escalation.domain.figures)."""
    document = json.loads(path.read_text(encoding="utf-8"))
    countries = {code: dict(c) for code, c in document["sms"]["countries"].items()}
    for code, c in countries.items():
        if "usd_per_part" not in c:
            pattern = re.compile(rf"sms_{code.lower()}_\w+_per_part")
            c["usd_per_part"] = sum(float(e["usd"]) for name, e in document["prices"].items() if pattern.fullmatch(name))
    return {
        code: SmsPrice(
            code, c["profile"], float(c["usd_per_part"]) + float(c.get("carrier_fee_usd_per_part", 0.0)), c["as_of"], bool(c["verified"])
        )
        for code, c in countries.items()
    }


def load_origination(path: Path = cost_model.PRICES_PATH) -> dict[str, Any]:
    return dict(json.loads(path.read_text(encoding="utf-8"))["sms"]["origination_month"])


# ---------------------------------------------------------------------- the bill
@dataclass(frozen=True)
class Line:
    usd: float  # a month
    group: str  # daily_run | channels | archive | storage | observability | fixed | sms
    basis: str  # what it counts, and on which assumption

    def as_dict(self) -> dict[str, Any]:
        return {"usd": self.usd, "group": self.group, "basis": self.basis}


@dataclass(frozen=True)
class Volumes:
    """A day of the book."""

    book: float
    due: float
    contacted: float
    skipped: float
    texts: float
    calls: float
    visits: float
    reviews: float
    events: float
    receipts: float
    contacts: float  # contact entries (one per action)
    log_records: float  # entries a day in the contact log (contacts, receipts, applied events)

    def as_dict(self) -> dict[str, float]:
        return {k: round(v, 1) for k, v in asdict(self).items()}


def volumes(book: float, m: Measured, a: Assumptions) -> Volumes:
    due = book * a.due_share
    contacted = due * a.contacted_share_of_due
    per = m.actions_per_contacted
    texts, calls, visits = (contacted * per.get(k, 0.0) for k in ("sms", "call", "visit"))
    reviews = contacted * per.get("legal_review", 0.0)
    events = (
        book * a.borrower_events_per_account_month / DAYS_PER_MONTH
        + calls * a.outcome_events_per_call
        + visits * a.outcome_events_per_visit
        + texts * a.replies_per_text
    )
    receipts = texts * a.receipts_per_text
    contacts = texts + calls + visits + reviews
    return Volumes(
        book, due, contacted, due - contacted, texts, calls, visits, reviews, events, receipts, contacts, contacts + receipts + events
    )


def gzip_ratio(records_per_object: float) -> float:
    """gzip's output / input for an object of this many JSON lines (interpolated in log scale over the measured points)."""
    points = GZIP_RATIO_BY_RECORDS
    if records_per_object <= points[0][0]:
        return points[0][1]
    for (n0, r0), (n1, r1) in itertools.pairwise(points):
        if records_per_object <= n1:
            t = math.log(records_per_object / n0) / math.log(n1 / n0)
            return r0 + t * (r1 - r0)
    return points[-1][1]


@dataclass(frozen=True)
class Archive:
    invocations_per_day: float
    objects_per_day: float
    records_per_object: float
    object_bytes: float
    gz_bytes_per_day: dict[str, float]  # profile -> bytes a day
    stored_bytes: dict[str, float]  # profile -> bytes at retention (steady state)
    glacier: bool  # objects large enough to move to Glacier IR

    def as_dict(self) -> dict[str, Any]:
        return {k: (round(v, 1) if isinstance(v, float) else v) for k, v in asdict(self).items()}


def archive_of(v: Volumes, a: Assumptions, retention: Mapping[str, float] = RETENTION_YEARS) -> Archive:
    """The archive's objects and bytes: stream batches of up to archive_batch_records, one object per (kind, profile) in a batch."""
    records = v.log_records
    shards = max(1.0, math.ceil(records / a.archive_records_per_stream_shard_day))
    invocations = max(records / a.archive_batch_records, min(records, a.archive_active_minutes_per_day * shards)) if records else 0.0
    per_invocation = records / invocations if invocations else 0.0
    kinds = {"contact": v.contacts, "receipt": v.receipts, "event": v.events}
    shares = [k / records * p for k in kinds.values() for p in a.profile_mix.values()] if records else []
    groups = sum(1 - (1 - s) ** per_invocation for s in shares)  # expected distinct (kind, profile) in a batch
    objects = invocations * max(groups, 1.0) if records else 0.0
    per_object = records / objects if objects else 0.0
    bytes_per_record = ARCHIVE_JSON_BYTES_PER_RECORD * gzip_ratio(per_object)
    daily = {p: records * share * bytes_per_record for p, share in a.profile_mix.items()}
    stored = {p: daily[p] * 365 * retention.get(p, max(retention.values())) for p in daily}
    return Archive(
        invocations,
        objects,
        per_object,
        per_object * bytes_per_record,
        daily,
        stored,
        per_object * bytes_per_record >= GLACIER_IR_MIN_OBJECT_BYTES,
    )


def xray_sampled(requests_per_day: float, active_seconds: float, a: Assumptions) -> float:
    """Traces the default sampling rule records a day: a reservoir per second of activity, then a fixed rate."""
    reservoir = min(requests_per_day, active_seconds * a.xray_reservoir_per_second)
    return reservoir + a.xray_rate * max(requests_per_day - reservoir, 0.0)


def monthly_bill(
    book: float,
    m: Measured,
    a: Assumptions,
    prices: Mapping[str, float],
    sms_prices: Mapping[str, SmsPrice],
    facts: TemplateFacts = TemplateFacts(),
    origination: Mapping[str, Any] | None = None,
    retention: Mapping[str, float] = RETENTION_YEARS,
) -> dict[str, Any]:
    """A month of a book of `book` accounts at steady state: every line item (USD), its volumes and the archive."""
    p = prices
    v = volumes(book, m, a)
    month = DAYS_PER_MONTH
    lines: dict[str, Line] = {}

    # --- the daily run (measured): orchestration, the functions, their DynamoDB requests, queues, run files
    due_per_run = v.due / m.runs_per_day
    children = math.ceil(due_per_run / m.batch_size) if due_per_run else 0
    cold = min(m.cold_peak_gb_s, m.cold_base_gb_s + min(children, m.map_max_concurrency) * m.cold_per_child_gb_s)
    run_day = (
        m.run_per_contacted.scaled(v.contacted)
        + m.run_per_skipped.scaled(v.skipped)
        + m.run_fixed_per_run.scaled(m.runs_per_day)
        + m.idle_per_day
        + Usage(lambda_gb_seconds=cold * m.runs_per_day)
    )
    run_usd = cost_model.cost_usd(run_day, p)
    basis = "measured: the bench's daily run scaled to the book's contacted and skipped accounts, cold starts at this volume"
    lines["run_step_functions"] = Line(run_usd["step_functions"] * month, "daily_run", f"{basis} (Standard parent, Express children)")
    lines["run_lambda"] = Line(run_usd["lambda"] * month, "daily_run", f"{basis} (requests, GB-s at modelled durations, INIT)")
    lines["run_dynamodb_requests"] = Line(run_usd["dynamodb"] * month, "daily_run", f"{basis} (on-demand RRU/WRU, transactions at 2x)")
    lines["run_sqs"] = Line(run_usd["sqs"] * month, "daily_run", f"{basis} (outbox, call/visit queues, the outbox's idle long polls)")
    lines["run_s3_requests"] = Line(run_usd["s3"] * month, "daily_run", f"{basis} (manifest, batch parts, reports)")
    lines["scheduler"] = Line(
        facts.schedules * month * p["scheduler_invocation"], "daily_run", "EventBridge Scheduler: the schedules, once a day each"
    )
    lines["run_files_storage"] = Line(
        v.due * a.run_file_bytes_per_due * facts.run_files_days / GIB * p["s3_standard_gb_month"],
        "storage",
        f"run files: {a.run_file_bytes_per_due:.0f} B per due account (assumed) kept {facts.run_files_days:.0f} days (lifecycle)",
    )

    # --- the legal reviews (Standard executions) and the reviewers' e-mails
    lines["legal_reviews"] = Line(
        v.reviews
        * month
        * (
            a.legal_review_transitions * p["stepfunctions_standard_transition"]
            + 3 * p["lambda_request"]
            + a.legal_review_lambda_gb_s * p["lambda_arm64_gb_second"]
            + p["sns_email_notification"]
        ),
        "daily_run",
        f"{v.reviews:,.0f} reviews a day (measured share), {a.legal_review_transitions:.0f} transitions, 3 functions, one e-mail (assumed)",
    )

    # --- borrower events: EventBridge -> SQS -> IngestEvents -> account + applied-event entry
    event_wru = cost_model.dynamodb_units(
        {
            DynamoCall("TransactWriteItems", "accounts", moves_due_index=True): 1,
            DynamoCall("TransactWriteItems", "contacts"): 1,
        },
        replace(m.sizes, contact=a.event_entry_bytes),
    )[1]
    event_rru = cost_model.read_units(m.sizes.account, consistent=True)
    ingest_invocations = v.events / a.events_per_ingest_invocation
    lines["borrower_events"] = Line(
        month
        * (
            v.events * (p["eventbridge_custom_event"] + p["sqs_standard_request"] * (1 + 2 / a.events_per_ingest_invocation))
            + ingest_invocations * p["lambda_request"]
            + v.events * cost_model.lambda_gb_seconds(a.ingest_ms_per_event, 256) * p["lambda_arm64_gb_second"]
            + v.events * (event_wru * p["dynamodb_ondemand_wru"] + event_rru * p["dynamodb_ondemand_rru"])
        ),
        "channels",
        f"{v.events:,.0f} events a day (assumed: {a.borrower_events_per_account_month} per account a month from the core system, "
        f"an outcome per call and visit, replies {a.replies_per_text:.0%} of texts): PutEvents, SQS, ingest "
        f"({a.ingest_ms_per_event:.0f} ms), {event_wru:.0f} WRU + {event_rru:.0f} RRU each (transaction with the due-index move)",
    )

    # --- delivery receipts: SNS delivery-status logs -> RecordDeliveryReceipts -> receipt entry; the text's index entry
    receipt_units = cost_model.dynamodb_units(
        {DynamoCall("Query", "contacts"): 1, DynamoCall("PutItem", "contacts"): 1},
        replace(m.sizes, contact=a.receipt_entry_bytes),
    )
    lines["delivery_receipts"] = Line(
        month
        * (
            v.receipts * a.receipt_log_bytes / 1e9 * p["cloudwatch_logs_ingest_gb"]
            + v.receipts / a.receipts_per_invocation * p["lambda_request"]
            + v.receipts * cost_model.lambda_gb_seconds(a.receipt_ms, a.receipt_memory_mb) * p["lambda_arm64_gb_second"]
            + v.receipts * (receipt_units[0] * p["dynamodb_ondemand_rru"] + receipt_units[1] * p["dynamodb_ondemand_wru"])
            + v.receipts * a.failed_delivery_share * p["dynamodb_ondemand_wru"]
        ),
        "channels",
        f"{v.receipts:,.0f} receipts a day (one per text): SNS delivery-status log ({a.receipt_log_bytes:.0f} B ingested), "
        f"Lambda ({a.receipts_per_invocation:.0f} a batch, {a.receipt_ms:.0f} ms each at {a.receipt_memory_mb} MB), Query + PutItem",
    )
    lines["sms_message_id_index_writes"] = Line(
        v.texts * month * cost_model.write_units(a.sms_index_entry_bytes) * p["dynamodb_ondemand_wru"],
        "channels",
        "one by_sms_message_id index write per text (GSI writes are not in the run's transaction count)",
    )

    # --- the archive: stream -> archive function -> S3 (Object Lock, gzip JSON lines), lifecycle to Glacier IR
    arch = archive_of(v, a, retention)
    invocations = arch.invocations_per_day * (1 if a.archive_stream_filter else 2)
    archive_ms = arch.objects_per_day / max(arch.invocations_per_day, 1e-9) * a.archive_ms_per_object
    archive_ms += v.log_records / max(arch.invocations_per_day, 1e-9) * a.archive_ms_per_record
    lines["archive_lambda"] = Line(
        month
        * (
            invocations * p["lambda_request"]
            + arch.invocations_per_day * cost_model.lambda_gb_seconds(archive_ms, a.archive_memory_mb) * p["lambda_arm64_gb_second"]
        ),
        "archive",
        f"{arch.invocations_per_day:,.0f} stream batches a day (up to {a.archive_batch_records} records, a 60 s window, "
        f"~{max(1, math.ceil(v.log_records / a.archive_records_per_stream_shard_day))} shard(s)); stream reads by Lambda are free"
        + ("; an INSERT-only filter keeps TTL deletions from invoking it" if a.archive_stream_filter else "; TTL deletions invoke it too"),
    )
    transitions = arch.objects_per_day if arch.glacier else 0.0
    lines["archive_s3_requests"] = Line(
        month * (arch.objects_per_day * p["s3_put_request"] + transitions * p["s3_glacier_ir_transition_request"]),
        "archive",
        f"{arch.objects_per_day:,.0f} objects a day ({arch.records_per_object:,.0f} records, {arch.object_bytes / 1024:,.0f} KB each): "
        "PUT, then one lifecycle transition each" + ("" if arch.glacier else " (none: objects under 128 KB stay in S3 Standard)"),
    )
    standard_days = a.glacier_ir_after_days if arch.glacier else math.inf
    in_standard = sum(arch.gz_bytes_per_day[q] * min(standard_days, 365 * retention.get(q, 6)) for q in arch.gz_bytes_per_day)
    in_glacier = sum(arch.stored_bytes.values()) - in_standard
    lines["archive_storage_standard"] = Line(
        in_standard / GIB * p["s3_standard_gb_month"],
        "storage",
        f"the archive's newest {standard_days if arch.glacier else 'all'} days in S3 Standard ({in_standard / GIB:,.1f} GiB)",
    )
    lines["archive_storage_glacier_ir"] = Line(
        in_glacier / GIB * p["s3_glacier_ir_gb_month"],
        "storage",
        f"the rest of each profile's retention ({', '.join(f'{q} {y} y' for q, y in retention.items())}) in Glacier IR "
        f"({in_glacier / GIB:,.1f} GiB); book mix {', '.join(f'{q} {s:.0%}' for q, s in a.profile_mix.items())}",
    )

    # --- DynamoDB storage at steady state, and PITR on each table's size
    accounts_table = book * (m.sizes.account + DYNAMODB_ITEM_OVERHEAD)
    accounts_indexes = book * (a.due_index_share * m.sizes.due_entry + a.by_phone_entry_bytes)
    numbers_table = book * a.closed_number_share * (a.number_item_bytes + DYNAMODB_ITEM_OVERHEAD)
    kept_days = a.audit_table_days + a.ttl_lag_days
    entry_bytes = (v.contacts * m.sizes.contact + v.receipts * a.receipt_entry_bytes + v.events * a.event_entry_bytes) / max(
        v.log_records, 1
    )
    contacts_table = v.log_records * kept_days * (entry_bytes + DYNAMODB_ITEM_OVERHEAD)
    contacts_index = v.texts * kept_days * a.sms_index_entry_bytes
    gb = p["dynamodb_storage_gb_month"]
    lines["dynamodb_storage_accounts"] = Line(
        (accounts_table + accounts_indexes) / GIB * gb,
        "storage",
        f"{book:,.0f} accounts x {m.sizes.account:.0f} B (measured) + 100 B, the due and by_phone index entries",
    )
    lines["dynamodb_storage_contacts"] = Line(
        (contacts_table + contacts_index) / GIB * gb,
        "storage",
        f"{v.log_records:,.0f} entries a day kept {a.audit_table_days:.0f} days (TTL) + {a.ttl_lag_days:.0f} (TTL lag), "
        f"{entry_bytes:.0f} B each + 100 B; the by_sms_message_id index",
    )
    lines["dynamodb_storage_numbers"] = Line(
        numbers_table / GIB * gb, "storage", f"suppression records for {a.closed_number_share:.0%} of the book's numbers (assumed)"
    )
    pitr_bytes = {"AccountsTable": accounts_table, "ContactsTable": contacts_table, "NumbersTable": numbers_table}
    backed = sum(b for t, b in pitr_bytes.items() if t in facts.tables_with_pitr)
    lines["dynamodb_pitr"] = Line(
        backed / GIB * p["dynamodb_pitr_gb_month"],
        "storage",
        f"PITR on {', '.join(facts.tables_with_pitr)}: each table's size (global secondary indexes are not backed up)",
    )

    # --- observability: logs, traces, metrics, alarms, the dashboard
    functions_per_day = v.contacted * m.invocations_per_contacted + ingest_invocations + v.receipts / a.receipts_per_invocation
    functions_per_day += arch.invocations_per_day
    log_bytes = (
        v.due * m.log_bytes_per_due
        + functions_per_day * cost_model.PLATFORM_LOG_BYTES_PER_INVOCATION
        + (ingest_invocations + v.receipts / a.receipts_per_invocation + arch.invocations_per_day) * a.new_function_log_bytes_per_invocation
    )
    lines["cloudwatch_logs_ingestion"] = Line(
        log_bytes * month / 1e9 * p["cloudwatch_logs_ingest_gb"],
        "observability",
        f"the functions' records and EMF lines ({m.log_bytes_per_due:.0f} B per due account, measured), Lambda's "
        f"{cost_model.PLATFORM_LOG_BYTES_PER_INVOCATION} B an invocation, {a.new_function_log_bytes_per_invocation:.0f} B if unmeasured",
    )
    stored_logs = log_bytes * a.lambda_log_retention_days + v.receipts * a.receipt_log_bytes * facts.sms_delivery_log_days
    lines["cloudwatch_logs_storage"] = Line(
        stored_logs * a.log_storage_compression / GIB * p["cloudwatch_logs_storage_gb_month"],
        "storage",
        f"function logs kept {a.lambda_log_retention_days:.0f} days"
        + (
            " (the template sets no retention: ASSUMED, the groups never expire as deployed)"
            if facts.lambda_log_retention_days is None
            else ""
        )
        + f", SMS delivery logs {facts.sms_delivery_log_days:.0f} days, stored at {a.log_storage_compression:.0%} of their size",
    )
    active = a.async_active_hours_per_day * 3600
    traces = (
        m.runs_per_day * (1 + a.xray_traces_per_map_child * children)
        + v.reviews
        + xray_sampled(v.contacted * m.outbox_invocations_per_contacted, active, a)
        + xray_sampled(ingest_invocations, 24 * 3600, a)
        + xray_sampled(v.receipts / a.receipts_per_invocation, active, a)
        + xray_sampled(arch.invocations_per_day, active, a)
    )
    lines["xray_traces"] = Line(
        traces * month * p["xray_trace_recorded"] if facts.tracing else 0.0,
        "observability",
        f"{traces:,.0f} traces a day: every run and Map child (the run is sampled, its children follow), every review, "
        f"queued and log-fed invocations: {a.xray_reservoir_per_second:.0f}/s + {a.xray_rate:.0%}, {a.async_active_hours_per_day:.0f} h",
    )
    metrics = _custom_metrics(m.day, a)
    lines["cloudwatch_custom_metrics"] = Line(
        sum(metrics.values()) * p["cloudwatch_custom_metric_month"],
        "fixed",
        f"{sum(metrics.values())} metric x dimension combinations billed all month (AWS prorates by the hour sent: an upper bound)",
    )
    lines["cloudwatch_alarms"] = Line(
        facts.alarm_metrics * p["cloudwatch_alarm_metric_month"],
        "fixed",
        f"{facts.alarms} alarms reading {facts.alarm_metrics} metrics (metric-math alarms billed per metric)",
    )
    lines["cloudwatch_dashboard"] = Line(facts.dashboards * p["cloudwatch_dashboard_month"], "fixed", f"{facts.dashboards} dashboard(s)")
    lines["kms_keys"] = Line(
        facts.kms_keys * (1 + a.kms_key_rotations_billed) * p["kms_key_month"],
        "fixed",
        f"{facts.kms_keys} customer managed key, yearly rotation: $1 + $1 per rotation (capped at two)",
    )
    inits = cold / max(m.cold_peak_gb_s, 1e-9) * (m.map_max_concurrency * 11 + 4) * m.runs_per_day if m.cold_peak_gb_s else 0.0
    kms_requests = a.kms_baseline_requests_per_day + a.kms_requests_per_cold_start * inits
    lines["kms_requests"] = Line(
        kms_requests * month * p["kms_request"],
        "observability",
        f"{kms_requests:,.0f} requests a day (assumed: {a.kms_baseline_requests_per_day:,.0f} for the services' cached data keys, "
        f"{a.kms_requests_per_cold_start:.0f} per cold start); S3 Bucket Keys on both buckets",
    )
    lines["appconfig"] = Line(
        month
        * (
            a.appconfig_warm_containers * a.appconfig_polls_per_container_day * p["appconfig_request"]
            + (m.runs_per_day + a.appconfig_sessions_per_day) * p["appconfig_configuration_received"]
        ),
        "fixed",
        f"PlanRun once a run, {a.appconfig_sessions_per_day:.0f} sessions a day and {a.appconfig_warm_containers:.0f} warm containers "
        "polling every 30 s (ingest, legal functions: assumed)",
    )

    # --- SMS: per country, per part (outside the per-1,000 figure), and the origination identities
    sms_lines, sms_detail = _sms_lines(v, m, a, sms_prices, origination)
    lines.update(sms_lines)

    infra = {k: line for k, line in lines.items() if line.group != "sms"}
    total = sum(line.usd for line in infra.values())
    return {
        "book_accounts": book,
        "total_excluding_sms_usd": total,
        "sms_usd": sum(line.usd for line in lines.values() if line.group == "sms"),
        "total_usd": sum(line.usd for line in lines.values()),
        "per_1000_due_usd": total / (v.due * month / 1000) if v.due else math.inf,
        "by_group_usd": {
            g: round(sum(line.usd for line in lines.values() if line.group == g), 4) for g in dict.fromkeys(x.group for x in lines.values())
        },
        "lines": {k: line.as_dict() for k, line in lines.items()},
        "volumes_per_day": v.as_dict(),
        "archive": arch.as_dict(),
        "storage_bytes": {
            "accounts_table": accounts_table,
            "accounts_indexes": accounts_indexes,
            "contacts_table": contacts_table,
            "contacts_index": contacts_index,
            "numbers_table": numbers_table,
            "archive": sum(arch.stored_bytes.values()),
        },
        "custom_metrics": metrics,
        "sms": sms_detail,
    }


def _custom_metrics(day: RealisticDay, a: Assumptions) -> dict[str, int]:
    """Metric name -> dimension-value combinations billed (escalation.observability's table)."""
    profiles = max(len(day.profile_share), 1)
    return {
        "Decisions": day.decision_dimensions or 4 * profiles,
        "Contacts": day.decision_dimensions or 4 * profiles,
        "Skips": max(day.skip_reasons, a.skip_reasons_per_month),
        "DispatchOutcomes": a.dispatch_outcomes,
        "DeliveryReceipts": a.delivery_outcomes * profiles,
        "SmsThrottled": 1,
        "SmsFailed": 1,
        "AccountsDue": 1,
        "FailedAccounts": 1,
        "RunDurationSeconds": 1,
        "EventsApplied": 1,
        "EventsRejected": 1,
    }


def _sms_lines(
    v: Volumes, m: Measured, a: Assumptions, prices: Mapping[str, SmsPrice], origination: Mapping[str, Any] | None
) -> tuple[dict[str, Line], dict[str, Any]]:
    day = m.day
    shares = day.texts_by_profile_share or dict(a.profile_mix)
    lines: dict[str, Line] = {}
    detail: dict[str, Any] = {}
    for country, price in prices.items():
        within = a.eu_country_mix.get(country, 0.0) if price.profile == "EU" else 1.0
        texts = v.texts * shares.get(price.profile, 0.0) * within
        parts = day.sms_parts_per_text.get(price.profile, 1.0)
        usd = texts * DAYS_PER_MONTH * parts * price.usd_per_part
        status = "verified" if price.verified else f"UNVERIFIED, as of {price.as_of}"
        lines[f"sms_fees_{country}"] = Line(
            usd, "sms", f"{texts:,.0f} texts a day x {parts:.2f} parts (rendered) x ${price.usd_per_part:.5f} a part ({status})"
        )
        detail[country] = {"texts_per_day": round(texts, 1), "parts_per_text": parts, "usd_per_part": price.usd_per_part, "price": status}
    if origination:
        short_code = v.texts >= a.short_code_from_texts_per_day
        usd = origination["us_short_code_usd"] if short_code else origination["us_10dlc_number_usd"] + origination["us_10dlc_campaign_usd"]
        lines["sms_origination_us"] = Line(
            usd if v.texts * shares.get("US", 0.0) else 0.0,
            "sms",
            ("a US short code (the rate needs it)" if short_code else "a US 10DLC number and campaign")
            + f" (UNVERIFIED, as of {origination.get('as_of', '?')}); CN/GB/DE sender-ID registration not modelled",
        )
    return lines, detail


# ---------------------------------------------------------------------- the figures bench.json holds
def steady_state(
    m: Measured,
    a: Assumptions,
    prices: Mapping[str, float],
    sms_prices: Mapping[str, SmsPrice],
    facts: TemplateFacts,
    origination: Mapping[str, Any] | None = None,
    retention: Mapping[str, float] = RETENTION_YEARS,
) -> dict[str, Any]:
    """The headline figures: per 1,000 due accounts at 1,000,000 due a day, the ratio, and the three books' bills."""
    design_book = DESIGN_DUE_PER_DAY / a.due_share
    design = monthly_bill(design_book, m, a, prices, sms_prices, facts, origination, retention)
    run_lines = sum(line["usd"] for k, line in design["lines"].items() if k.startswith("run_") and k != "run_files_storage")
    alternative_run = cost_model.cost_usd(m.per_account_execution_per_due.scaled(DESIGN_DUE_PER_DAY), prices)["total"] * DAYS_PER_MONTH
    # The alternative keeps every other line (storage, channels, archive, observability, fixed): only the run differs.
    alternative = design["total_excluding_sms_usd"] - run_lines + alternative_run
    books = {name: monthly_bill(n, m, a, prices, sms_prices, facts, origination, retention) for name, n in BOOKS.items()}
    return {
        "cost_per_1000_due_accounts_steady_state_usd": design["per_1000_due_usd"],
        "cost_ratio_vs_per_account_execution_steady_state": alternative / design["total_excluding_sms_usd"],
        "monthly_cost_usd": {
            name: {
                "total_usd": round(bill["total_usd"], 2),
                "excluding_sms_usd": round(bill["total_excluding_sms_usd"], 2),
                "sms_usd": round(bill["sms_usd"], 2),
                "per_1000_due_usd": round(bill["per_1000_due_usd"], 5),
                "due_per_day": round(bill["volumes_per_day"]["due"]),
                "by_group_usd": bill["by_group_usd"],
                "lines_usd": {k: line["usd"] for k, line in bill["lines"].items()},
            }
            for name, bill in books.items()
        },
        "sms_parts_per_text": dict(m.day.sms_parts_per_text),
        "details": {
            "basis": f"a book of {design_book:,.0f} accounts ({DESIGN_DUE_PER_DAY:,} due a day at a due share of {a.due_share:.3f}) at "
            "steady state: storage at retention, fixed monthly costs included, SMS fees excluded; a month = 365/12 days",
            "design_bill": design,
            "books": {
                name: {k: bill[k] for k in ("lines", "volumes_per_day", "archive", "storage_bytes", "sms")} for name, bill in books.items()
            },
            "per_account_execution_monthly_usd": alternative,
            "per_account_execution_basis": "one Standard execution per account (Wait between checks) in place of the daily run's lines; "
            "every other line (storage, channels, archive, observability, fixed) the same",
            "contacts_kept_in_dynamodb_for_retention_usd": _contacts_at_retention(design, a, prices, retention),
            "what_if_per_1000_due_usd": what_if(design_book, m, a, prices, sms_prices, facts, origination, retention),
            "athena_per_query_usd": athena_per_query(design["archive"], a, prices, retention),
            "glue": "Glue Data Catalog: one database and two tables with partition projection store no partitions: "
            "inside the free first million objects and requests a month ($0)",
            "not_modelled": "data transfer (all in-region; SMS carries none), CloudTrail (management events: first copy free), "
            "CloudWatch X-Ray/Logs Insights queries and console use (usage-based), AWS Support, taxes, the free tier (not subtracted), "
            "CN/GB/DE sender-ID registration fees, inbound SMS fees (replies: ~2% of texts)",
            "measured": m.as_dict(),
            "assumptions": a.as_dict(),
            "template": facts.as_dict(),
            "retention_years": dict(retention),
            "prices": "infra/prices.json: every price UNVERIFIED (no internet when written), as of the date beside it",
        },
    }


def what_if(
    book: float,
    m: Measured,
    a: Assumptions,
    prices: Mapping[str, float],
    sms_prices: Mapping[str, SmsPrice],
    facts: TemplateFacts,
    origination: Mapping[str, Any] | None,
    retention: Mapping[str, float],
) -> dict[str, float]:
    """The per-1,000 figure at the design book under changes that would move it (each alone)."""
    utilisation = 0.5
    provisioned = dict(prices) | {
        "dynamodb_ondemand_wru": prices["dynamodb_provisioned_wcu_hour"] / 3600 / utilisation,
        "dynamodb_ondemand_rru": prices["dynamodb_provisioned_rcu_hour"] / 3600 / utilisation,
    }
    cases = {
        "as_modelled": (a, prices, facts),
        "dynamodb_provisioned_at_50pct_utilisation": (a, provisioned, facts),
        "no_pitr_on_contacts_table": (
            a,
            prices,
            replace(facts, tables_with_pitr=tuple(t for t in facts.tables_with_pitr if t != "ContactsTable")),
        ),
        "no_call_or_visit_outcome_events": (replace(a, outcome_events_per_call=0.0, outcome_events_per_visit=0.0), prices, facts),
        "every_due_account_contacted": (replace(a, contacted_share_of_due=1.0), prices, facts),
    }
    return {
        name: monthly_bill(book, m, case_a, case_prices, sms_prices, case_facts, origination, retention)["per_1000_due_usd"]
        for name, (case_a, case_prices, case_facts) in cases.items()
    }


def _contacts_at_retention(design: dict[str, Any], a: Assumptions, prices: Mapping[str, float], retention: Mapping[str, float]) -> float:
    """What the contact log's table (and its PITR) would cost a month if DynamoDB kept every entry for its retention (the design before)."""
    kept_days = a.audit_table_days + a.ttl_lag_days
    years = sum(share * retention.get(p, 6) for p, share in a.profile_mix.items())
    table = design["storage_bytes"]["contacts_table"] / kept_days * 365 * years
    index = design["storage_bytes"]["contacts_index"] / kept_days * 365 * years
    return ((table + index) * prices["dynamodb_storage_gb_month"] + table * prices["dynamodb_pitr_gb_month"]) / GIB


def athena_per_query(
    archive: Mapping[str, Any], a: Assumptions, prices: Mapping[str, float], retention: Mapping[str, float]
) -> dict[str, Any]:
    """Per-query dollars of the two archive queries (no account partition: a query reads its profile's objects in the date range)."""
    out: dict[str, Any] = {}
    for profile, per_day in archive["gz_bytes_per_day"].items():
        days = 365 * retention.get(profile, 6)
        glacier_days = max(days - a.glacier_ir_after_days, 0) if archive["glacier"] else 0
        objects_per_day = archive["objects_per_day"] * a.profile_mix.get(profile, 0)

        def cost(scan_days: float, glacier_days: float, per_day: float = per_day, objects_per_day: float = objects_per_day) -> float:
            scanned = max(per_day * scan_days, 10e6)
            return (
                scanned / 1e12 * prices["athena_tb_scanned"]
                + per_day * glacier_days / GIB * prices["s3_glacier_ir_retrieval_gb"]
                + objects_per_day * (scan_days - glacier_days) * prices["s3_get_request"]
                + objects_per_day * glacier_days * prices["s3_glacier_ir_get_request"]
            )

        out[profile] = {
            "one_account_whole_retention_usd": round(cost(days, glacier_days), 4),
            "one_day_usd": round(cost(1, 0), 6),
            "bytes_scanned_whole_retention": round(per_day * days),
        }
    out["basis"] = (
        "at the design book; Athena $5/TB of gzip bytes scanned (10 MB minimum), Glacier IR retrieval $0.03/GB and GETs for objects "
        "past the lifecycle; 'one account' scans its profile's whole retention (partitions are kind/profile/day, not account)"
    )
    return out


# ---------------------------------------------------------------------- the bench's entry point
def steady_state_figures(counts: RunCounts, run: Any, deployment: Deployment) -> dict[str, Any]:
    """bench.json's steady-state keys from the measured run (mirrors sim.bench.costs.cost_figures(counts, run, deployment)).

    Renders a realistic day's texts (sim.bench.parts, ~2 s) and reads the template's facts; nothing here runs the stack.
    """
    from .parts import realistic_day

    day = realistic_day()
    facts = template_facts()
    measured = measured_from_run(counts, run, deployment, day)
    assumptions = assumptions_from(day, facts)
    return steady_state(measured, assumptions, cost_model.load_prices(), load_sms_prices(), facts, load_origination(), retention_years())


def retention_years() -> dict[str, float]:
    """Each profile's retention of the audit log (escalation.domain.profiles), else this module's copy."""
    try:
        from escalation.domain.profiles import profile_for

        return {p: float(profile_for(p).retention_years) for p in RETENTION_YEARS}
    except ImportError:  # run without functions/ on the path
        return {p: float(y) for p, y in RETENTION_YEARS.items()}


# ---------------------------------------------------------------------- the command line
def default_measured() -> Measured:
    """The quick bench of 2026-12-04 (out/bench-quick), for when no bench.json holds measured inputs."""
    return Measured.from_dict(json.loads(DEFAULT_INPUTS.read_text(encoding="utf-8"))["measured"])


DEFAULT_INPUTS = Path(__file__).with_name("steady_state_inputs.json")  # `Measured.as_dict()` of that run


def format_bill(figures: Mapping[str, Any]) -> str:
    books = figures["monthly_cost_usd"]
    names = list(books)
    keys = list(next(iter(books.values()))["lines_usd"])
    width = max(len(k) for k in keys) + 2
    rows = [f"{'line item (USD a month)':<{width}}" + "".join(f"{n:>14}" for n in names)]
    for key in keys:
        rows.append(f"{key:<{width}}" + "".join(f"{books[n]['lines_usd'][key]:>14,.2f}" for n in names))
    for label, field_name in (("total excluding SMS", "excluding_sms_usd"), ("SMS", "sms_usd"), ("total", "total_usd")):
        rows.append(f"{label:<{width}}" + "".join(f"{books[n][field_name]:>14,.2f}" for n in names))
    rows.append(f"{'due accounts a day':<{width}}" + "".join(f"{books[n]['due_per_day']:>14,}" for n in names))
    rows.append(f"{'per 1,000 due (excl. SMS)':<{width}}" + "".join(f"{books[n]['per_1000_due_usd']:>14,.5f}" for n in names))
    rows.append("")
    rows.append(
        f"cost_per_1000_due_accounts_steady_state_usd (1,000,000 due a day): {figures['cost_per_1000_due_accounts_steady_state_usd']:.5f}"
    )
    rows.append(f"cost_ratio_vs_per_account_execution_steady_state: {figures['cost_ratio_vs_per_account_execution_steady_state']:.1f}")
    rows.append(f"sms_parts_per_text: {figures['sms_parts_per_text']}")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m sim.bench.monthly", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--bench", type=Path, help="a bench.json with cost_details.steady_state.measured (default: the stored quick bench)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    measured = default_measured()
    if args.bench:
        stored = json.loads(args.bench.read_text(encoding="utf-8")).get("cost_details", {}).get("steady_state", {}).get("measured")
        if stored is None:
            print(f"{args.bench}: no cost_details.steady_state.measured; using the stored quick bench's inputs", file=sys.stderr)
        else:
            measured = Measured.from_dict(stored)
    facts = template_facts()
    figures = steady_state(
        measured,
        assumptions_from(measured.day, facts),
        cost_model.load_prices(),
        load_sms_prices(),
        facts,
        load_origination(),
        retention_years(),
    )
    print(json.dumps(figures, indent=2, default=str) if args.json else format_bill(figures))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
