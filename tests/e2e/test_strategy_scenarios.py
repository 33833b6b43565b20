"""Strategies through the real state machine (make scenario's replay): two products on different ladders, a
champion/challenger experiment, and a policy changed mid-delinquency by a new deployment of the configuration."""

from __future__ import annotations

import itertools
from datetime import date
from typing import Any

import pytest

from escalation.domain.strategy import Configuration
from sim.local.stack import LOCAL_CONFIGURATION

DUE = date(2026, 3, 3)
CHANGE_AT = "2026-03-13T00:00:00Z"  # D+10, before the day's first run in Shanghai
GENTLE = {
    "name": "gentle",
    "rules": [
        {"name": "reminder", "action": "sms", "stage": "early", "start": 3, "end": 6},
        {"name": "follow_up", "action": "sms", "stage": "follow_up", "start": 7, "every": 7},
    ],
}
FIRM = {
    "name": "firm",
    "rules": [
        {"name": "reminder", "action": "sms", "stage": "early", "start": 1, "end": 6},
        {"name": "firm_call", "action": "call", "stage": "follow_up", "start": 2, "every": 2, "condition": "no_promise"},
    ],
}
# Version 2 of "firm", deployed at D+10: calls every 4 days instead of 2, and a text for larger balances from D+12.
FIRM_V2 = {
    "name": "firm",
    "rules": [
        {"name": "reminder", "action": "sms", "stage": "early", "start": 1, "end": 6},
        {"name": "firm_call", "action": "call", "stage": "follow_up", "start": 2, "every": 4, "condition": "no_promise"},
        {"name": "firm_text", "action": "sms", "stage": "follow_up", "start": 12, "every": 3,
         "condition": {"fact": "amount_due", "op": ">=", "value": {"CNY": "5000"}}},
    ],
}  # fmt: skip
EXPERIMENT = {"name": "gentle-vs-firm", "product": "bnpl", "champion": "gentle", "challenger": "firm", "challenger_share": 0.5}
STRATEGY = {"default": "gentle", "by_product": {"credit-line": "firm"}, "experiment": EXPERIMENT}


def account(account_id: str, n: int, product: str, balance: str = "8000.00") -> dict[str, Any]:
    return {
        "account_id": account_id,
        "phone": f"+86138001380{n:02d}",
        "timezone": "Asia/Shanghai",
        "profile": "CN",
        "balance": balance,
        "currency": "CNY",
        "due_date": DUE.isoformat(),
        "product": product,
    }


ACCOUNTS = [
    account("FIRM-BIG", 1, "credit-line"),
    account("FIRM-SMALL", 2, "credit-line", balance="900.00"),
    account("GENTLE", 3, "cash-loan"),
    *(account(f"EXP-{n}", 10 + n, "bnpl") for n in range(12)),
]
SCENARIO = {
    "name": "strategies: two ladders, an experiment, a policy change at D+10",
    "start_date": "2026-03-01",
    "days": 20,
    "profile": "CN",
    "accounts": ACCOUNTS,
    "events": [],
    "policies": {"gentle": GENTLE, "firm": FIRM},
    "strategy": STRATEGY,
    "deployments": [{"at": CHANGE_AT, "policies": {"gentle": GENTLE, "firm": FIRM_V2}}],
}


@pytest.fixture(scope="module")
def run(run_scenarios):
    return run_scenarios("strategies", SCENARIO)


def days_after_due(run, account_id: str, purpose: str) -> list[int]:
    """The days (relative to the due date, borrower's local) a rule contacted the account."""
    return [(date.fromisoformat(c["local_time"][:10]) - DUE).days for c in run.of(account_id) if c["purpose"] == purpose]


def test_the_run_is_clean(run):
    assert run.summary["handler_errors"] == []


def test_two_products_follow_their_own_ladders(run):
    assert days_after_due(run, "FIRM-BIG", "reminder") == [1]
    assert days_after_due(run, "GENTLE", "reminder") == [3]
    assert days_after_due(run, "GENTLE", "firm_call") == []
    assert {c["policy"] for c in run.of("FIRM-BIG")} == {"firm"} and {c["policy"] for c in run.of("GENTLE")} == {"gentle"}
    assert (run.accounts["FIRM-BIG"]["policy"], run.accounts["GENTLE"]["policy"]) == ("firm", "gentle")


def test_experiment_arms_are_the_hash_of_account_and_experiment_and_recorded(run):
    config = Configuration.from_dict(LOCAL_CONFIGURATION | {"policies": {"gentle": GENTLE, "firm": FIRM}, "strategy": STRATEGY})
    arms = {}
    for n in range(12):
        account_id = f"EXP-{n}"
        expected = config.assign(account_id, "bnpl", None)
        recorded = run.accounts[account_id]
        assert (recorded["policy"], recorded["arm"], recorded["experiment"]) == (expected.policy, expected.arm, "gentle-vs-firm")
        assert {(c["policy"], c["arm"]) for c in run.of(account_id)} == {(expected.policy, expected.arm)}
        assert days_after_due(run, account_id, "reminder") == ([1] if expected.arm == "challenger" else [3])
        arms[account_id] = expected.arm
    assert set(arms.values()) == {"champion", "challenger"}
    assert {run.accounts[a]["arm"] for a in ("FIRM-BIG", "GENTLE")} == {"-"}  # outside the experiment


def test_a_policy_changed_mid_delinquency_keeps_what_fired_and_takes_the_new_rules(run):
    calls = days_after_due(run, "FIRM-BIG", "firm_call")
    before, after = [d for d in calls if d < 10], [d for d in calls if d >= 10]
    assert before == [2, 4, 6, 8]  # every 2 days under version 1
    assert after and after[0] == 12 and all(b - a == 4 for a, b in itertools.pairwise(after))  # every 4 from its last
    assert days_after_due(run, "FIRM-BIG", "reminder") == [1]  # a rule that fired once does not fire again
    assert days_after_due(run, "FIRM-BIG", "firm_text")[:1] == [12]  # the new rule, for a balance it applies to
    assert days_after_due(run, "FIRM-SMALL", "firm_text") == []  # ... and not below its threshold
    versions = {d: c["policy_version"] for c in run.of("FIRM-BIG") if (d := (date.fromisoformat(c["local_time"][:10]) - DUE).days) >= 0}
    assert len({v for d, v in versions.items() if d < 10}) == 1 and len({v for d, v in versions.items() if d >= 10}) == 1
    assert versions[8] != versions[12] and versions[8].startswith("firm@") and versions[12].startswith("firm@")
    assert run.accounts["FIRM-BIG"]["stage"] == "follow_up"  # the stage reached stays


def test_the_change_leaves_other_policies_as_they_were(run):
    gentle = {c["policy_version"] for c in run.of("GENTLE")}
    assert len(gentle) == 1  # gentle's document did not change, nor its version


def test_each_run_report_counts_its_decisions_by_strategy_and_arm(run):
    from collections import Counter

    decided = Counter()
    for report in run.runs:
        for strategy, actions in report["strategies"].items():
            decided.update({(strategy, action): n for action, n in actions.items() if action != "skip"})
        assert sum(sum(a.values()) for a in report["strategies"].values()) == sum(report["actions"].values())
    contacted = Counter((f"{c['policy']}/{c['arm']}", c["action"]) for c in run.contacts)
    assert decided == contacted  # nothing refused at send time here: every decision became a contact
    assert {s.split("/")[1] for s, _ in decided} == {"champion", "challenger", "-"}
