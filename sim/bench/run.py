"""The whole bench: every measurement in turn, the dictionary bench.json holds, its verdicts against the targets,
and the command line (`python -m sim.bench`)."""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from . import cost_model
from .accounts import RUN_AS_OF
from .assess_path import ASSESS_BATCHES, ASSESS_QUICK_BATCHES, measure_assess_path
from .calls import ApiCallCounter, calls_by_function, calls_by_operation
from .costs import cost_figures, deployment_from_template, harness_counts, run_counts
from .daily_run import DailyRun, measure_daily_run
from .decisions import DECISION_ACCOUNTS, DECISION_SECONDS, measure_decisions
from .handler_time import HandlerTime, measure_code_cpu
from .imports import IMPORT_REPETITIONS, measure_imports
from .lab import LAB_ACCOUNTS, LAB_DAYS, measure_lab
from .monthly import steady_state_figures
from .plan import PLAN_ACCOUNTS, measure_plan
from .shape import daily_run_shape
from .table import format_table

E2E_ACCOUNTS = 1_000
E2E_10K_ACCOUNTS = 10_000

TARGETS = {
    "decisions_per_second": (">=", 50_000),
    "assess_accounts_per_cpu_second": (">=", 25_000),
    "api_calls_per_contacted_account": ("<=", 5),
    "api_calls_per_contacted_account_total": ("<=", 3.5),
    "cost_per_1000_due_accounts_usd": ("<=", 0.01),
    "cost_per_1000_due_accounts_steady_state_usd": ("<=", 0.006),
    "cost_ratio_vs_per_account_execution": (">=", 30),
    "handler_import_ratio_vs_boto3": ("<=", 2),
    "lab_seconds_10k_accounts_90_days_two_policies": ("<=", 600),
}


@dataclass(frozen=True)
class Sizes:
    decision_accounts: int = DECISION_ACCOUNTS
    decision_seconds: float = DECISION_SECONDS
    e2e_accounts: int = E2E_ACCOUNTS
    e2e_10k_accounts: int = E2E_10K_ACCOUNTS
    plan_accounts: int = PLAN_ACCOUNTS
    calibration_accounts: int = 100
    import_repetitions: int = IMPORT_REPETITIONS
    import_modules: dict[str, str] | None = None  # function -> module; None = every handler of template.yaml
    lab_accounts: int = LAB_ACCOUNTS
    lab_days: int = LAB_DAYS


@dataclass
class Measurements:
    decisions: dict[str, Any]
    run: DailyRun
    run_10k: DailyRun | None
    plan: dict[str, Any]
    handler_times: dict[str, HandlerTime]
    imports: dict[str, Any]
    lab: dict[str, Any]
    assess_path: dict[str, Any]


def measure_all(quick: bool, sizes: Sizes, progress: Callable[[str], None]) -> Measurements:
    """Every measurement in turn; `progress` hears what starts and what each one found (a killed bench keeps its log)."""
    progress(f"decisions: {sizes.decision_accounts} realistic accounts, {sizes.decision_seconds:.0f}s")
    decisions = measure_decisions(sizes.decision_accounts, sizes.decision_seconds)
    progress(f"  {decisions['decisions_per_second']:,.0f} decisions/s")
    batches = ASSESS_QUICK_BATCHES if quick else ASSESS_BATCHES
    progress(f"assessment path: {batches} batches replayed (AWS's answers recorded once, no moto in the timed part)")
    assess_path = measure_assess_path(batches)
    progress(f"  {assess_path['assess_accounts_per_cpu_second']:,.0f} accounts per CPU second")
    progress(f"daily run: {sizes.e2e_accounts} due accounts through the state machine on moto")
    run = measure_daily_run(sizes.e2e_accounts)
    progress(f"  {run.accounts_per_second:.2f} accounts/s ({run.seconds:.0f}s), {sum(run.counter.product_calls().values())} handler calls")
    run_10k = None
    if not quick:
        progress(f"daily run: {sizes.e2e_10k_accounts} due accounts")
        run_10k = measure_daily_run(sizes.e2e_10k_accounts)
        progress(f"  {run_10k.accounts_per_second:.2f} accounts/s ({run_10k.seconds:.0f}s)")
    progress(f"plan: loading {sizes.plan_accounts} accounts, then PlanRun once")
    plan = measure_plan(sizes.plan_accounts)
    progress(f"  {plan['plan_seconds']:.1f}s for {plan['due']} due (loaded in {plan['load_seconds']:.0f}s)")
    progress(f"handler CPU: {sizes.calibration_accounts} accounts' handlers called one at a time")
    handler_times = measure_code_cpu(sizes.calibration_accounts)
    progress("handler imports: a fresh interpreter per import")
    imports = measure_imports(sizes.import_repetitions, sizes.import_modules)
    lab_accounts = sizes.lab_accounts if not quick else min(sizes.lab_accounts, 1_000)
    progress(f"policy lab: {lab_accounts} accounts over {sizes.lab_days} days, two policies (make compare's path)")
    lab = measure_lab(lab_accounts, sizes.lab_days)
    progress(f"  {lab['lab_seconds']:.0f}s, {lab['lab_account_days_per_second']:,} account-days/s")
    return Measurements(decisions, run, run_10k, plan, handler_times, imports, lab, assess_path)


