"""The table `make bench` prints: each figure against its target, then the AWS calls per contacted account and the plan."""

from __future__ import annotations

from typing import Any


def format_table(results: dict[str, Any]) -> str:
    targets = results["targets"]

    def targeted(key: str) -> tuple[str, Any, dict[str, Any]]:
        return (key, results[key], targets[key])

    total = results["calls_breakdown"]["per_contacted_account_total"]
    rows = [
        targeted("decisions_per_second"),
        targeted("assess_accounts_per_cpu_second"),
        targeted("api_calls_per_contacted_account"),
        targeted("api_calls_per_contacted_account_total"),
        ("  of which Step Functions / event sources", f"{total['step_functions']:.2f} / {total['event_sources']:.2f}", None),
        ("e2e_accounts_per_second", results["e2e_accounts_per_second"], None),
        ("e2e_10k_accounts_per_second", results["e2e_10k_accounts_per_second"], None),
        ("plan_seconds_100k", results["plan_seconds_100k"], None),
        targeted("cost_per_1000_due_accounts_usd"),
        ("  same, with CloudWatch Logs (detail)", results["cost_details"]["total_with_cloudwatch_logs_per_1000_due_usd"], None),
        targeted("cost_per_1000_due_accounts_steady_state_usd"),
        targeted("cost_ratio_vs_per_account_execution"),
        *((f"monthly_cost_usd[{book}] (excl. SMS)", bill["excluding_sms_usd"], None) for book, bill in results["monthly_cost_usd"].items()),
        ("sms_parts_per_text", ", ".join(f"{p} {n:.2f}" for p, n in results["sms_parts_per_text"].items()), None),
        ("sms_fee_per_1000_usd (US)", results["sms_fee_per_1000_usd"], None),
        ("lambda_gb_seconds_per_sms (senders and releaser)", results.get("lambda_gb_seconds_per_sms"), None),
        ("lab_account_days_per_second", results["lab_account_days_per_second"], None),
        targeted("lab_seconds_10k_accounts_90_days_two_policies"),
    ]
    imports = results["handler_import_ms"]
    rows += [(f"handler_import_ms[{m}]", ms, None) for m, ms in imports.items() if m != "boto3"]
    rows.append(("handler_import_ms[boto3]", imports["boto3"], None))
    rows.append(
        ("worst handler import / boto3", targets["handler_import_ratio_vs_boto3"]["value"], targets["handler_import_ratio_vs_boto3"])
    )
    lines = [f"{'measure':<44}{'value':>14}  {'target':<12}result", "-" * 80]
    for name, value, target in rows:
        shown = "null" if value is None else value if isinstance(value, str) else _fmt(value)
        verdict = "" if target is None else ("PASS" if target["pass"] else "FAIL" if target["pass"] is False else "n/a")
        lines.append(f"{name:<44}{shown:>14}  {target['target'] if target else '':<12}{verdict}")
    breakdown = results["calls_breakdown"]
    lines.append("")
    contacted, actions = breakdown["contacted_accounts"], breakdown["actions_dispatched"]
    lines.append(f"AWS calls by the handlers per contacted account ({contacted} contacted, {actions} actions):")
    lines += [f"  {op:<44}{n:>8.2f}" for op, n in breakdown["product_per_contacted_account"].items()]
    lines.append(f"Step Functions' calls (counted in the total, not above): {breakdown['orchestration']}")
    plan = results["plan"]
    loaded = f"loaded in {plan['load_seconds']:.1f}s (not in the figure)"
    lines.append(f"Plan: {plan['accounts']} accounts ({plan['due']} due, {plan['due_shards']} shards), {loaded}")
    if "bench_seconds" in results:
        lines.append(f"bench took {results['bench_seconds']:.0f}s")
    return "\n".join(lines)


def _fmt(value: float) -> str:
    if value >= 1000:
        return f"{value:,.0f}"
    if value >= 1:
        return f"{value:.2f}"
    return f"{value:.5f}"
