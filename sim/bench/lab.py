"""The policy lab's speed: a synthetic book (sim.scenarios.demo) under two policies of scenarios/compare-book.json,
the whole `make compare` path after the file is read (validation, the lab per policy, the figures)."""

from __future__ import annotations

import json
import time
from datetime import date
from typing import Any

from ..local.template import ROOT

LAB_ACCOUNTS, LAB_DAYS = 10_000, 90  # the book: 10,000 accounts over 90 days, two policies, under 10 minutes
LAB_POLICIES = ("gentle", "firm")


def measure_lab(accounts: int = LAB_ACCOUNTS, days: int = LAB_DAYS) -> dict[str, Any]:
    from ..lab.compare import compare
    from ..scenarios.demo import synthetic_scenario
    from ..scenarios.files import validate

    book = json.loads((ROOT / "scenarios" / "compare-book.json").read_text(encoding="utf-8"))
    raw = synthetic_scenario(accounts, days, date(2026, 3, 1), 11)
    raw.update(name=f"bench: {accounts} accounts", events=[], policies={p: book["policies"][p] for p in LAB_POLICIES})
    started = time.perf_counter()
    result = compare(validate(raw, "bench"), seed=7)
    seconds = time.perf_counter() - started
    return {
        "lab_accounts": accounts,
        "lab_days": days,
        "lab_policies": len(LAB_POLICIES),
        "lab_seconds": round(seconds, 1),
        "lab_account_days_per_second": result["lab_account_days_per_second"],
    }
