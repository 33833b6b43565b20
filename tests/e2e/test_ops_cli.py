"""The ops CLI against the local harness: pause/resume an account, a date's run reports, redrive a run.

The CLI stamps its events with the real clock, so the simulated days lie ahead of it (2027).
"""

import json
from datetime import UTC, datetime

import pytest

from tests.support import cli_calls, ops_for


def account(account_id: str, n: int) -> dict:
    return {
        "account_id": account_id,
        "phone": f"+86138004380{n:02d}",
        "timezone": "Asia/Shanghai",
        "profile": "CN",
        "balance": "900.00",
        "currency": "CNY",
        "due_date": "2027-03-02",
    }


@pytest.fixture(scope="module")
def harness():

    from sim.local.stack import LocalStack
    from sim.scenarios import Replay, validate

    events = [
        {"at": "2027-03-02T06:00:00Z", "type": "payment", "account_id": "KEEP", "amount": "100.00"},
        {"at": "2027-03-02T07:00:00Z", "type": "call_outcome", "account_id": "KEEP", "outcome": "no_answer"},
    ]
    raw = {"name": "ops", "start_date": "2027-03-01", "days": 3, "profile": "CN", "accounts": [account("KEEP", 1), account("PAUSE", 2)]}
    raw["events"] = events
    with LocalStack() as stack:
        replay = Replay(validate(raw, "ops"), stack)
        replay.run()
        yield stack, replay, ops_for(stack)


def cli(ops, *argv: str) -> int:
    from ops.cli import main

    return main(["--stack", "local", *argv], ops=ops)


def contacts_of(account_id: str) -> list:
    from escalation.aws import dynamo

    return dynamo.contacts_of(account_id)


def test_runs_report_lists_the_dates_runs_with_what_they_did(harness, capsys):
    _, _, ops = harness
    assert cli(ops, "runs", "report", "2027-03-03") == 0
    text = capsys.readouterr().out
    assert "AsiaRun-20270303T0200" in text and "SUCCEEDED" in text and "sms 2" in text
    rows = ops.runs_on("2027-03-03")
    assert len(rows) == 5 and all(r["report"] is not None for r in rows)  # five schedules a day
    assert cli(ops, "runs", "report", "03/03/2026") == 2
    assert capsys.readouterr().err.startswith("error: date: expected YYYY-MM-DD")


def test_a_paused_account_gets_nothing_until_resumed(harness, capsys):
    stack, replay, ops = harness
    assert cli(ops, "account", "pause", "PAUSE", "--by", "ops.alice") == 0
    stack.poll_queues()
    assert ops.account("PAUSE")["holds"] == {"paused": ""} and ops.account("PAUSE")["status"] == "hold"
    before = len(contacts_of("PAUSE"))
    replay._run(datetime(2027, 3, 9, 2, tzinfo=UTC), "AsiaRun")  # D+7: follow-ups are due
    assert len(contacts_of("PAUSE")) == before
    assert len(contacts_of("KEEP")) > 3  # the other account was contacted in the same run

    assert cli(ops, "account", "resume", "PAUSE", "--by", "ops.alice") == 0
    stack.poll_queues()
    assert ops.account("PAUSE")["status"] == "active"
    replay._run(datetime(2027, 3, 8, 23, tzinfo=UTC), "EarlyRun")  # 07:00 in Shanghai: before the window opens
    assert len(contacts_of("PAUSE")) == before
    replay._run(datetime(2027, 3, 9, 8, tzinfo=UTC), "EuropeRun")  # 16:00 in Shanghai, same local day
    assert len(contacts_of("PAUSE")) > before
    assert cli(ops, "account", "resume", "PAUSE", "--by", "ops.alice") == 2  # not paused any more
    assert "not paused" in capsys.readouterr().err


def test_the_timeline_says_what_happened_last_and_why_nobody_was_contacted(harness, capsys):
    _, _, ops = harness
    assert cli(ops, "timeline", "PAUSE") == 0
    text = capsys.readouterr().out
    assert "last event: " in text and "hold_lifted: paused lifted" in text
    assert "last assessment without a contact: 2027-03-09: outside_window" in text


