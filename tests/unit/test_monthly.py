"""The monthly bill (sim/bench/monthly.py): a book at steady state, every line item. Known inputs, known dollars."""

import json
import math
import re
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

import pytest

from sim.bench import bill_lines, cost_model, monthly
from sim.bench.cost_model import ACTION, BATCH, OUTBOX, RUN, Deployment, DynamoCall, ItemSizes, RunCounts, Usage
from sim.bench.monthly import DAYS_PER_MONTH, GIB, Assumptions, Measured, SmsPrice, TemplateFacts
from sim.bench.parts import RealisticDay

ROOT = Path(__file__).resolve().parents[2]
PRICES = cost_model.load_prices()
SMS = {
    "US": SmsPrice("US", "US", 0.01, "2025-06", False),
    "CN": SmsPrice("CN", "CN", 0.02, "2025-06", False),
    "GB": SmsPrice("GB", "EU", 0.04, "2025-06", False),
    "DE": SmsPrice("DE", "EU", 0.08, "2025-06", False),
}
DAY = RealisticDay(
    accounts=1000,
    due_share=0.5,
    contacted_share_of_due=0.8,
    actions_per_contacted={"sms": 0.6, "call": 0.5, "visit": 0.05, "legal_review": 0.02},
    profile_share={"CN": 0.6, "US": 0.25, "EU": 0.15},
    texts_by_profile_share={"CN": 0.6, "US": 0.25, "EU": 0.15},
    sms_parts_per_text={"CN": 2.0, "US": 1.5, "EU": 1.0},
    decision_dimensions=10,
    skip_reasons=6,
)
MEASURED = Measured(
    run_per_contacted=Usage(
        standard_transitions=0.01,
        express_requests=0.01,
        express_gb_seconds=0.001,
        lambda_requests=0.1,
        lambda_gb_seconds=0.01,
        dynamodb_rru=2,
        dynamodb_wru=12,
        sqs_requests=0.3,
        s3_put_requests=0.02,
    ),
    run_per_skipped=Usage(dynamodb_rru=1, dynamodb_wru=3, lambda_gb_seconds=0.002),
    run_fixed_per_run=Usage(standard_transitions=5, lambda_requests=3, lambda_gb_seconds=1, s3_put_requests=3, s3_get_requests=2),
    idle_per_day=Usage(sqs_requests=21_600),
    cold_base_gb_s=0.5,
    cold_per_child_gb_s=2.0,
    cold_peak_gb_s=80.0,
    per_account_execution_per_due=Usage(
        standard_transitions=4.2, lambda_requests=2, lambda_gb_seconds=0.02, dynamodb_rru=2, dynamodb_wru=12
    ),
    invocations_per_contacted=0.7,
    sizes=ItemSizes(account=800, contact=450, due_entry=162),
    log_bytes_per_due=450,
    actions_per_contacted={"sms": 0.6, "call": 0.5, "visit": 0.05, "legal_review": 0.02},
    runs_per_day=5,
    batch_size=100,
    map_max_concurrency=40,
    day=DAY,
)
ASSUMPTIONS = monthly.assumptions_from(DAY, TemplateFacts())
FACTS = TemplateFacts()
ORIGINATION = {"us_10dlc_number_usd": 2.0, "us_10dlc_campaign_usd": 10.0, "us_short_code_usd": 995.0, "as_of": "2025-06"}


def bill(book: float, assumptions: Assumptions = ASSUMPTIONS, measured: Measured = MEASURED, facts: TemplateFacts = FACTS) -> dict:
    return monthly.monthly_bill(book, measured, assumptions, PRICES, SMS, facts, ORIGINATION)


EXPECTED_LINES = {
    "run_step_functions",
    "run_lambda",
    "run_dynamodb_requests",
    "run_sqs",
    "run_s3_requests",
    "scheduler",
    "run_files_storage",
    "legal_reviews",
    "borrower_events",
    "delivery_receipts",
    "sms_message_id_index_writes",
    "archive_lambda",
    "archive_s3_requests",
    "archive_storage_standard",
    "archive_storage_glacier_ir",
    "dynamodb_storage_accounts",
    "dynamodb_storage_contacts",
    "dynamodb_storage_numbers",
    "dynamodb_pitr",
    "cloudwatch_logs_ingestion",
    "cloudwatch_logs_storage",
    "xray_traces",
    "cloudwatch_custom_metrics",
    "cloudwatch_alarms",
    "cloudwatch_dashboard",
    "kms_keys",
    "kms_requests",
    "appconfig",
    "sms_fees_US",
    "sms_fees_CN",
    "sms_fees_GB",
    "sms_fees_DE",
    "sms_origination_us",
}


