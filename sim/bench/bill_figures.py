"""The monthly bill's headline figures (per 1,000 due accounts, the ratio, the three books), the what-ifs, and the bench's entry point."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from . import bill_inputs, cost_model
from .bill_inputs import DAYS_PER_MONTH, GIB, RETENTION_YEARS, Assumptions, Measured, SmsPrice, TemplateFacts
from .bill_lines import monthly_bill
from .cost_model import Deployment, RunCounts

BOOKS = {"10k": 10_000, "100k": 100_000, "1M": 1_000_000}
DESIGN_DUE_PER_DAY = 1_000_000  # the per-1,000 figure's volume (docs/SCALING.md)


def steady_state(
    m: Measured,
    a: Assumptions,
    prices: Mapping[str, float],
    sms_prices: Mapping[str, SmsPrice],
    facts: TemplateFacts,
    origination: Mapping[str, Any] | None = None,
    retention: Mapping[str, float] = RETENTION_YEARS,
) -> dict[str, Any]:
    """The headline figures: per 1,000 due accounts at 1,000,000 due a day, the ratio, and the three books' bills."""
    design_book = DESIGN_DUE_PER_DAY / a.due_share
    design = monthly_bill(design_book, m, a, prices, sms_prices, facts, origination, retention)
    run_lines = sum(line["usd"] for k, line in design["lines"].items() if k.startswith("run_") and k != "run_files_storage")
    alternative_run = cost_model.cost_usd(m.per_account_execution_per_due.scaled(DESIGN_DUE_PER_DAY), prices)["total"] * DAYS_PER_MONTH
    # The alternative keeps every other line (storage, channels, archive, observability, fixed): only the run differs.
    alternative = design["total_excluding_sms_usd"] - run_lines + alternative_run
    books = {name: monthly_bill(n, m, a, prices, sms_prices, facts, origination, retention) for name, n in BOOKS.items()}
    return {
        "cost_per_1000_due_accounts_steady_state_usd": design["per_1000_due_usd"],
        "cost_ratio_vs_per_account_execution_steady_state": alternative / design["total_excluding_sms_usd"],
        "monthly_cost_usd": {
            name: {
                "total_usd": round(bill["total_usd"], 2),
                "excluding_sms_usd": round(bill["total_excluding_sms_usd"], 2),
                "sms_usd": round(bill["sms_usd"], 2),
                "per_1000_due_usd": round(bill["per_1000_due_usd"], 5),
                "due_per_day": round(bill["volumes_per_day"]["due"]),
                "by_group_usd": bill["by_group_usd"],
                "lines_usd": {k: line["usd"] for k, line in bill["lines"].items()},
            }
            for name, bill in books.items()
        },
        "sms_parts_per_text": dict(m.day.sms_parts_per_text),
        "details": {
            "basis": f"a book of {design_book:,.0f} accounts ({DESIGN_DUE_PER_DAY:,} due a day at a due share of {a.due_share:.3f}) at "
            "steady state: storage at retention, fixed monthly costs included, SMS fees excluded; a month = 365/12 days",
            "design_bill": design,
            "books": {
                name: {k: bill[k] for k in ("lines", "volumes_per_day", "archive", "storage_bytes", "sms")} for name, bill in books.items()
            },
            "per_account_execution_monthly_usd": alternative,
            "per_account_execution_basis": "one Standard execution per account (Wait between checks) in place of the daily run's lines; "
            "every other line (storage, channels, archive, observability, fixed) the same",
            "contacts_kept_in_dynamodb_for_retention_usd": _contacts_at_retention(design, a, prices, retention),
            "what_if_per_1000_due_usd": what_if(design_book, m, a, prices, sms_prices, facts, origination, retention),
            "athena_per_query_usd": athena_per_query(design["archive"], a, prices, retention),
            "glue": "Glue Data Catalog: one database and two tables with partition projection store no partitions: "
            "inside the free first million objects and requests a month ($0)",
            "not_modelled": "data transfer (all in-region; SMS carries none), CloudTrail (management events: first copy free), "
            "CloudWatch X-Ray/Logs Insights queries and console use (usage-based), AWS Support, taxes, the free tier (not subtracted), "
            "CN/GB/DE sender-ID registration fees, inbound SMS fees (replies: ~2% of texts)",
            "measured": m.as_dict(),
            "assumptions": a.as_dict(),
            "template": facts.as_dict(),
            "retention_years": dict(retention),
            "prices": "infra/prices.json: every price UNVERIFIED (no internet when written), as of the date beside it",
        },
    }


