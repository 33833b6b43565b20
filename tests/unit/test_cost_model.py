"""The cost model (sim/bench/cost_model.py): known counts and prices in, known dollars out. No AWS, no clocks."""

import json

import pytest

from sim.bench import cost_model
from sim.bench.cost_model import ACTION, BATCH, RUN, Deployment, DynamoCall, ItemSizes, RunCounts, Usage

# us-east-1 list prices as infra/prices.json records them; written out here so the arithmetic below
# stays checkable by hand when the file is re-checked and updated.
PRICES = {
    "stepfunctions_standard_transition": 0.000025,
    "stepfunctions_express_request": 0.000001,
    "stepfunctions_express_gb_second": 0.00001667,
    "lambda_request": 0.0000002,
    "lambda_arm64_gb_second": 0.0000133334,
    "dynamodb_ondemand_wru": 0.000000625,
    "dynamodb_ondemand_rru": 0.000000125,
    "sqs_standard_request": 0.0000004,
    "s3_put_request": 0.000005,
    "s3_get_request": 0.0000004,
    "sms_us_base_per_part": 0.00581,
    "sms_us_carrier_fee_per_part": 0.003,
    "cloudwatch_logs_ingest_gb": 0.50,
}

SIZES = ItemSizes(account=1500, contact=400, due_entry=160)

# One run of 100 due accounts, one batch, one SMS each; 1 GB functions so GB-seconds are seconds.
MEASURED = RunCounts(
    due_accounts=100,
    batches=1,
    parent_transitions=4,
    roles={"Plan": RUN, "Assess": BATCH, "Sms": ACTION, "Summary": RUN},
    invocations={"Plan": 1, "Assess": 1, "Sms": 100, "Summary": 1},
    duration_ms={"Plan": 100.0, "Assess": 1000.0, "Sms": 50.0, "Summary": 100.0},
    calls={
        ("Plan", "dynamodb", "Query"): 1,
        ("Plan", "s3", "PutObject"): 1,
        ("Assess", "dynamodb", "BatchGetItem"): 1,
        ("Assess", "s3", "PutObject"): 1,
        ("Sms", "dynamodb", "GetItem"): 100,
        ("Sms", "dynamodb", "UpdateItem"): 200,
        ("Sms", "dynamodb", "PutItem"): 100,
        ("Sms", "sns", "Publish"): 100,
        ("Summary", "s3", "ListObjectsV2"): 1,
        ("Summary", "s3", "GetObject"): 1,
        ("Summary", "s3", "PutObject"): 1,
    },
    dynamodb={
        ("Plan", DynamoCall("Query", "due_index", items=100)): 1,
        ("Assess", DynamoCall("BatchGetItem", "accounts", items=100)): 1,
        ("Sms", DynamoCall("GetItem", "accounts", consistent=True)): 100,
        ("Sms", DynamoCall("UpdateItem", "accounts")): 100,
        ("Sms", DynamoCall("UpdateItem", "accounts", moves_due_index=True)): 100,
        ("Sms", DynamoCall("PutItem", "contacts")): 100,
    },
    assess_function="Assess",
)
DEPLOYMENT = Deployment(lambda_memory_mb=1024, runs_per_day=1, inline_max_concurrency=10, include_cold_starts=False)


def test_prices_file_names_a_source_and_date_for_every_price():
    document = json.loads(cost_model.PRICES_PATH.read_text())
    assert document["region"] == "us-east-1"
    for name, entry in document["prices"].items():
        assert entry["usd"] > 0, name
        assert entry["source"].startswith("https://aws.amazon.com/"), name
        assert entry["page"] and entry["as_of"] and entry["recheck"] is True, name
    assert set(PRICES) <= set(cost_model.load_prices())  # the rest are the monthly bill's (tests/unit/test_monthly.py)
    assert {k: v for k, v in cost_model.load_prices().items() if k in PRICES} == PRICES


def test_read_and_write_units_round_like_dynamodb():
    assert cost_model.read_units(1, consistent=False) == 0.5
    assert cost_model.read_units(4096, consistent=True) == 1
    assert cost_model.read_units(4097, consistent=True) == 2
    assert cost_model.read_units(10_000, consistent=False) == 1.5
    assert cost_model.write_units(1) == 1
    assert cost_model.write_units(1024) == 1
    assert cost_model.write_units(1025) == 2