@pytest.mark.parametrize("book", [0, 10_000, 100_000, 1_000_000])
def test_every_line_item_is_present_non_negative_and_explained(book):
    lines = bill(book)["lines"]
    assert set(lines) == EXPECTED_LINES
    for name, line in lines.items():
        assert line["usd"] >= 0 and math.isfinite(line["usd"]), name
        assert line["basis"] and line["group"], name


def test_the_bill_grows_with_the_book_and_the_fixed_part_spreads():
    small, medium, large = (bill(n) for n in (10_000, 100_000, 1_000_000))
    assert small["total_excluding_sms_usd"] < medium["total_excluding_sms_usd"] < large["total_excluding_sms_usd"]
    assert small["sms_usd"] < medium["sms_usd"] < large["sms_usd"]
    assert small["per_1000_due_usd"] > medium["per_1000_due_usd"] > large["per_1000_due_usd"]
    for name in EXPECTED_LINES - {"sms_origination_us"}:
        assert small["lines"][name]["usd"] <= large["lines"][name]["usd"] + 1e-9, name


def test_fixed_costs_are_counted_once_whatever_the_volume():
    fixed = {k for k, line in bill(10_000)["lines"].items() if line["group"] == "fixed"}
    assert fixed >= {"cloudwatch_custom_metrics", "cloudwatch_alarms", "cloudwatch_dashboard", "kms_keys"}
    amounts = [{k: bill(n)["lines"][k]["usd"] for k in fixed} for n in (0, 10_000, 1_000_000)]
    assert amounts[0] == amounts[1] == amounts[2]
    # Exactly as deployed: 18 alarm metrics at $0.10, one dashboard at $3, one key with two rotations billed ($3).
    facts = replace(FACTS, alarm_metrics=18, dashboards=1, kms_keys=1)
    lines = bill(10_000, facts=facts)["lines"]
    assert lines["cloudwatch_alarms"]["usd"] == pytest.approx(18 * 0.10)
    assert lines["cloudwatch_dashboard"]["usd"] == pytest.approx(3.0)
    assert lines["kms_keys"]["usd"] == pytest.approx(3.0)


def test_a_book_of_nothing_still_pays_its_fixed_costs():
    empty = bill(0)
    assert empty["sms_usd"] == 0
    assert empty["total_excluding_sms_usd"] == pytest.approx(
        sum(line["usd"] for line in empty["lines"].values() if line["group"] in ("fixed", "observability", "daily_run")), rel=1e-9
    )
    assert empty["total_excluding_sms_usd"] > 20  # metrics, alarms, the dashboard, the key: a small lender's floor


def test_volumes_of_a_book():
    v = monthly.volumes(100_000, MEASURED, ASSUMPTIONS)
    assert v.due == pytest.approx(50_000) and v.contacted == pytest.approx(40_000) and v.skipped == pytest.approx(10_000)
    assert v.texts == pytest.approx(24_000) and v.calls == pytest.approx(20_000) and v.reviews == pytest.approx(800)
    assert v.receipts == v.texts
    events = 100_000 * 2.0 / DAYS_PER_MONTH + 20_000 + 2_000 + 24_000 * 0.02
    assert v.events == pytest.approx(events)
    assert v.log_records == pytest.approx(v.contacts + v.receipts + v.events)


