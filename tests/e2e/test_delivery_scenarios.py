"""Delivery receipts through the real path: SNS accepts, the carrier reports (sim.local.carrier, as SNS's delivery-status
logs would), the receipt function records them beside the texts; a number that keeps failing is closed for SMS."""

from __future__ import annotations

from datetime import date

import pytest

FAILING, DELAYED, FINE = "+8613800138101", "+8613800138102", "+8613800138103"


def account(account_id: str, phone: str, due: str = "2026-03-03") -> dict:
    return {"account_id": account_id, "phone": phone, "timezone": "Asia/Shanghai", "profile": "CN", "balance": "8000.00",
            "currency": "CNY", "due_date": due}  # fmt: skip


SCENARIO = {
    "name": "delivery receipts: a failing number, late receipts",
    "start_date": "2026-03-01",
    "days": 13,
    "profile": "CN",
    "accounts": [account("FAILING", FAILING), account("DELAYED", DELAYED, due="2026-03-12"), account("FINE", FINE)],
    "events": [],
    "faults": [
        {"date": "2026-03-01", "kind": "sms_undeliverable", "phone": FAILING},
        # DELAYED is texted on 03-09 (pre-due) and 03-13 (reminder); both receipts come after the end (03-14 00:00Z).
        {"date": "2026-03-09", "kind": "sms_receipt_delay", "hours": 240, "phone": DELAYED},
        {"date": "2026-03-13", "kind": "sms_receipt_delay", "hours": 100, "phone": DELAYED},
    ],
}


@pytest.fixture(scope="module")
def run(run_scenarios):
    return run_scenarios("delivery", SCENARIO)


def test_the_run_is_clean(run):
    assert run.summary["handler_errors"] == []


def test_every_text_counts_its_parts_and_says_how_it_was_delivered(run):
    texts = [c for c in run.contacts if c["action"] == "sms"]
    assert texts and all(c["parts"] >= 1 for c in texts)
    on_time = run.of("FINE", "sms")  # the delays are DELAYED's only
    assert on_time and {c["delivery"] for c in on_time} == {"delivered"}
    assert {c["delivery"] for c in run.of("FAILING", "sms")} == {"failed"}
    assert all(c["delivery_reason"] == "Invalid phone number" for c in run.of("FAILING", "sms"))


def test_the_summary_gives_the_delivery_rate_by_profile(run):
    cn = run.summary["sms_delivery"]["CN"]
    texts = [c for c in run.contacts if c["action"] == "sms"]
    assert sum(cn[k] for k in ("delivered", "failed", "pending", "unknown")) == len(texts)
    assert (cn["failed"], cn["pending"], cn["unknown"]) == (3, 1, 1)
    assert cn["delivery_rate"] == round(cn["delivered"] / (cn["delivered"] + cn["failed"] + cn["unknown"]), 4)


def test_three_failures_in_a_row_close_the_number_for_sms_and_calls_go_on(run):
    failing = run.of("FAILING", "sms")
    assert len(failing) == 3  # the profile's sms_failures_to_close: no text after the third failure came back
    assert run.accounts["FAILING"]["closed_channels"]["sms"] == "failing_number"
    last_text = max(date.fromisoformat(c["local_time"][:10]) for c in failing)
    assert any(date.fromisoformat(c["local_time"][:10]) > last_text for c in run.of("FAILING", "call"))
    assert len(run.of("FINE", "sms")) >= 3  # the same ladder texts a number that takes them


def test_a_text_without_a_receipt_is_pending_then_unknown_after_72_hours(run):
    delivery = {c["local_time"][:10]: c["delivery"] for c in run.of("DELAYED", "sms")}
    # Sent 22 hours before the end, its receipt 100 hours late: pending. Sent 4 days before, no receipt: unknown.
    assert delivery == {"2026-03-13": "pending", "2026-03-09": "unknown"}