def test_item_size_follows_dynamodb_rules():
    item = {
        "account_id": {"S": "A-1"},  # 10 + 3
        "event_seq": {"N": "12345"},  # 9 + (1 + 3)
        "sms_consent": {"BOOL": True},  # 11 + 1
        "last_fired": {"M": {"reminder": {"S": "2026-04-14"}}},  # 10 + 3 + (1 + 8 + 10)
        "opted_out": {"L": [{"S": "sms"}]},  # 9 + 3 + (1 + 3)
    }
    assert cost_model.item_bytes(item) == 13 + 13 + 12 + 32 + 16


def test_dynamodb_units_of_counted_requests():
    calls = {
        DynamoCall("GetItem", "accounts", consistent=True): 10,  # 10 x 1
        DynamoCall("BatchGetItem", "accounts", items=100): 1,  # 100 x 0.5
        DynamoCall("Query", "due_index", items=100): 1,  # 16,000 bytes -> 4 x 0.5
        DynamoCall("UpdateItem", "accounts"): 10,  # 10 x 2 (1,500 bytes)
        DynamoCall("UpdateItem", "accounts", moves_due_index=True): 10,  # 10 x (2 + delete and put in the index)
        DynamoCall("PutItem", "contacts"): 10,  # 10 x 1
    }
    assert cost_model.dynamodb_units(calls, SIZES) == (10 + 50 + 2, 20 + 40 + 10)


def test_transactions_write_at_twice_the_units():
    # record(): the contact's put and the account's update in one TransactWriteItems, one entry per item.
    calls = {
        DynamoCall("TransactWriteItems", "contacts"): 10,  # 10 x 2 x 1 (400 bytes)
        DynamoCall("TransactWriteItems", "accounts", moves_due_index=True): 10,  # 10 x (2 x 2 + 2 x 2 index writes)
    }
    assert cost_model.dynamodb_units(calls, SIZES) == (0, 20 + 80)


def test_cost_of_usage_by_service():
    usage = Usage(
        standard_transitions=1000,
        express_requests=1000,
        express_gb_seconds=100,
        lambda_requests=1_000_000,
        lambda_gb_seconds=1000,
        dynamodb_rru=1_000_000,
        dynamodb_wru=1_000_000,
        sqs_requests=1_000_000,
        s3_put_requests=1000,
        s3_get_requests=1000,
    )
    cost = cost_model.cost_usd(usage, PRICES)
    assert cost["step_functions"] == pytest.approx(0.025 + 0.001 + 0.001667)
    assert cost["lambda"] == pytest.approx(0.20 + 0.0133334)
    assert cost["dynamodb"] == pytest.approx(0.125 + 0.625)
    assert cost["sqs"] == pytest.approx(0.40)
    assert cost["s3"] == pytest.approx(0.005 + 0.0004)
    assert cost["total"] == pytest.approx(sum(v for k, v in cost.items() if k != "total"))


def test_billing_granularity():
    assert cost_model.lambda_gb_seconds(1000, 1024) == 1
    assert cost_model.lambda_gb_seconds(0.4, 1024) == pytest.approx(0.001)  # 1 ms steps
    assert cost_model.express_gb_seconds(150, 64) == pytest.approx(0.2 * 64 / 1024)  # 100 ms steps, 64 MB
    assert cost_model.express_gb_seconds(150, 100) == pytest.approx(0.2 * 128 / 1024)  # memory in 64 MB chunks


def test_modelled_duration_scales_cpu_by_memory_and_adds_round_trips():
    calls = {("dynamodb", "GetItem"): 2, ("sns", "Publish"): 1}
    full_core = cost_model.modelled_duration_ms(4.0, calls, cost_model.FULL_VCPU_MB)
    assert full_core == pytest.approx(4 + 3 * cost_model.SDK_CPU_MS_PER_CALL + 2 * 6 + 40)
    small = cost_model.FULL_VCPU_MB // 4
    slowdown = cost_model.FULL_VCPU_MB / small
    assert cost_model.modelled_duration_ms(4.0, calls, small) == pytest.approx((4 + 3 * cost_model.SDK_CPU_MS_PER_CALL) * slowdown + 52)
    # Waiting on purpose (an SMS sender pacing itself) is billed as it is, not scaled.
    assert cost_model.modelled_duration_ms(4.0, calls, small, idle_ms=150) == pytest.approx(
        cost_model.modelled_duration_ms(4.0, calls, small) + 150
    )


