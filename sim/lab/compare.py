"""`make compare SCENARIO=book.json OUT=dir [SEED=n]`: the book once per policy, side by side.

    python -m sim.lab SCENARIO.json OUT_DIR [--seed N] [--json]

Every account of the file follows each policy of its `policies` in turn (the default ladder when it has none;
its `strategy` and `events` are not used: the borrowers answer by sim.lab.behaviour, the same borrowers and the
same answers to the same contacts under every policy). Writes OUT/compare.json (docs/SCENARIOS.md, "Comparing
strategies") and OUT/compare.html; prints a table, or compare.json with --json. Exit 2 with one line on stderr
when the file is invalid.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from escalation.domain.figures import compute_figures, figures_table
from escalation.domain.policy import DEFAULT_POLICY
from escalation.domain.strategy import Configuration

from ..local.stack import LOCAL_CONFIGURATION
from ..local.template import load_template
from ..scenarios.export import account_json
from ..scenarios.files import Scenario, ScenarioError, load_scenario
from .behaviour import Behaviour
from .engine import Lab, LabRun
from .page import write_page

ACTIONS = ("sms", "call", "visit", "legal_review", "legal_referral")


def configuration_for(scenario: Scenario, policy: str) -> Configuration:
    """The scenario's configuration with every account on one policy (no map, no experiment)."""
    return Configuration.from_dict({**LOCAL_CONFIGURATION, **scenario.configuration, "strategy": {"default": policy}})


def policies_of(scenario: Scenario) -> list[str]:
    named = sorted(scenario.configuration.get("policies", {}))
    return named or [DEFAULT_POLICY.name]


def run_policy(scenario: Scenario, policy: str, seed: int, template: dict[str, Any] | None = None) -> tuple[LabRun, float]:
    started = time.perf_counter()
    result = Lab(scenario, configuration_for(scenario, policy), Behaviour(seed), template).run()
    return result, time.perf_counter() - started


def figures_of(scenario: Scenario, result: LabRun) -> dict[str, Any]:
    """The figures of one policy's run (a single group: every account follows the policy, no arm)."""
    accounts = [account_json(a) for a in result.accounts.values()]
    last = scenario.start + timedelta(days=scenario.days - 1)
    groups = compute_figures(result.contacts, result.events, accounts, scenario.start, last)
    (figures,) = groups.values()
    return figures


def compare(scenario: Scenario, seed: int = 7) -> dict[str, Any]:
    template = load_template()
    out: dict[str, Any] = {"name": scenario.name, "days": scenario.days, "accounts": len(scenario.accounts), "seed": seed, "policies": {}}
    speed = []
    for policy in policies_of(scenario):
        result, seconds = run_policy(scenario, policy, seed, template)
        figures = figures_of(scenario, result)
        by_action = Counter(c["action"] for c in result.contacts)
        out["policies"][policy] = {
            "contacts": {a: by_action.get(a, 0) for a in ACTIONS},
            "sms_parts": figures["sms_parts"],
            "cost_usd": figures["cost_usd"]["total"],
            "recovered": figures["recovered"],
            "paid_share": figures["paid_share"],
            "cure_rate_30": figures["cure_rate_30"],
            "promise_kept_rate": figures["promise_kept_rate"],
            "right_party_contact_rate": figures["right_party_contact_rate"],
            "figures": figures,
            "lab_seconds": round(seconds, 2),
        }
        speed.append((result.account_days, seconds))
    days, seconds = sum(d for d, _ in speed), sum(s for _, s in speed)
    out["lab_account_days_per_second"] = round(days / seconds) if seconds else None
    return out


def table(result: dict[str, Any]) -> str:
    groups = {name: p["figures"] for name, p in result["policies"].items()}
    head = f"{result['name']}: {result['accounts']} accounts over {result['days']} days, seed {result['seed']}"
    return f"{head}\n{figures_table(groups)}\nlab speed: {result['lab_account_days_per_second']} account-days per second"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m sim.lab", description="Compare policies on one book (the policy lab).")
    parser.add_argument("scenario", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--seed", type=int, default=7, help="the behaviour model's seed (the same seed, the same borrowers)")
    parser.add_argument("--json", action="store_true", help="print compare.json on stdout and nothing else")
    args = parser.parse_args(argv)
    try:
        scenario = load_scenario(args.scenario)
    except ScenarioError as exc:
        print(f"invalid scenario: {exc}", file=sys.stderr)
        return 2
    result = compare(scenario, args.seed)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "compare.json").write_text(json.dumps(result, indent=2, ensure_ascii=False, default=_plain), encoding="utf-8")
    write_page(result, args.out / "compare.html")
    print(json.dumps(result, indent=2, ensure_ascii=False, default=_plain) if args.json else table(result))
    return 0


def _plain(value: Any) -> Any:
    return str(value) if isinstance(value, Decimal) else value
