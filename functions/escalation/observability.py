"""Tracing and metrics for every function: Powertools Tracer (X-Ray) and Metrics (CloudWatch EMF).

`observed(logger)` wraps a handler with the logger's Lambda context, a metrics flush and, when
DETAILED_TRACING is "true", Powertools Tracer's segment with a subsegment per AWS call.

Why the Tracer is opt-in: Lambda's active tracing already records every invocation in X-Ray,
joined to the Step Functions trace, without code. The X-Ray SDK behind the Tracer creates its
own botocore session and sampling client when it is imported: ~120-190 ms more on every cold
start of every container (`make bench`: imports.heaviest_handler_with_detailed_tracing_ms), about
a third more than without it. Turn it on (template parameter DetailedTracing) to see each AWS
call's latency.

Metrics are emitted per batch or per run, not per contact, so a day of a million accounts
writes a few thousand EMF lines, not millions. Names and dimensions (namespace
``CollectionsEscalation``; the dashboard and alarms in infra/ read them):

| metric | dimensions | emitted by |
|---|---|---|
| Decisions | action, profile | AssessAccounts (per batch) |
| Skips | reason | AssessAccounts (per batch) |
| Contacts | action, profile | RecordOutcomes (sent or recovered, per batch) |
| DispatchOutcomes | outcome | RecordOutcomes (sent, skipped, duplicate, recovered, failed) |
| SmsThrottled, SmsFailed | - | SendSms (provider refusals) |
| AccountsDue, FailedAccounts, RunDurationSeconds | - | SummarizeRun (per run) |
| EventsApplied, EventsRejected | - | IngestEvents (per message) |
"""

from __future__ import annotations

import functools
import os
import warnings
from collections import Counter
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import EphemeralMetrics, MetricUnit
from aws_lambda_powertools.metrics.functions import is_metrics_disabled

NAMESPACE = "CollectionsEscalation"
metrics = Metrics(namespace=NAMESPACE)
tracer = Tracer() if os.environ.get("DETAILED_TRACING", "false").lower() == "true" else None
# Handlers with nothing to count (most invocations of some) flush nothing; that is expected.
warnings.filterwarnings("ignore", message="No application metrics to publish")


def observed(logger: Logger) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorate a Lambda handler: logger context, metrics flushed at the end, X-Ray segment if detailed."""

    def wrap(handler: Callable[..., Any]) -> Callable[..., Any]:
        measured = _discarding_disabled_metrics(metrics.log_metrics(handler))
        return logger.inject_lambda_context(tracer.capture_lambda_handler(measured) if tracer else measured)

    return wrap


def _discarding_disabled_metrics(handler: Callable[..., Any]) -> Callable[..., Any]:
    """With POWERTOOLS_METRICS_DISABLED (the local stack), drop each invocation's metrics when it ends.

    Powertools' flush keeps disabled metrics instead of clearing them, and its automatic flush at 100 values of one
    metric prints regardless of the switch (3.x, cloudwatch.py add_metric): a warm container would print an EMF
    line into whatever it runs under, e.g. the demo's table. Deployed, metrics are enabled and this does nothing.
    """

    @functools.wraps(handler)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return handler(*args, **kwargs)
        finally:
            if is_metrics_disabled():
                metrics.clear_metrics()

    return run


def count(name: str, value: float = 1, unit: MetricUnit = MetricUnit.Count) -> None:
    """A metric without dimensions, flushed with the handler's other metrics."""
    if value:
        metrics.add_metric(name=name, unit=unit, value=value)


def count_by(name: str, counts: Counter[tuple[str, ...]], dimensions: tuple[str, ...]) -> None:
    """One EMF line per dimension combination (Powertools flushes one dimension set per line)."""
    for values, value in sorted(counts.items()):
        if not value:
            continue
        line = EphemeralMetrics(namespace=NAMESPACE)  # its own dimension set; honours POWERTOOLS_METRICS_DISABLED
        for dimension, dimension_value in zip(dimensions, values, strict=True):
            line.add_dimension(name=dimension, value=str(dimension_value))
        line.add_metric(name=name, unit=MetricUnit.Count, value=value)
        line.flush_metrics()
