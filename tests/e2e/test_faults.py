"""Reliability: each fault kind of sim/local/faults.py, replayed against the same book as a calm run.

For every kind: no duplicate contact (per key, and per message the provider accepted), no lost
account, and the same contacts (who, what, which rule, which local day, which text) and the
same final state as the calm run.
"""

import json
from collections import Counter
from datetime import datetime
from typing import Any

import pytest

from tests.support import ScenarioOutput

FAULT_DAY = "2026-03-04"  # D+1 of the CN accounts: reminders; D+3 of the US one: its early call


def account(account_id: str, phone: str, profile: str, zone: str, due: str, currency: str = "CNY") -> dict[str, Any]:
    return {
        "account_id": account_id,
        "phone": phone,
        "timezone": zone,
        "profile": profile,
        "balance": "1200.00",
        "currency": currency,
        "due_date": due,
    }


BOOK: dict[str, Any] = {
    "name": "reliability book",
    "start_date": "2026-03-01",
    "days": 6,
    "profile": "CN",
    "accounts": [
        account("CN-1", "+8613800138101", "CN", "Asia/Shanghai", "2026-03-03"),
        account("CN-2", "+8613800138102", "CN", "Asia/Shanghai", "2026-03-03"),
        account("CN-3", "+8613800138103", "CN", "Asia/Shanghai", "2026-03-03"),
        account("CN-PAYS", "+8613800138104", "CN", "Asia/Shanghai", "2026-03-03"),
        account("US-1", "+12125550101", "US", "America/New_York", "2026-03-01", "USD"),
        account("EU-1", "+4915112345601", "EU", "Europe/Berlin", "2026-03-02", "EUR"),
    ],
    "events": [
        {"at": "2026-03-04T01:00:00Z", "type": "payment", "account_id": "CN-PAYS", "amount": "1200.00"},
        {"at": "2026-03-04T01:30:00Z", "type": "call_outcome", "account_id": "US-1", "outcome": "no_answer"},
    ],
}
FAULTS = {
    "rerun": {"kind": "rerun"},
    "concurrent_run": {"kind": "concurrent_run"},
    "crash_after_send": {"kind": "crash_after_send"},
    "crash_before_record": {"kind": "crash_before_record"},
    "throttle": {"kind": "throttle", "count": 3},
    "dynamodb_throttle": {"kind": "dynamodb_throttle", "count": 4},
    "lambda_throttle": {"kind": "lambda_throttle", "count": 2},
    "duplicate_event": {"kind": "duplicate_event"},
}


@pytest.fixture(scope="module")
def replay(run_scenarios):
    """replay(kind) -> the book run with that fault on FAULT_DAY; replay(None) -> the calm run."""

    def run(kind: str | None) -> ScenarioOutput:
        faults = [] if kind is None else [{"date": FAULT_DAY, **FAULTS[kind]}]
        return run_scenarios(kind or "calm", {**BOOK, "faults": faults})

    return run


def recovered(run: ScenarioOutput) -> int:
    """Dispatches that found their claim left by a crash: in the run reports (calls, visits, reviews), or
    in the SMS senders' log (texts leave the run through the outbox)."""
    in_runs = sum(r.get("outcomes", {}).get("recovered", 0) for r in run.runs)
    logs = [json.loads(line) for line in (run.out / "logs.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
    return in_runs + sum(1 for r in logs if r.get("message") == "sms dispatched" and r.get("outcome") == "recovered")


def what_was_done(run: ScenarioOutput) -> Counter:
    """Each contact as the borrower (and a regulator) sees it, without run ids or provider ids."""
    return Counter(
        (c["account_id"], c["action"], c["purpose"], datetime.fromisoformat(c["local_time"]).date(), c.get("to"), c.get("text"))
        for c in run.contacts
    )


def test_the_calm_run_contacts_every_account_on_the_fault_day(replay):
    calm = replay(None)
    on_the_day = {c["account_id"] for c in calm.contacts if c["local_time"].startswith(FAULT_DAY)}
    assert {"CN-1", "CN-2", "CN-3", "CN-PAYS", "US-1"} <= on_the_day  # so every fault meets real sends
    assert calm.summary["sms_published"] == sum(1 for c in calm.contacts if c["action"] == "sms")
    assert calm.summary["faults_injected"] == {}


@pytest.mark.parametrize("kind", list(FAULTS))
def test_a_fault_changes_nothing_the_borrower_or_the_book_would_see(replay, kind):
    calm, faulty = replay(None), replay(kind)
    assert faulty.summary["faults_injected"].get(kind, 0) >= 1, "the fault was injected"
    # No duplicate: one audit record per key, one provider message per SMS record.
    keys = Counter((c["account_id"], c["key"]) for c in faulty.contacts)
    assert [k for k, n in keys.items() if n > 1] == []
    assert faulty.summary["sms_published"] == sum(1 for c in faulty.contacts if c["action"] == "sms")
    # The same contacts and the same final state as the calm run: nothing lost, nothing extra.
    assert what_was_done(faulty) == what_was_done(calm)
    assert list(faulty.accounts.values()) == list(calm.accounts.values())
    # Nothing left failed: a failure was retried (by the state machine or the next run).
    assert faulty.runs[-1].get("failed", []) == []


@pytest.mark.parametrize("kind", ["crash_after_send", "crash_before_record"])
def test_a_crash_after_acting_is_recorded_not_repeated(replay, kind):
    faulty = replay(kind)
    assert any(c.get("provider_id") == "unconfirmed" for c in faulty.contacts), "the crashed send is in the log, marked unconfirmed"
    assert recovered(faulty) >= 1