def test_daily_usage_scales_the_measured_run():
    usage = cost_model.daily_usage(MEASURED, SIZES, DEPLOYMENT, due_per_day=1000)
    # Once per run: plan and summary (0.1 GB-s each, 2 requests), 4 transitions, one 4-unit query page,
    # 3 S3 PUT/LIST and 2 GETs (the summary's read and the Map reading the manifest).
    # Per 100 due accounts, ten times: 1 assessment (1 GB-s) + 100 SMS (5 GB-s), one Express child
    # (1,000 ms + 10 waves of 50 ms = 1.5 s at 64 MB) and its parent transition; 150 RRU, 700 WRU, 1 PUT.
    assert usage.standard_transitions == pytest.approx(4 + 10)
    assert usage.express_requests == pytest.approx(10)
    assert usage.express_gb_seconds == pytest.approx(10 * 1.5 * 64 / 1024)
    assert usage.lambda_requests == pytest.approx(2 + 10 * 101)
    assert usage.lambda_gb_seconds == pytest.approx(0.2 + 10 * 6)
    assert usage.dynamodb_rru == pytest.approx(2 + 10 * 150)
    assert usage.dynamodb_wru == pytest.approx(10 * 700)
    assert usage.s3_put_requests == pytest.approx(3 + 10)
    assert usage.s3_get_requests == pytest.approx(2)
    dollars = cost_model.cost_per_1000_due(MEASURED, SIZES, DEPLOYMENT, PRICES)
    expected = (
        14 * 0.000025
        + 10 * 0.000001
        + 0.9375 * 0.00001667
        + 1012 * 0.0000002
        + 60.2 * 0.0000133334
        + 1502 * 0.000000125
        + 7000 * 0.000000625
        + 13 * 0.000005
        + 2 * 0.0000004
    )
    assert dollars["total"] == pytest.approx(expected)


def test_a_function_with_its_own_memory_size_is_billed_at_it():
    # The plan at 2 GB (template: PlanRun's MemorySize), the rest at the Globals' 1 GB: 0.1 s x 2 GB instead of x 1 GB.
    bigger = Deployment(lambda_memory_mb=1024, runs_per_day=1, include_cold_starts=False, memory_mb={"Plan": 2048})
    assert bigger.memory_of("Plan") == 2048 and bigger.memory_of("Assess") == 1024
    usage = cost_model.daily_usage(MEASURED, SIZES, bigger, due_per_day=1000)
    base = cost_model.daily_usage(MEASURED, SIZES, DEPLOYMENT, due_per_day=1000)
    assert usage.lambda_gb_seconds - base.lambda_gb_seconds == pytest.approx(0.1)


def test_runs_per_day_repeat_only_the_fixed_part():
    one = cost_model.daily_usage(MEASURED, SIZES, DEPLOYMENT, 1000)
    five = cost_model.daily_usage(MEASURED, SIZES, Deployment(lambda_memory_mb=1024, runs_per_day=5, include_cold_starts=False), 1000)
    fixed = cost_model.run_fixed_usage(MEASURED, SIZES, DEPLOYMENT)
    assert (five - one).as_dict() == pytest.approx(fixed.scaled(4).as_dict())


def test_cold_starts_at_peak_concurrency():
    run = RunCounts(**{**MEASURED.__dict__, "init_ms": {"Plan": 500.0, "Assess": 500.0, "Sms": 500.0, "Summary": 500.0}})
    cold = cost_model.cold_start_usage(run, Deployment(lambda_memory_mb=1024, runs_per_day=1), due_per_run=1000)
    # 10 children: plan and summary 1 each, 10 assessments, SMS capped at 10 children x 10 inline = 100.
    assert cold.lambda_gb_seconds == pytest.approx((1 + 1 + 10 + 100) * 0.5)
    assert cost_model.cold_start_usage(run, Deployment(include_cold_starts=False), 1000) == Usage()