def test_contact_log_table_holds_its_ttl_days_and_pitr_bills_each_tables_size():
    result = bill(100_000)
    v = monthly.volumes(100_000, MEASURED, ASSUMPTIONS)
    entry = (v.contacts * 450 + v.receipts * ASSUMPTIONS.receipt_entry_bytes + v.events * ASSUMPTIONS.event_entry_bytes) / v.log_records
    kept = ASSUMPTIONS.audit_table_days + ASSUMPTIONS.ttl_lag_days
    assert result["storage_bytes"]["contacts_table"] == pytest.approx(v.log_records * kept * (entry + 100))
    assert result["storage_bytes"]["accounts_table"] == pytest.approx(100_000 * (800 + 100))
    tables = sum(result["storage_bytes"][k] for k in ("accounts_table", "contacts_table", "numbers_table"))
    assert result["lines"]["dynamodb_pitr"]["usd"] == pytest.approx(tables / GIB * PRICES["dynamodb_pitr_gb_month"])
    without = bill(100_000, facts=replace(FACTS, tables_with_pitr=("AccountsTable",)))
    assert without["lines"]["dynamodb_pitr"]["usd"] == pytest.approx(100_000 * 900 / GIB * PRICES["dynamodb_pitr_gb_month"])
    # Twice the TTL, twice the table (the index too), the same archive.
    longer = bill(100_000, assumptions=replace(ASSUMPTIONS, audit_table_days=2 * kept - ASSUMPTIONS.ttl_lag_days))
    assert longer["storage_bytes"]["contacts_table"] == pytest.approx(2 * result["storage_bytes"]["contacts_table"])
    assert longer["storage_bytes"]["archive"] == pytest.approx(result["storage_bytes"]["archive"])


def test_archive_at_steady_state_holds_each_profiles_retention():
    v = monthly.volumes(1_000_000, MEASURED, ASSUMPTIONS)
    archive = monthly.archive_of(v, ASSUMPTIONS, {"CN": 5, "US": 3, "EU": 6})
    for profile, years in {"CN": 5, "US": 3, "EU": 6}.items():
        assert archive.stored_bytes[profile] == pytest.approx(archive.gz_bytes_per_day[profile] * 365 * years)
    assert sum(archive.gz_bytes_per_day.values()) == pytest.approx(
        v.log_records * monthly.ARCHIVE_JSON_BYTES_PER_RECORD * monthly.gzip_ratio(archive.records_per_object)
    )
    assert archive.objects_per_day * archive.records_per_object == pytest.approx(v.log_records)
    # Doubling the CN retention doubles CN's archive and nothing else.
    longer = monthly.archive_of(v, ASSUMPTIONS, {"CN": 10, "US": 3, "EU": 6})
    assert longer.stored_bytes["CN"] == pytest.approx(2 * archive.stored_bytes["CN"])
    assert longer.stored_bytes["US"] == pytest.approx(archive.stored_bytes["US"])


def test_archive_objects_past_128_kb_move_to_glacier_ir_after_the_lifecycle_days():
    big = replace(ASSUMPTIONS, archive_active_minutes_per_day=1, archive_records_per_stream_shard_day=1e12, archive_batch_records=100_000)
    result = bill(1_000_000, assumptions=big)
    archive = result["archive"]
    assert archive["glacier"] is True and archive["object_bytes"] >= monthly.GLACIER_IR_MIN_OBJECT_BYTES
    standard = sum(b * 90 for b in archive["gz_bytes_per_day"].values())
    assert result["lines"]["archive_storage_standard"]["usd"] == pytest.approx(standard / GIB * PRICES["s3_standard_gb_month"])
    glacier = archive["stored_bytes"] and sum(archive["stored_bytes"].values()) - standard
    assert result["lines"]["archive_storage_glacier_ir"]["usd"] == pytest.approx(glacier / GIB * PRICES["s3_glacier_ir_gb_month"])
    # Small objects (the default: a batch split by kind and profile) stay in S3 Standard for their whole retention.
    small = bill(10_000)
    assert small["archive"]["glacier"] is False and small["lines"]["archive_storage_glacier_ir"]["usd"] == 0


def test_gzip_ratio_falls_with_records_per_object_through_the_measured_points():
    assert monthly.gzip_ratio(50) == pytest.approx(0.121)
    assert monthly.gzip_ratio(1000) == pytest.approx(0.085)
    assert monthly.gzip_ratio(10**6) == pytest.approx(0.085)
    ratios = [monthly.gzip_ratio(n) for n in (1, 3, 10, 30, 100, 300, 1000)]
    assert ratios == sorted(ratios, reverse=True)


