"""Borrowers' replies through the real path: two-way SMS's topic, the forwarder, the bus, the queue, the ingest."""

from __future__ import annotations

import json

import pytest

CN, US, CHATTY = "+8613800138201", "+12125550202", "+12125550203"
MESSAGE = "I lost my job, can I pay $50 a week? call +1 212 555 0199"


def account(account_id: str, phone: str, profile: str, zone: str, currency: str) -> dict:
    return {"account_id": account_id, "phone": phone, "timezone": zone, "profile": profile, "balance": "800.00",
            "currency": currency, "due_date": "2026-03-03"}  # fmt: skip


SCENARIO = {
    "name": "replies: stop, help, a message",
    "start_date": "2026-03-01",
    "days": 12,
    "profile": "CN",
    "accounts": [
        account("CN-STOP", CN, "CN", "Asia/Shanghai", "CNY"),
        account("US-HELP", US, "US", "America/New_York", "USD"),
        account("US-MSG", CHATTY, "US", "America/New_York", "USD"),
    ],
    "events": [
        {"at": "2026-03-04T03:00:00Z", "type": "sms_reply", "account_id": "CN-STOP", "text": "ＴＤ"},
        {"at": "2026-03-04T19:00:00Z", "type": "sms_reply", "account_id": "US-HELP", "text": "help"},  # 14:00 in New York
        {"at": "2026-03-04T20:00:00Z", "type": "sms_reply", "account_id": "US-HELP", "text": "HELP"},  # again: once a day
        {"at": "2026-03-05T15:00:00Z", "type": "sms_reply", "account_id": "US-MSG", "text": MESSAGE},
    ],
}  # fmt: skip


@pytest.fixture(scope="module")
def run(run_scenarios):
    return run_scenarios("replies", SCENARIO)


def test_the_run_is_clean_and_every_reply_applied(run):
    assert run.summary["handler_errors"] == []
    assert [e["note"] for e in run.events] == ["applied"] * 4


def test_stop_in_chinese_full_width_opts_the_number_out_of_sms(run):
    assert run.accounts["CN-STOP"]["closed_channels"]["sms"] == "opted_out"
    assert run.after("CN-STOP", "2026-03-04T03:00:00Z") and not [
        c for c in run.after("CN-STOP", "2026-03-04T03:00:00Z") if c["action"] == "sms"
    ]


def test_help_gets_the_help_text_once_that_day_at_the_next_run(run):
    helps = run.of("US-HELP", "sms", purpose="help")
    assert len(helps) == 1 and "call" in helps[0]["text"].lower()
    assert helps[0]["at"] > "2026-03-04T19:00:00Z" and helps[0]["local_time"].startswith("2026-03-0")
    assert run.effects("US-HELP", "sms_reply")[1] == "reply HELP: the help text goes at the next chance"


def test_a_message_becomes_a_task_for_an_agent_and_never_a_log_line(run):
    [task] = [t["message"] for t in run.tasks if t["message"].get("kind") == "reply"]
    assert task["account_id"] == "US-MSG" and task["text"].startswith("I lost my job") and task["purpose"] == "borrower_replied"
    logs = (run.out / "logs.jsonl").read_text(encoding="utf-8")
    assert "I lost my job" not in logs and "555 0199" not in logs
    assert json.loads((run.out / "summary.json").read_text())["handler_errors"] == []