def what_if(
    book: float,
    m: Measured,
    a: Assumptions,
    prices: Mapping[str, float],
    sms_prices: Mapping[str, SmsPrice],
    facts: TemplateFacts,
    origination: Mapping[str, Any] | None,
    retention: Mapping[str, float],
) -> dict[str, float]:
    """The per-1,000 figure at the design book under changes that would move it (each alone)."""
    utilisation = 0.5
    provisioned = dict(prices) | {
        "dynamodb_ondemand_wru": prices["dynamodb_provisioned_wcu_hour"] / 3600 / utilisation,
        "dynamodb_ondemand_rru": prices["dynamodb_provisioned_rcu_hour"] / 3600 / utilisation,
    }
    cases = {
        "as_modelled": (a, prices, facts),
        "dynamodb_provisioned_at_50pct_utilisation": (a, provisioned, facts),
        "no_pitr_on_contacts_table": (
            a,
            prices,
            replace(facts, tables_with_pitr=tuple(t for t in facts.tables_with_pitr if t != "ContactsTable")),
        ),
        "no_call_or_visit_outcome_events": (replace(a, outcome_events_per_call=0.0, outcome_events_per_visit=0.0), prices, facts),
        "every_due_account_contacted": (replace(a, contacted_share_of_due=1.0), prices, facts),
    }
    return {
        name: monthly_bill(book, m, case_a, case_prices, sms_prices, case_facts, origination, retention)["per_1000_due_usd"]
        for name, (case_a, case_prices, case_facts) in cases.items()
    }


def _contacts_at_retention(design: dict[str, Any], a: Assumptions, prices: Mapping[str, float], retention: Mapping[str, float]) -> float:
    """What the contact log's table (and its PITR) would cost a month if DynamoDB kept every entry for its retention (the design before)."""
    kept_days = a.audit_table_days + a.ttl_lag_days
    years = sum(share * retention.get(p, 6) for p, share in a.profile_mix.items())
    table = design["storage_bytes"]["contacts_table"] / kept_days * 365 * years
    index = design["storage_bytes"]["contacts_index"] / kept_days * 365 * years
    return ((table + index) * prices["dynamodb_storage_gb_month"] + table * prices["dynamodb_pitr_gb_month"]) / GIB


def athena_per_query(
    archive: Mapping[str, Any], a: Assumptions, prices: Mapping[str, float], retention: Mapping[str, float]
) -> dict[str, Any]:
    """Per-query dollars of the two archive queries (no account partition: a query reads its profile's objects in the date range)."""
    out: dict[str, Any] = {}
    for profile, per_day in archive["gz_bytes_per_day"].items():
        days = 365 * retention.get(profile, 6)
        glacier_days = max(days - a.glacier_ir_after_days, 0) if archive["glacier"] else 0
        objects_per_day = archive["objects_per_day"] * a.profile_mix.get(profile, 0)

        def cost(scan_days: float, glacier_days: float, per_day: float = per_day, objects_per_day: float = objects_per_day) -> float:
            scanned = max(per_day * scan_days, 10e6)
            return (
                scanned / 1e12 * prices["athena_tb_scanned"]
                + per_day * glacier_days / GIB * prices["s3_glacier_ir_retrieval_gb"]
                + objects_per_day * (scan_days - glacier_days) * prices["s3_get_request"]
                + objects_per_day * glacier_days * prices["s3_glacier_ir_get_request"]
            )

        out[profile] = {
            "one_account_whole_retention_usd": round(cost(days, glacier_days), 4),
            "one_day_usd": round(cost(1, 0), 6),
            "bytes_scanned_whole_retention": round(per_day * days),
        }
    out["basis"] = (
        "at the design book; Athena $5/TB of gzip bytes scanned (10 MB minimum), Glacier IR retrieval $0.03/GB and GETs for objects "
        "past the lifecycle; 'one account' scans its profile's whole retention (partitions are kind/profile/day, not account)"
    )
    return out


# ---------------------------------------------------------------------- the bench's entry point
def steady_state_figures(counts: RunCounts, run: Any, deployment: Deployment) -> dict[str, Any]:
    """bench.json's steady-state keys from the measured run (mirrors sim.bench.costs.cost_figures(counts, run, deployment)).

    Renders a realistic day's texts (sim.bench.parts, ~2 s) and reads the template's facts; nothing here runs the stack.
    """
    from .parts import realistic_day

    day = realistic_day()
    facts = bill_inputs.template_facts()
    measured = bill_inputs.measured_from_run(counts, run, deployment, day)
    assumptions = bill_inputs.assumptions_from(day, facts)
    prices = cost_model.load_prices()
    sms_prices, origination = bill_inputs.load_sms_prices(), bill_inputs.load_origination()
    return steady_state(measured, assumptions, prices, sms_prices, facts, origination, bill_inputs.retention_years())
