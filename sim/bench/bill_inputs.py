"""The monthly bill's inputs: what a bench run measured (`Measured`), what it assumes (`Assumptions`), what the template deploys
(`TemplateFacts`), and the SMS prices and each profile's retention.

sim.bench.bill_lines prices a book's month from these; sim.bench.monthly says how they fit together.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from . import cost_model
from .cost_model import ACTION, BATCH, OUTBOX, RUN, Deployment, DynamoCall, ItemSizes, RunCounts, Usage
from .parts import RealisticDay

DAYS_PER_MONTH = 365 / 12
GIB = 2**30
RETENTION_YEARS = {"CN": 5, "US": 3, "EU": 6}  # escalation.domain.profiles (read from there when importable)


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
    parameters = template.get("Parameters", {})
    lambda_days = [
        _number(_as_deployed(g["Properties"].get("RetentionInDays"), parameters))
        for g in groups.values()
        if "/aws/lambda/" in json.dumps(g["Properties"])
    ]
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


def _as_deployed(value: Any, parameters: Mapping[str, Any]) -> Any:
    """A property as a deployment with the parameters' defaults has it (a Ref to a parameter: its default)."""
    if isinstance(value, dict) and set(value) == {"Ref"} and value["Ref"] in parameters:
        return parameters[value["Ref"]].get("Default")
    return value


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


def retention_years() -> dict[str, float]:
    """Each profile's retention of the audit log (escalation.domain.profiles), else this module's copy."""
    try:
        from escalation.domain.profiles import profile_for

        return {p: float(profile_for(p).retention_years) for p in RETENTION_YEARS}
    except ImportError:  # run without functions/ on the path
        return {p: float(y) for p, y in RETENTION_YEARS.items()}
