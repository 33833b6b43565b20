"""From a measured run to dollars: the deployment as template.yaml sets it, the run's counts with handler durations
modelled for AWS, and the cost figures of bench.json (the model itself is cost_model.py)."""

from __future__ import annotations

import functools
import json
import statistics
from collections import Counter, defaultdict
from dataclasses import asdict, replace
from typing import Any

from ..local.template import ROOT, load_template, resources_of_type
from . import cost_model
from .calls import Invocation
from .cost_model import RunCounts
from .daily_run import DailyRun
from .handler_time import HandlerTime
from .shape import daily_run_shape

DESIGN_DUE_PER_DAY = 1_000_000  # the scale docs/SCALING.md plans for


def deployment_from_template(template: dict[str, Any] | None = None) -> cost_model.Deployment:
    """Memory, batch size, concurrency and schedules as template.yaml and the daily-run ASL deploy them."""
    template = template or load_template()
    machine = resources_of_type(template, "AWS::Serverless::StateMachine")["DailyRunStateMachine"]["Properties"]
    asl = json.loads((ROOT / machine["DefinitionUri"]).read_text())
    escalate = asl["States"]["EscalateAccounts"]
    inline = escalate["ItemProcessor"]["States"]["EscalateEachAccount"]
    functions = resources_of_type(template, "AWS::Serverless::Function")
    return cost_model.Deployment(
        lambda_memory_mb=int(template["Globals"]["Function"]["MemorySize"]),
        memory_mb={f: int(res["Properties"]["MemorySize"]) for f, res in functions.items() if "MemorySize" in res["Properties"]},
        runs_per_day=sum(1 for e in machine.get("Events", {}).values() if e["Type"] == "ScheduleV2"),
        batch_size=int(template["Parameters"]["BatchSize"]["Default"]),
        map_max_concurrency=int(escalate.get("MaxConcurrency", 1000)),
        inline_max_concurrency=int(inline.get("MaxConcurrency", 40)),
        sms_senders=int(template["Parameters"]["SmsSenders"]["Default"]),
    )


def run_counts(run: DailyRun, deployment: cost_model.Deployment, handler_times: dict[str, HandlerTime]) -> RunCounts:
    """What the cost model needs from a measured run, with handler durations modelled for AWS.

    Each function's own CPU and waiting per invocation come from `handler_times` (measured one call at a time,
    `measure_code_cpu`) where there is one: in the run, dozens of threads share one interpreter and
    a thread's CPU clock also counts the interpreter's switching between them. The AWS calls per
    invocation are the run's.
    """
    by_function: dict[str, list[Invocation]] = defaultdict(list)
    for inv in run.counter.invocations:
        by_function[inv.function].append(inv)
    shape = daily_run_shape()
    duration = {}
    for function, invocations in by_function.items():
        calls: Counter[tuple[str, str]] = Counter()
        for inv in invocations:
            calls.update(inv.calls)
        mean_calls = {k: n / len(invocations) for k, n in calls.items()}
        own = handler_times.get(function) or HandlerTime(statistics.fmean(i.code_cpu_ms for i in invocations), 0.0)
        idle = own.idle_ms  # nothing waits on purpose: the releaser paces the texts (escalation.service.release)
        duration[function] = cost_model.modelled_duration_ms(own.code_cpu_ms, mean_calls, deployment.memory_of(function), idle)
    return RunCounts(
        due_accounts=run.accounts,
        batches=len(by_function.get(shape.assess, [])) or 1,
        parent_transitions=run.parent_transitions,
        roles=shape.roles,
        invocations={f: len(invs) for f, invs in by_function.items()},
        duration_ms=duration,
        calls=dict(run.counter.product_calls()),
        dynamodb=dict(run.counter.dynamodb),
        assess_function=shape.assess,
        outbox_messages=run.outbox_messages,
    )


def harness_counts(counts: RunCounts, run: DailyRun) -> RunCounts:
    """The same run with the harness's wall durations instead of modelled ones (a pessimistic bound)."""
    by_function: dict[str, list[float]] = defaultdict(list)
    for inv in run.counter.invocations:
        by_function[inv.function].append(inv.wall_ms)
    return replace(counts, duration_ms={f: statistics.fmean(v) for f, v in by_function.items()})