def run_bench(quick: bool = False, sizes: Sizes | None = None, progress: Callable[[str], None] = lambda _: None) -> dict[str, Any]:
    """Every measurement, as the dictionary bench.json holds."""
    started = time.perf_counter()
    results = results_of(measure_all(quick, sizes or Sizes(), progress))
    return results | {"quick": quick, "bench_seconds": time.perf_counter() - started}


RELEASER = "ReleaseTextsFunction"  # moves the texts from the outbox to the send queue, each delayed to its second


def lambda_gb_seconds_per_sms(counts: Any, deployment: cost_model.Deployment, texts: int) -> float | None:
    """Lambda GB-seconds per text at the modelled AWS durations: the senders', and the releaser's that moved them
    (nothing waits on purpose since issue 18; before, the senders' pacing sleep was most of it)."""
    sender = daily_run_shape().actions.get("sms")
    if not sender or not texts or sender not in counts.invocations:
        return None
    functions = [f for f in (sender, RELEASER) if f in counts.invocations]
    total = sum(cost_model.lambda_gb_seconds(counts.duration_ms[f], deployment.memory_of(f)) * counts.invocations[f] for f in functions)
    return round(total / texts, 5)


def calls_per_contacted_total(run: DailyRun) -> dict[str, Any]:
    """Every AWS call the path of a contact costs, per contacted account: the handlers' own, Step Functions' (Lambda
    invokes, the manifest read, the branches' SQS sends) and the SQS event sources' (a ReceiveMessage and a
    DeleteMessageBatch per batch they deliver, as Lambda's pollers make them; their empty polls are a fixed cost,
    in the cost model)."""
    product = run.counter.product_calls()
    orchestration = run.counter.scope_calls(ApiCallCounter.ORCHESTRATION)
    event_source = {"sqs.ReceiveMessage": run.event_source_batches, "sqs.DeleteMessageBatch": run.event_source_batches}
    contacted = max(run.contacted_accounts, 1)
    total = sum(product.values()) + sum(orchestration.values()) + sum(event_source.values())
    return {
        "api_calls_per_contacted_account_total": total / contacted,
        "handlers": sum(product.values()) / contacted,
        "step_functions": sum(orchestration.values()) / contacted,
        "event_sources": sum(event_source.values()) / contacted,
        "step_functions_calls": calls_by_operation(orchestration),
        "event_source_calls": event_source,
    }