def test_redriving_a_run_repeats_nothing(harness, capsys):
    stack, _, ops = harness
    everything = {a: sorted(c.key for c in contacts_of(a)) for a in ("KEEP", "PAUSE")}
    assert cli(ops, "--json", "runs", "redrive", "AsiaRun-20270303T0200") == 0
    redo = json.loads(capsys.readouterr().out)
    assert redo["redriven"] and redo["how"] in ("redrive", "new run")  # moto has no RedriveExecution: a new run of the date
    if redo.get("execution"):
        arn = stack.arn("DailyRunStateMachine").replace(":stateMachine:", ":execution:") + f":{redo['execution']}"
        assert stack.wait_for(arn)["status"] == "SUCCEEDED"
    assert {a: sorted(c.key for c in contacts_of(a)) for a in ("KEEP", "PAUSE")} == everything
    assert cli(ops, "runs", "redrive", "NoSuchRun") == 2
    assert "no such execution" in capsys.readouterr().err


def test_figures_per_strategy_come_from_the_tables(harness, capsys):
    from escalation.aws import dynamo

    _, _, ops = harness
    # The CLI stamps its own events (the pause) with the real clock: the book's days are given.
    assert cli(ops, "figures", "--since", "2027-03-01", "--until", "2027-03-10", "--json") == 0
    result = json.loads(capsys.readouterr().out)
    assert (result["first_day"], result["accounts"], list(result["groups"])) == ("2027-03-01", 2, ["default-ladder/-"])
    group = result["groups"]["default-ladder/-"]
    sent = sum(1 for c in dynamo.all_contacts() if c.action.value == "sms")
    assert group["contacts"]["sms"] == sent > 0
    assert (group["recovered"], group["dial_attempts"], group["phone_conversations"]) == ({"CNY": "100.00"}, 1, 0)
    assert cli(ops, "figures", "--since", "2027-03-01", "--until", "2027-03-10") == 0
    text = capsys.readouterr().out
    assert text.startswith("figures of 2 account(s), 2027-03-01 to 2027-03-10") and "right_party_contact_rate" in text
    assert cli(ops, "figures", "--since", "2027-13-01") == 2
    assert capsys.readouterr().err.startswith("error: --since: expected YYYY-MM-DD")


def test_the_timeline_lists_the_events_applied_from_the_audit_log(harness, capsys):
    _, _, ops = harness
    assert cli(ops, "timeline", "KEEP") == 0
    text = capsys.readouterr().out
    assert "2 borrower event(s) applied:" in text and "partial payment 100.00" in text and "call_outcome" in text
    events = ops.timeline("KEEP")["events"]
    assert [e["type"] for e in events] == ["payment", "call_outcome"] and events[0]["fields"] == {"amount": "100.00"}


def test_the_operators_role_allows_every_call_the_operators_commands_make(harness, capsys):
    """Issue 19: OperatorRole holds what `ops` itself calls for an operator's work (moto enforces no IAM; the functions
    it reaches are their own roles', tests/e2e/test_iam_covers_calls.py)."""
    from sim.local import iam
    from sim.local.template import load_template

    stack, _, ops = harness
    with cli_calls(stack) as calls:
        for argv in (
            ("account", "pause", "KEEP", "--by", "a note"),
            ("account", "resume", "KEEP"),
            ("outcome", "call", "KEEP", "no_answer"),
            ("timeline", "KEEP", "--since", "2027-02-20"),
            ("runs", "report", "2027-03-03"),
            ("runs", "redrive", "AsiaRun-20270303T0200"),
        ):
            assert cli(ops, *argv) == 0, capsys.readouterr().err
            stack.poll_queues()
    granted = iam.grants(load_template(), "OperatorRole")
    assert {a for a, _ in calls} >= {"dynamodb:GetItem", "dynamodb:Query", "s3:ListBucket", "s3:GetObject", "states:ListExecutions"}
    assert [c for c in calls if not iam.allows(granted, *c)] == []
