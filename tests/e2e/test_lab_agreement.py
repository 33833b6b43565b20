"""The policy lab agrees with the real system: a sample of the repository's compare book, run in the lab, then
replayed through the real state machine with the events the lab's borrowers sent, makes the same contacts."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from sim.lab.behaviour import Behaviour
from sim.lab.compare import compare, configuration_for
from sim.lab.engine import Lab
from sim.scenarios.files import validate

ROOT = Path(__file__).resolve().parents[2]
BOOK = json.loads((ROOT / "scenarios" / "compare-book.json").read_text(encoding="utf-8"))
POLICY = "firm"
SAMPLE = {
    **BOOK,
    "name": "lab agreement sample",
    "days": 32,
    "accounts": BOOK["accounts"][:12],
    "events": [],
    "strategy": {"default": POLICY},
}


@pytest.fixture(scope="module")
def both(run_scenarios):
    sample = validate(SAMPLE, "sample")
    lab = Lab(sample, configuration_for(sample, POLICY), Behaviour(seed=7)).run()
    events = [{"at": a.at.isoformat().replace("+00:00", "Z"), **a.event} for a in lab.answers]
    real = run_scenarios("lab-sample", {**SAMPLE, "events": events})
    return lab, real


def contact_keys(contacts) -> list[tuple[str, str, str]]:
    return sorted((c["account_id"], c["key"], c["at"]) for c in contacts)


def test_the_real_system_makes_the_contacts_the_lab_made(both):
    lab, real = both
    assert real.summary["handler_errors"] == []
    assert len(lab.contacts) > 50 and Counter(c["action"] for c in lab.contacts).keys() >= {"sms", "call"}
    assert contact_keys(real.contacts) == contact_keys(lab.contacts)


def test_the_events_were_applied_alike_and_the_accounts_end_alike(both):
    lab, real = both
    assert [e["note"].split(":")[0] for e in real.events] == [e["note"].split(":")[0] for e in lab.events]
    for account_id, account in lab.accounts.items():
        ended = real.accounts[account_id]
        assert (ended["status"], ended["stage"], ended["kept_promises"], ended["broken_promises"], ended["kept_plans"]) == (
            account.status.value,
            account.stage.value,
            account.kept_promises,
            account.broken_promises,
            account.kept_plans,
        ), account_id


def test_compare_reports_every_policy_with_the_figures_scenarios_md_names():
    book = validate({**BOOK, "accounts": BOOK["accounts"][:40], "days": 30}, "book")
    result = compare(book, seed=7)
    assert set(result["policies"]) == set(BOOK["policies"])
    for figures in result["policies"].values():
        assert set(figures) >= {"contacts", "sms_parts", "cost_usd", "recovered", "paid_share", "cure_rate_30",
                                "promise_kept_rate", "right_party_contact_rate"}  # fmt: skip
    assert result["lab_account_days_per_second"] > 0
