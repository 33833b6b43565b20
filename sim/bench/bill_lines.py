"""The monthly bill line by line: a book's day (`volumes`), its archive (`archive_of`), every line item of its month (`monthly_bill`)."""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace
from typing import Any

from . import cost_model
from .bill_inputs import DAYS_PER_MONTH, GIB, RETENTION_YEARS, Assumptions, Measured, SmsPrice, TemplateFacts
from .cost_model import DynamoCall, Usage
from .parts import RealisticDay

ARCHIVE_KINDS = ("contact", "receipt", "event")  # one object per (kind, profile, day) per stream batch
# JSON bytes of an archived record and gzip's ratio by records per object, measured on `make demo`'s contacts.jsonl
# (2026-12-04: 518 B a line; 0.121 at 50 lines an object, 0.093 at 200, 0.085 at 1,000). 1 and 10 lines: estimates.
ARCHIVE_JSON_BYTES_PER_RECORD = 520
GZIP_RATIO_BY_RECORDS = ((1, 0.60), (10, 0.25), (50, 0.121), (200, 0.093), (1000, 0.085))
GLACIER_IR_MIN_OBJECT_BYTES = 128 * 1024  # S3 lifecycle leaves smaller objects where they are (default since 2024-09)
DYNAMODB_ITEM_OVERHEAD = 100  # bytes DynamoDB adds to each item and index entry for storage
TEMPLATE_FACTS = TemplateFacts()  # monthly_bill's default: the template as TemplateFacts' defaults describe it


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
    facts: TemplateFacts = TEMPLATE_FACTS,
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