def results_of(m: Measurements) -> dict[str, Any]:
    run = m.run
    deployment = deployment_from_template()
    counts = replace(run_counts(run, deployment, m.handler_times), init_ms=dict(m.imports["by_function"]))
    product = run.counter.product_calls()
    total_calls = sum(product.values())
    contacted = max(run.contacted_accounts, 1)
    actions = sum(run.contacts.values())
    costs = cost_figures(counts, run, deployment)
    pessimistic = cost_model.cost_per_1000_due(harness_counts(counts, run), run.sizes, deployment, cost_model.load_prices())
    costs["cost_details"]["per_1000_due_with_harness_wall_durations_usd"] = pessimistic
    costs["cost_details"]["handler_time_ms_measured_one_at_a_time"] = {k: asdict(v) for k, v in m.handler_times.items()}
    steady = steady_state_figures(counts, run, deployment)
    costs["cost_details"]["steady_state"] = steady["details"]
    costs["cost_details"]["run_only_ratio_vs_per_account_execution"] = costs["cost_ratio_vs_per_account_execution"]
    total = calls_per_contacted_total(run)
    values = {
        "decisions_per_second": m.decisions["decisions_per_second"],
        "assess_accounts_per_cpu_second": m.assess_path["assess_accounts_per_cpu_second"],
        "api_calls_per_contacted_account": total_calls / contacted,
        "api_calls_per_contacted_account_total": total["api_calls_per_contacted_account_total"],
        "cost_per_1000_due_accounts_usd": costs["cost_per_1000_due_accounts_usd"],
        "cost_per_1000_due_accounts_steady_state_usd": steady["cost_per_1000_due_accounts_steady_state_usd"],
        # On the steady-state basis since issue 18 (the run alone: cost_details.run_only_ratio_vs_per_account_execution).
        "cost_ratio_vs_per_account_execution": steady["cost_ratio_vs_per_account_execution_steady_state"],
        "handler_import_ratio_vs_boto3": m.imports["worst_ratio_vs_boto3"],
        # Measured at 10,000 accounts by the full bench; the quick bench scales its smaller book's time up.
        "lab_seconds_10k_accounts_90_days_two_policies": round(m.lab["lab_seconds"] * LAB_ACCOUNTS / m.lab["lab_accounts"], 1),
    }
    return {
        **{k: v for k, v in values.items() if k != "handler_import_ratio_vs_boto3"},
        "e2e_accounts_per_second": run.accounts_per_second,
        "e2e_10k_accounts_per_second": m.run_10k.accounts_per_second if m.run_10k else None,
        "plan_seconds_100k": m.plan["plan_seconds"],
        "lab_account_days_per_second": m.lab["lab_account_days_per_second"],
        "lab": m.lab,
        "assess_path": m.assess_path,
        "monthly_cost_usd": steady["monthly_cost_usd"],
        "sms_parts_per_text": steady["sms_parts_per_text"],
        "sms_fee_per_1000_usd": costs["sms_fee_per_1000_usd"],
        "lambda_gb_seconds_per_sms": lambda_gb_seconds_per_sms(counts, deployment, run.outbox_messages),
        "handler_import_ms": m.imports["handler_import_ms"],
        "calls_breakdown": {
            "product_total": total_calls,
            "contacted_accounts": run.contacted_accounts,
            "actions_dispatched": actions,
            "api_calls_per_action": total_calls / max(actions, 1),
            "per_contacted_account_total": total,
            "product": calls_by_operation(product),
            "product_per_contacted_account": {k: round(v / contacted, 3) for k, v in calls_by_operation(product).items()},
            "by_function": calls_by_function(product),
            "invocations": dict(counts.invocations),
            "orchestration": calls_by_operation(run.counter.scope_calls(ApiCallCounter.ORCHESTRATION)),
            "parent_state_transitions": run.parent_transitions,
            "note": "product = calls the Lambda handlers make; orchestration = moto's Step Functions (Lambda Invoke, "
            "manifest GetObject, the branches' SQS sends), which AWS makes on its own side; event sources = Lambda's SQS "
            "pollers (a receive and a batch delete per delivered batch); the bench's own start/poll calls are not counted.",
        },
        "cost_details": costs["cost_details"],
        "decisions": m.decisions,
        "e2e": _run_summary(run) | {"10k": _run_summary(m.run_10k)},
        "plan": m.plan,
        "imports": m.imports,
        "targets": target_results_of(values),
        "local_parameters": {"DueShards": m.plan["due_shards"], "MapChildExecutionType": "STANDARD (moto)", "as_of": RUN_AS_OF},
    }


def _run_summary(run: DailyRun | None) -> dict[str, Any] | None:
    if run is None:
        return None
    return {
        "accounts": run.accounts,
        "seconds": run.seconds,
        "accounts_per_second": run.accounts_per_second,
        "load_seconds": run.load_seconds,
        "report": run.report,
        "contacted_accounts": run.contacted_accounts,
        "contacts": run.contacts,
        "handler_errors": run.handler_errors[:20],
        "handler_wall_ms_mean": {
            f: statistics.fmean(i.wall_ms for i in run.counter.invocations if i.function == f)
            for f in sorted({i.function for i in run.counter.invocations})
        },
    }


def target_results_of(values: dict[str, float | None]) -> dict[str, dict[str, Any]]:
    out = {}
    for key, (op, limit) in TARGETS.items():
        value = values.get(key)
        passed = None if value is None else (value >= limit if op == ">=" else value <= limit)
        out[key] = {"value": value, "target": f"{op} {limit}", "pass": passed}
    return out


def main(argv: list[str]) -> int:
    description = sys.modules[__package__].__doc__  # the package's: what is measured
    parser = argparse.ArgumentParser(
        prog="python -m sim.bench", description=description, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--out", type=Path, required=True, help="directory for bench.json")
    parser.add_argument("--quick", action="store_true", help="skip the 10,000-account run (recorded as null)")
    parser.add_argument("--e2e-accounts", type=int, default=E2E_ACCOUNTS, help="due accounts of the first daily run")
    parser.add_argument("--plan-accounts", type=int, default=PLAN_ACCOUNTS, help="accounts in the plan's table")
    args = parser.parse_args(argv)
    sizes = Sizes(e2e_accounts=args.e2e_accounts, plan_accounts=args.plan_accounts)
    args.out.mkdir(parents=True, exist_ok=True)
    log = args.out / "bench.log"
    log.write_text("", encoding="utf-8")

    def progress(message: str) -> None:
        print(f"[bench] {message}", file=sys.stderr, flush=True)
        with log.open("a", encoding="utf-8") as fh:
            fh.write(f"{datetime.now(UTC).isoformat(timespec='seconds')} {message}\n")

    results = run_bench(args.quick, sizes, progress=progress)
    (args.out / "bench.json").write_text(json.dumps(results, indent=2, default=str), encoding="utf-8")
    print(format_table(results))
    print(f"\nwrote {args.out / 'bench.json'}")
    return 0