def cost_figures(counts: RunCounts, run: DailyRun, deployment: cost_model.Deployment) -> dict[str, Any]:
    prices = cost_model.load_prices()
    sizes, sms_parts = run.sizes, run.sms_parts
    logs = cost_model.logs_per_1000_due(counts, run.log_bytes, deployment, prices)
    per_1000 = cost_model.cost_per_1000_due(counts, sizes, deployment, prices)
    at_design = cost_model.cost_usd(cost_model.daily_usage(counts, sizes, deployment, DESIGN_DUE_PER_DAY), prices)
    fixed_per_day = cost_model.cost_usd(cost_model.daily_usage(counts, sizes, deployment, 0), prices)["total"]
    alternative = cost_model.cost_usd(cost_model.per_account_execution_usage(counts, sizes, deployment, 1000), prices)
    us_parts = sms_parts.get("US", 1.0)
    ratio = functools.partial(cost_model.cost_ratio_vs_per_account_execution, counts, sizes, deployment, prices)
    return {
        # At the volume the product is built for: a day's fixed costs (the outbox's idle poller, five plans and
        # summaries) are spread over a million due accounts, not a thousand (both are below).
        "cost_per_1000_due_accounts_usd": at_design["total"] * 1000 / DESIGN_DUE_PER_DAY,
        "cost_ratio_vs_per_account_execution": ratio(due_per_day=DESIGN_DUE_PER_DAY),
        "sms_fee_per_1000_usd": cost_model.sms_fee_per_1000(prices, us_parts),
        "cost_details": {
            "basis": f"headline figures at {DESIGN_DUE_PER_DAY:,} due accounts a day; fixed costs per day below",
            "fixed_usd_per_day": fixed_per_day,
            "per_1000_due_at_1m_due_per_day_usd": {k: v * 1000 / DESIGN_DUE_PER_DAY for k, v in at_design.items()},
            "per_1000_due_per_day_by_service_usd": per_1000,
            "cost_ratio_at_1000_due_per_day": ratio(due_per_day=1000),
            "per_account_execution_per_1000_due_usd": alternative,
            "cloudwatch_logs_per_1000_due_usd": logs,
            "total_with_cloudwatch_logs_per_1000_due_usd": at_design["total"] * 1000 / DESIGN_DUE_PER_DAY + logs,
            "log_bytes_per_due_account": run.log_bytes / max(run.accounts, 1),
            "not_modelled": "here: storage, fixed monthly costs, the channels (events, receipts), the archive, X-Ray, KMS, AppConfig: "
            "all of them are in the steady-state figures (sim.bench.monthly.steady_state_figures: "
            "cost_per_1000_due_accounts_steady_state_usd, monthly_cost_usd)",
            "daily_usage_at_1000_due": cost_model.daily_usage(counts, sizes, deployment, 1000).as_dict(),
            "lambda_duration_ms_modelled": {k: round(v, 1) for k, v in counts.duration_ms.items()},
            "express_child_duration_ms_modelled": round(counts.child_duration_at(deployment.inline_max_concurrency), 1),
            "item_bytes": asdict(sizes),
            "sms_parts_per_message_by_profile": sms_parts,
            "sms_fee_basis": f"US base + carrier fee per part x {us_parts:.2f} parts (the run's US texts); CN and EU prices differ",
            "deployment": asdict(deployment),
            "assumptions": {
                "api_latency_ms": {"/".join(k) if isinstance(k, tuple) else k: v for k, v in cost_model.API_LATENCY_MS.items()},
                "sdk_cpu_ms_per_call": cost_model.SDK_CPU_MS_PER_CALL,
                "full_vcpu_mb": cost_model.FULL_VCPU_MB,
                "alternative_states_per_account_day": f"{cost_model.ALTERNATIVE_STATES_PER_DAY} + one per action",
                "prices": "infra/prices.json (re-check before quoting)",
            },
        },
    }