def test_sms_fees_are_texts_times_parts_times_the_price_per_part():
    result = bill(100_000)
    v = monthly.volumes(100_000, MEASURED, ASSUMPTIONS)
    assert result["lines"]["sms_fees_CN"]["usd"] == pytest.approx(v.texts * 0.6 * 2.0 * 0.02 * DAYS_PER_MONTH)
    assert result["lines"]["sms_fees_US"]["usd"] == pytest.approx(v.texts * 0.25 * 1.5 * 0.01 * DAYS_PER_MONTH)
    assert result["lines"]["sms_fees_GB"]["usd"] == pytest.approx(v.texts * 0.15 * 0.5 * 1.0 * 0.04 * DAYS_PER_MONTH)
    assert result["lines"]["sms_fees_DE"]["usd"] == pytest.approx(v.texts * 0.15 * 0.5 * 1.0 * 0.08 * DAYS_PER_MONTH)
    assert "UNVERIFIED, as of 2025-06" in result["lines"]["sms_fees_CN"]["basis"]
    # One part fewer per CN text halves CN's fee; SMS fees never enter the per-1,000 figure.
    one_part = replace(MEASURED, day=replace(DAY, sms_parts_per_text={"CN": 1.0, "US": 1.5, "EU": 1.0}))
    shorter = bill(100_000, measured=one_part)
    assert shorter["lines"]["sms_fees_CN"]["usd"] == pytest.approx(result["lines"]["sms_fees_CN"]["usd"] / 2)
    assert shorter["per_1000_due_usd"] == pytest.approx(result["per_1000_due_usd"])
    assert result["total_usd"] == pytest.approx(result["total_excluding_sms_usd"] + result["sms_usd"])


def test_per_1000_due_divides_the_month_by_the_due_accounts():
    result = bill(1_000_000)
    assert result["per_1000_due_usd"] == pytest.approx(result["total_excluding_sms_usd"] / (500_000 * DAYS_PER_MONTH / 1000))


def test_steady_state_figures_at_a_million_due_a_day_and_the_ratio_on_the_same_basis():
    figures = monthly.steady_state(MEASURED, ASSUMPTIONS, PRICES, SMS, FACTS, ORIGINATION)
    design = figures["details"]["design_bill"]
    assert design["volumes_per_day"]["due"] == pytest.approx(1_000_000)
    assert figures["cost_per_1000_due_accounts_steady_state_usd"] == pytest.approx(design["per_1000_due_usd"])
    assert set(figures["monthly_cost_usd"]) == {"10k", "100k", "1M"}
    for book in figures["monthly_cost_usd"].values():
        assert set(book["lines_usd"]) == EXPECTED_LINES
        assert book["total_usd"] == pytest.approx(book["excluding_sms_usd"] + book["sms_usd"], abs=0.02)
    # The alternative replaces only the run's lines: the rest of the bill is common to both designs.
    run_lines = sum(line["usd"] for k, line in design["lines"].items() if k.startswith("run_") and k != "run_files_storage")
    theirs = cost_model.cost_usd(MEASURED.per_account_execution_per_due.scaled(1_000_000), PRICES)["total"] * DAYS_PER_MONTH
    expected = (design["total_excluding_sms_usd"] - run_lines + theirs) / design["total_excluding_sms_usd"]
    assert figures["cost_ratio_vs_per_account_execution_steady_state"] == pytest.approx(expected)
    assert 1 < figures["cost_ratio_vs_per_account_execution_steady_state"]
    assert figures["sms_parts_per_text"] == {"CN": 2.0, "US": 1.5, "EU": 1.0}
    json.dumps(figures)  # bench.json holds it as it is


def test_measured_inputs_survive_bench_json():
    again = Measured.from_dict(json.loads(json.dumps(MEASURED.as_dict())))
    assert again == MEASURED


def a_run() -> tuple[RunCounts, SimpleNamespace, Deployment]:
    counts = RunCounts(
        due_accounts=100,
        batches=1,
        parent_transitions=4,
        roles={"Plan": RUN, "Assess": BATCH, "Call": ACTION, "Sms": OUTBOX},
        invocations={"Plan": 1, "Assess": 1, "Call": 50, "Sms": 5},
        duration_ms={"Plan": 100.0, "Assess": 500.0, "Call": 50.0, "Sms": 500.0},
        calls={},
        dynamodb={
            ("Assess", DynamoCall("BatchGetItem", "accounts", items=100)): 1,
            ("Assess", DynamoCall("TransactWriteItems", "accounts", moves_due_index=True)): 10,
            ("Call", DynamoCall("TransactWriteItems", "contacts")): 50,
        },
        assess_function="Assess",
        outbox_messages=50,
    )
    run = SimpleNamespace(sizes=ItemSizes(800, 450, 162), contacted_accounts=100, contacts={"sms": 50, "call": 50}, log_bytes=45_000)
    return counts, run, Deployment(lambda_memory_mb=1024, runs_per_day=5, include_cold_starts=False)