def test_per_account_execution_alternative_and_ratio():
    theirs = cost_model.per_account_execution_usage(MEASURED, SIZES, DEPLOYMENT, due_per_day=1000)
    # Per account and day: Wait, Assess, ByAction + 1 action = 4 transitions; 2 invocations (the SMS, and an
    # assessment of 1000/100 + 6 ms for its GetItem); the same 1.5 RRU and 7 WRU.
    assert theirs.standard_transitions == pytest.approx(4000)
    assert theirs.lambda_requests == pytest.approx(2000)
    assert theirs.lambda_gb_seconds == pytest.approx(1000 * (0.05 + 0.016))
    assert theirs.dynamodb_rru == pytest.approx(1500)
    assert theirs.dynamodb_wru == pytest.approx(7000)
    assert theirs.express_requests == theirs.s3_put_requests == 0
    theirs_usd = 4000 * 0.000025 + 2000 * 0.0000002 + 66 * 0.0000133334 + 1500 * 0.000000125 + 7000 * 0.000000625
    ours_usd = cost_model.cost_per_1000_due(MEASURED, SIZES, DEPLOYMENT, PRICES)["total"]
    ratio = cost_model.cost_ratio_vs_per_account_execution(MEASURED, SIZES, DEPLOYMENT, PRICES)
    assert ratio == pytest.approx(theirs_usd / ours_usd)
    assert ratio > 10


def test_sms_fee_per_1000():
    assert cost_model.sms_fee_per_1000(PRICES) == pytest.approx(8.81)
    assert cost_model.sms_fee_per_1000(PRICES, parts_per_message=2) == pytest.approx(17.62)


def test_logs_count_the_functions_records_and_lambdas_own_lines():
    assert cost_model.logs_usd(1e9, 0, PRICES) == pytest.approx(0.50)
    assert cost_model.logs_usd(0, 1000, PRICES) == pytest.approx(1000 * cost_model.PLATFORM_LOG_BYTES_PER_INVOCATION / 1e9 * 0.50)
    # 100 due accounts wrote 200 KB of records; 1,000 due accounts a day: 2 MB plus 1,012 invocations' lines.
    per_1000 = cost_model.logs_per_1000_due(MEASURED, 200_000, DEPLOYMENT, PRICES)
    assert per_1000 == pytest.approx((2_000_000 + 1012 * cost_model.PLATFORM_LOG_BYTES_PER_INVOCATION) / 1e9 * 0.50)


def test_child_duration_runs_decisions_in_waves():
    # 100 decisions in one child at 10 at a time: 10 waves of the mean dispatch after the assessment.
    assert MEASURED.child_duration_at(10) == pytest.approx(1000 + 10 * 50)
    assert MEASURED.child_duration_at(100) == pytest.approx(1000 + 50)


def test_sms_through_the_outbox_leave_the_map_child_and_add_the_event_sources_requests():
    # The same 100 SMS, sent by an outbox consumer in 10 batches of 10 (each batch 10 x 50 ms) instead of per decision.
    outbox = RunCounts(
        **{
            **MEASURED.__dict__,
            "roles": {**MEASURED.roles, "Sms": cost_model.OUTBOX},
            "invocations": {**MEASURED.invocations, "Sms": 10},
            "duration_ms": {**MEASURED.duration_ms, "Sms": 500.0},
            "outbox_messages": 100,
        }
    )
    assert outbox.child_duration_at(10) == pytest.approx(1000)  # the child only assesses now
    per_run, per_decision = (cost_model.daily_usage(r, SIZES, DEPLOYMENT, 1000) for r in (outbox, MEASURED))
    # Per day: the event source's idle long polls; per outbox batch, one receive and one delete.
    assert per_run.sqs_requests - per_decision.sqs_requests == pytest.approx(cost_model.ESM_IDLE_RECEIVES_PER_DAY + 10 * 10 * 2)
    assert per_run.lambda_requests == pytest.approx(per_decision.lambda_requests - 10 * 90)
    assert per_run.lambda_gb_seconds == pytest.approx(per_decision.lambda_gb_seconds)  # the same sending time
    # Cold starts: the senders' reserved concurrency, not the Map's inline fan-out.
    cold = cost_model.cold_start_usage(
        RunCounts(**{**outbox.__dict__, "init_ms": {"Sms": 500.0}}), Deployment(lambda_memory_mb=1024, sms_senders=4), 1000
    )
    assert cold.lambda_gb_seconds == pytest.approx(4 * 0.5)
    # The per-account-execution alternative still sends every text with its own Task.
    alternative = cost_model.per_account_execution_usage(outbox, SIZES, DEPLOYMENT, 1000)
    assert alternative.standard_transitions == pytest.approx(1000 * (cost_model.ALTERNATIVE_STATES_PER_DAY + 1))
