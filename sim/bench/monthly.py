"""The monthly bill with nothing left out: a book at steady state (retention reached), every line item.

    python -m sim.bench.monthly [--bench out/bench-quick/bench.json] [--json]

prints the bill of books of 10,000, 100,000 and 1,000,000 accounts from the measured inputs a bench run
stored in bench.json (`cost_details.steady_state.measured`), or from DEFAULT_MEASURED (the quick bench of
2026-12-04) when there is none; prices are infra/prices.json's as they are now.

What flows in from the bench run (`Measured`, built by `measured_from_run`): the daily run's usage per
contacted account and per run (sim.bench.cost_model over the run's counted calls and modelled durations),
the measured item sizes and log bytes, the actions per contacted account, and a realistic day of the
book (sim.bench.parts: the due and contacted shares, SMS parts per text per profile, rendered by the
product's own renderer). Everything else is an assumption (`Assumptions`), and every line item says which
it rests on; the template's facts (alarms, dashboards, keys, tables with PITR, retention days, lifecycle)
are read from template.yaml and infra/observability.yaml (`template_facts`).

A book of N accounts: N x due_share accounts are due a day (their due-index instant has come), of which
contacted_share_of_due get at least one action (at the run's measured usage per contacted account) and the
rest a skip and a reschedule (the assessment's share and one index-moving write). Storage is at steady state:
the contact log's table at its TTL (AuditTableDays, plus the TTL sweeper's lag), the archive at each
profile's retention (CN 5, US 3, EU 6 years: escalation.domain.profiles) for the book's profile mix, PITR
on every table's size. Fixed monthly costs (metrics, alarms, the dashboard, the KMS key) are counted once
whatever the book. SMS fees are their own lines (per country, per part), outside the per-1,000 figure.
"""

# The model lives in three modules; this one is the command line and re-exports their names (tests, sim.bench.run):
#   bill_inputs   Measured (from a bench run), Assumptions, TemplateFacts (template.yaml), SMS prices, retention
#   bill_lines    a book's day, its archive, and every line item of its month (monthly_bill)
#   bill_figures  the headline figures bench.json holds (steady_state), the what-ifs, steady_state_figures

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from . import cost_model
from .bill_figures import BOOKS, DESIGN_DUE_PER_DAY, athena_per_query, steady_state, steady_state_figures, what_if
from .bill_inputs import (
    DAYS_PER_MONTH,
    GIB,
    RETENTION_YEARS,
    Assumptions,
    Measured,
    SmsPrice,
    TemplateFacts,
    assumptions_from,
    load_origination,
    load_sms_prices,
    measured_from_run,
    retention_years,
    template_facts,
)
from .bill_lines import (
    ARCHIVE_JSON_BYTES_PER_RECORD,
    DYNAMODB_ITEM_OVERHEAD,
    GLACIER_IR_MIN_OBJECT_BYTES,
    GZIP_RATIO_BY_RECORDS,
    Archive,
    Line,
    Volumes,
    archive_of,
    gzip_ratio,
    monthly_bill,
    volumes,
    xray_sampled,
)

__all__ = [
    "ARCHIVE_JSON_BYTES_PER_RECORD",
    "BOOKS",
    "DAYS_PER_MONTH",
    "DEFAULT_INPUTS",
    "DESIGN_DUE_PER_DAY",
    "DYNAMODB_ITEM_OVERHEAD",
    "GIB",
    "GLACIER_IR_MIN_OBJECT_BYTES",
    "GZIP_RATIO_BY_RECORDS",
    "RETENTION_YEARS",
    "Archive",
    "Assumptions",
    "Line",
    "Measured",
    "SmsPrice",
    "TemplateFacts",
    "Volumes",
    "archive_of",
    "assumptions_from",
    "athena_per_query",
    "default_measured",
    "format_bill",
    "gzip_ratio",
    "load_origination",
    "load_sms_prices",
    "main",
    "measured_from_run",
    "monthly_bill",
    "retention_years",
    "steady_state",
    "steady_state_figures",
    "template_facts",
    "volumes",
    "what_if",
    "xray_sampled",
]


# ---------------------------------------------------------------------- the command line
def default_measured() -> Measured:
    """The quick bench of 2026-12-04 (out/bench-quick), for when no bench.json holds measured inputs."""
    return Measured.from_dict(json.loads(DEFAULT_INPUTS.read_text(encoding="utf-8"))["measured"])


DEFAULT_INPUTS = Path(__file__).with_name("steady_state_inputs.json")  # `Measured.as_dict()` of that run


def format_bill(figures: Mapping[str, Any]) -> str:
    books = figures["monthly_cost_usd"]
    names = list(books)
    keys = list(next(iter(books.values()))["lines_usd"])
    width = max(len(k) for k in keys) + 2
    rows = [f"{'line item (USD a month)':<{width}}" + "".join(f"{n:>14}" for n in names)]
    for key in keys:
        rows.append(f"{key:<{width}}" + "".join(f"{books[n]['lines_usd'][key]:>14,.2f}" for n in names))
    for label, field_name in (("total excluding SMS", "excluding_sms_usd"), ("SMS", "sms_usd"), ("total", "total_usd")):
        rows.append(f"{label:<{width}}" + "".join(f"{books[n][field_name]:>14,.2f}" for n in names))
    rows.append(f"{'due accounts a day':<{width}}" + "".join(f"{books[n]['due_per_day']:>14,}" for n in names))
    rows.append(f"{'per 1,000 due (excl. SMS)':<{width}}" + "".join(f"{books[n]['per_1000_due_usd']:>14,.5f}" for n in names))
    rows.append("")
    rows.append(
        f"cost_per_1000_due_accounts_steady_state_usd (1,000,000 due a day): {figures['cost_per_1000_due_accounts_steady_state_usd']:.5f}"
    )
    rows.append(f"cost_ratio_vs_per_account_execution_steady_state: {figures['cost_ratio_vs_per_account_execution_steady_state']:.1f}")
    rows.append(f"sms_parts_per_text: {figures['sms_parts_per_text']}")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m sim.bench.monthly", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--bench", type=Path, help="a bench.json with cost_details.steady_state.measured (default: the stored quick bench)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    measured = default_measured()
    if args.bench:
        stored = json.loads(args.bench.read_text(encoding="utf-8")).get("cost_details", {}).get("steady_state", {}).get("measured")
        if stored is None:
            print(f"{args.bench}: no cost_details.steady_state.measured; using the stored quick bench's inputs", file=sys.stderr)
        else:
            measured = Measured.from_dict(stored)
    facts = template_facts()
    figures = steady_state(
        measured,
        assumptions_from(measured.day, facts),
        cost_model.load_prices(),
        load_sms_prices(),
        facts,
        load_origination(),
        retention_years(),
    )
    print(json.dumps(figures, indent=2, default=str) if args.json else format_bill(figures))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
