"""`make bench` at toy sizes: every measuring function runs and every key of bench.json is produced.

A smoke test, not a benchmark: nothing here asserts a timing. The bench starts its own local stacks
(template.yaml on moto) with the harness's default parameters, like every other handler test.
"""

import json
import math

import pytest

from sim import bench

TINY = bench.Sizes(
    decision_accounts=200,
    decision_seconds=0.2,
    e2e_accounts=12,
    plan_accounts=200,
    calibration_accounts=6,
    import_repetitions=1,
    import_modules={"SendSmsFunction": "send_sms.app"},
    lab_accounts=20,
    lab_days=10,
)
NUMBERS = (
    "decisions_per_second",
    "api_calls_per_contacted_account",
    "e2e_accounts_per_second",
    "plan_seconds_100k",
    "cost_per_1000_due_accounts_usd",
    "cost_ratio_vs_per_account_execution",
    "sms_fee_per_1000_usd",
    "lambda_gb_seconds_per_sms",
)


@pytest.fixture(scope="module")
def results():
    return bench.run_bench(quick=True, sizes=TINY)


def test_every_key_is_measured(results):
    for key in NUMBERS:
        assert isinstance(results[key], float | int) and math.isfinite(results[key]), key
    assert results["e2e_10k_accounts_per_second"] is None  # --quick skips the 10,000-account run
    assert set(results["handler_import_ms"]) == {"send_sms.app", "boto3"}
    assert set(results["targets"]) == set(bench.TARGETS)
    json.dumps(results)  # bench.json is plain JSON
    table = bench.format_table(results)
    for key in (*NUMBERS, "e2e_10k_accounts_per_second", "handler_import_ms[boto3]"):
        assert key.split(" ")[0] in table


def test_the_run_contacts_every_due_account_without_handler_errors(results):
    e2e = results["e2e"]
    assert e2e["handler_errors"] == []
    assert e2e["report"]["due"] == TINY.e2e_accounts
    assert e2e["contacted_accounts"] == TINY.e2e_accounts


def test_calls_are_attributed_to_the_handlers_not_the_orchestration_or_the_bench(results):
    calls = results["calls_breakdown"]
    product, orchestration = calls["product"], calls["orchestration"]
    assert product["sns.Publish"] == results["e2e"]["contacts"].get("sms", 0)
    # The run posts SMS to the outbox (the assessment's call); the releaser moves them to the send queue (its receives,
    # posts and deletes are counted); taking them off the send queue is the event source's, not counted.
    assert product["sqs.SendMessageBatch"] >= 1
    receivers = {f for f, ops in calls["by_function"].items() if "sqs.ReceiveMessage" in ops}
    assert receivers <= {"ReleaseTextsFunction"}
    assert product["dynamodb.BatchGetItem"] >= 1
    assert "lambda.Invoke" in orchestration and "lambda.Invoke" not in product
    for scope in (product, orchestration):
        assert not any(op.startswith("stepfunctions.") for op in scope), scope  # the bench's start and polling
    # The floor: one read, one conditional write and one send per contacted account.
    assert results["api_calls_per_contacted_account"] >= 3
    assert sum(product.values()) == calls["product_total"]


def test_plan_and_cost_details(results):
    plan = results["plan"]
    assert plan["accounts"] == TINY.plan_accounts and 0 < plan["due"] < TINY.plan_accounts
    details = results["cost_details"]
    assert details["per_1000_due_at_1m_due_per_day_usd"]["total"] == pytest.approx(results["cost_per_1000_due_accounts_usd"])
    # A thousand due accounts a day carry the same fixed costs as a million: dearer per account, never cheaper.
    assert details["per_1000_due_per_day_by_service_usd"]["total"] > results["cost_per_1000_due_accounts_usd"]
    assert details["fixed_usd_per_day"] > 0
    assert details["item_bytes"]["account"] > 0 and details["item_bytes"]["contact"] > 0
