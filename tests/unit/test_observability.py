"""escalation.observability: what the functions emit as CloudWatch EMF metrics (the dashboard and alarms read these)."""

import json
from collections import Counter

import pytest

from escalation.logs import make_logger
from escalation.observability import NAMESPACE, count, count_by, metrics, observed


@pytest.fixture(autouse=True)
def _metrics_on(monkeypatch):
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "false")
    monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", "true")
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", "collections-escalation")
    # Handlers run earlier in the session with metrics disabled, and a disabled flush keeps what was counted.
    metrics.clear_metrics()


def emf_lines(out: str) -> list[dict]:
    return [json.loads(line) for line in out.splitlines() if line.startswith('{"_aws"')]


def test_counts_by_dimension_are_one_emf_line_per_combination(capsys):
    count_by("Contacts", Counter({("sms", "CN"): 3, ("call", "US"): 1, ("visit", "CN"): 0}), ("action", "profile"))
    lines = emf_lines(capsys.readouterr().out)
    assert len(lines) == 2
    by = {(line["action"], line["profile"]): line["Contacts"] for line in lines}
    assert by == {("sms", "CN"): [3.0], ("call", "US"): [1.0]}
    assert all(line["_aws"]["CloudWatchMetrics"][0]["Namespace"] == NAMESPACE for line in lines)


def test_a_handler_flushes_its_counts_when_it_returns_and_when_it_fails(capsys):
    logger = make_logger(service="collections-escalation")

    @observed(logger)
    def handler(event, context):
        count("SmsThrottled")
        if event.get("fail"):
            raise RuntimeError("boom")
        return {"ok": True}

    class Context:
        function_name, memory_limit_in_mb, invoked_function_arn, aws_request_id = "f", 256, "arn:aws:lambda:::function:f", "r"

    assert handler({}, Context()) == {"ok": True}
    with pytest.raises(RuntimeError):
        handler({"fail": True}, Context())
    lines = [line for line in emf_lines(capsys.readouterr().out) if "SmsThrottled" in line]
    assert [line["SmsThrottled"] for line in lines] == [[1.0], [1.0]]


def test_nothing_is_printed_when_metrics_are_disabled(capsys, monkeypatch):
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "true")
    count_by("Skips", Counter({("outside_window",): 2}), ("reason",))
    assert emf_lines(capsys.readouterr().out) == []


def test_a_warm_container_with_metrics_disabled_never_prints_them(capsys, monkeypatch):
    """Powertools prints a metric's 100th value even when disabled, unless each invocation's metrics are dropped."""
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "true")
    logger = make_logger(service="collections-escalation")

    @observed(logger)
    def handler(event, context):
        count("EventsApplied")

    class Context:
        function_name, memory_limit_in_mb, invoked_function_arn, aws_request_id = "f", 256, "arn:aws:lambda:::function:f", "r"

    for _ in range(150):
        handler({}, Context())
    assert emf_lines(capsys.readouterr().out) == []


@pytest.mark.parametrize(("detailed", "loaded"), [("false", False), ("true", True)])
def test_the_xray_sdk_loads_only_with_detailed_tracing(detailed, loaded):
    """The SDK costs ~270 ms per cold start (make bench): it is imported only when DETAILED_TRACING asks for it."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    functions = Path(__file__).resolve().parents[2] / "functions"
    env = {**os.environ, "PYTHONPATH": str(functions), "DETAILED_TRACING": detailed, "AWS_DEFAULT_REGION": "us-east-1"}
    probe = "import sys, escalation.observability as o; print('aws_xray_sdk.core' in sys.modules, o.tracer is not None)"
    out = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True).stdout.split()
    assert out == [str(loaded), str(loaded)]