def test_measured_from_a_run():
    counts, run, deployment = a_run()
    m = monthly.measured_from_run(counts, run, deployment, DAY)
    variable = cost_model.run_variable_usage(counts, run.sizes, deployment)
    assert m.run_per_contacted.scaled(100).as_dict() == pytest.approx(variable.as_dict())
    # A skipped account: its share of the batch's reads and time, and one reschedule (no share of the batch's writes).
    reschedule = cost_model.dynamodb_units({DynamoCall("UpdateItem", "accounts", moves_due_index=True): 1}, run.sizes)[1]
    assert m.run_per_skipped.dynamodb_wru == pytest.approx(reschedule)
    assert m.run_per_skipped.dynamodb_rru == pytest.approx(0.5)
    assert m.actions_per_contacted == {"call": 0.5, "sms": 0.5, "legal_review": 0.02}
    assert m.log_bytes_per_due == 450


def test_every_metric_the_functions_emit_is_priced():
    emitted = set()
    for path in (ROOT / "functions").rglob("*.py"):
        emitted |= set(re.findall(r"\bcount(?:_by)?\(\s*\"(\w+)\"", path.read_text(encoding="utf-8")))
    emitted.discard("")
    priced = set(bill_lines._custom_metrics(DAY, ASSUMPTIONS))
    # count(type(exc).__name__) emits these two (escalation.service.dispatch)
    assert emitted - priced == set(), f"metrics emitted but not in the bill: {sorted(emitted - priced)}"


def test_template_facts_count_what_is_deployed():
    facts = monthly.template_facts()
    observability = (ROOT / "infra" / "observability.yaml").read_text(encoding="utf-8")
    template = (ROOT / "template.yaml").read_text(encoding="utf-8")
    alarms = observability.count("Type: AWS::CloudWatch::Alarm") + template.count("Type: AWS::CloudWatch::Alarm")
    assert facts.alarms == alarms and facts.alarm_metrics >= alarms
    assert facts.dashboards == observability.count("Type: AWS::CloudWatch::Dashboard") + template.count("Type: AWS::CloudWatch::Dashboard")
    assert facts.kms_keys == template.count("Type: AWS::KMS::Key") >= 1
    assert "AccountsTable" in facts.tables_with_pitr and facts.schedules == 5 and facts.tracing


def test_sms_prices_name_their_source_date_and_that_they_are_unverified():
    document = json.loads(cost_model.PRICES_PATH.read_text())
    countries = document["sms"]["countries"]
    assert {"US", "CN", "GB", "DE"} <= set(countries)
    prices = monthly.load_sms_prices()
    for code, entry in countries.items():
        assert prices[code].usd_per_part > 0 and entry["source"].startswith("https://") and entry["as_of"], code
        assert entry["verified"] is False and prices[code].verified is False, code  # nothing could be checked against the live page
    assert countries["CN"]["cny_per_part"] > 0 and countries["CN"]["domestic_provider"]["cny_per_part"]
    # The US price lives once, in section prices (the report's figures read it there too): base + carrier fee.
    assert prices["US"].usd_per_part == pytest.approx(PRICES["sms_us_base_per_part"] + PRICES["sms_us_carrier_fee_per_part"])


def test_the_stored_inputs_print_a_bill(capsys):
    assert monthly.main([]) == 0
    out = capsys.readouterr().out
    assert "cost_per_1000_due_accounts_steady_state_usd" in out and "sms_fees_CN" in out


def test_the_benchs_entry_point_renders_the_days_texts_and_reads_the_template():
    figures = monthly.steady_state_figures(*a_run())
    assert set(figures) >= {
        "cost_per_1000_due_accounts_steady_state_usd",
        "cost_ratio_vs_per_account_execution_steady_state",
        "monthly_cost_usd",
        "sms_parts_per_text",
        "details",
    }
    parts = figures["sms_parts_per_text"]
    assert set(parts) == {"CN", "US", "EU"} and all(1 <= n <= 4 for n in parts.values())
    assert figures["details"]["assumptions"]["due_share"] == figures["details"]["measured"]["day"]["due_share"]
    json.dumps(figures)
