"""`python -m ops outcome call|visit`: outcomes agents and field teams report, as events on the bus, through the local harness.

The CLI stamps its events with the real clock, so the simulated days lie ahead of it (2027), and so do the promises.
"""

import json
from datetime import UTC, datetime, timedelta

import pytest

from tests.support import ops_for


def account(account_id: str, n: int, due_date: str = "2027-03-02") -> dict:
    return {
        "account_id": account_id,
        "phone": f"+86138004381{n:02d}",
        "timezone": "Asia/Shanghai",
        "profile": "CN",
        "balance": "900.00",
        "currency": "CNY",
        "due_date": due_date,
    }


@pytest.fixture(scope="module")
def harness():

    from sim.local.stack import LocalStack
    from sim.scenarios import Replay, validate

    accounts = [account("PROMISE", 1), account("NOANSWER", 2), account("REFUSE", 3), account("VISIT", 4)]
    accounts.append(account("TASK", 5, due_date="2027-02-26"))  # D+3 on the first day: an agent call is queued
    raw = {"name": "ops-outcome", "start_date": "2027-03-01", "days": 1, "profile": "CN", "accounts": accounts, "events": []}
    with LocalStack() as stack:
        Replay(validate(raw, "ops-outcome"), stack).run()
        calls = stack.queue_messages("CallQueue")
        yield stack, ops_for(stack), calls


def cli(ops, *argv: str) -> int:
    from ops.cli import main

    return main(["--stack", "local", *argv], ops=ops)


def test_a_reached_call_with_a_promise_puts_both_and_the_account_is_under_promise(harness, capsys):
    stack, ops, _ = harness
    assert cli(ops, "outcome", "call", "PROMISE", "reached", "--promise", "500", "2027-03-20") == 0
    line = capsys.readouterr().out.strip()
    assert line.startswith("call outcome reached recorded for PROMISE (event ops-") and "; promise 500.00 by 2027-03-20 (event ops-" in line
    assert stack.poll_queues() == 2
    assert stack.queue_messages("RejectedEventsQueue") == []
    a = ops.account("PROMISE")
    assert (a["status"], a["promised_amount"], a["promised_date"], a["failed_call_attempts"]) == ("promise", "500.00", "2027-03-20", 0)
    assert a["last_reached"] and sum(a["conversations"].values()) == 1
    events = ops.timeline("PROMISE")["events"]
    assert [e["type"] for e in events] == ["call_outcome", "promise_to_pay"]
    assert events[1]["fields"]["amount"] == "500.00" and events[1]["fields"]["promised_date"] == "2027-03-20"


def test_json_prints_the_events_put_in_order(harness, capsys):
    stack, ops, _ = harness
    assert cli(ops, "--json", "outcome", "visit", "VISIT", "met", "--promise", "120.50", "2027-04-01") == 0
    put = json.loads(capsys.readouterr().out)
    assert [e["type"] for e in put] == ["visit_outcome", "promise_to_pay"]
    assert put[0]["outcome"] == "met" and put[0]["event_id"].startswith("ops-") and put[0]["occurred_at"] == put[1]["occurred_at"]
    assert put[0]["manual"] is True and "manual" not in put[1]  # the outcome is entered by hand: taken only from collections.ops
    assert put[1]["event_id"] == put[0]["event_id"] + "-promise"  # after the outcome in the audit log (same instant)
    assert (put[1]["amount"], put[1]["promised_date"], put[1]["account_id"]) == ("120.50", "2027-04-01", "VISIT")
    assert stack.poll_queues() == 2
    a = ops.account("VISIT")
    assert (a["visits_attempted"], a["status"], a["promised_amount"]) == (1, "promise", "120.50")


def test_no_answer_counts_a_failed_attempt(harness, capsys):
    stack, ops, _ = harness
    before = ops.account("NOANSWER")
    assert cli(ops, "outcome", "call", "NOANSWER", "no_answer") == 0
    assert capsys.readouterr().out.startswith("call outcome no_answer recorded for NOANSWER (event ops-")
    assert stack.poll_queues() == 1
    after = ops.account("NOANSWER")
    assert after["failed_call_attempts"] == before.get("failed_call_attempts", 0) + 1
    assert sum(after["dials"].values()) == sum((before.get("dials") or {}).values()) + 1
    assert after["status"] == "active" and not after.get("promised_date")


def test_the_task_it_answers_is_carried(harness, capsys):
    stack, ops, calls = harness
    [task] = [t for t in calls if t["account_id"] == "TASK"]
    key = task["task_id"].removeprefix("TASK#")  # the account's own key of the task: "<local day>#call#<rule>"
    assert key in ops.account("TASK")["open_calls"]
    assert cli(ops, "outcome", "call", "TASK", "refused", "--task", task["task_id"]) == 0
    assert f"answering task {task['task_id']}" in capsys.readouterr().out
    assert stack.poll_queues() == 1
    a = ops.account("TASK")
    assert key not in a["open_calls"] and a["refusals"] == 1
    [event] = ops.timeline("TASK")["events"]
    assert event["type"] == "call_outcome" and event["fields"]["task_id"] == task["task_id"]


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["call", "NOPE", "reached"], "error: account NOPE: not enrolled"),
        (["call", "REFUSE", "no_answer", "--promise", "500", "2027-03-20"], "error: promise: a promise to pay is made in a conversation"),
        (
            ["visit", "REFUSE", "not_home", "--promise", "500", "2027-03-20"],
            "error: promise: a promise to pay is made in a conversation: only with visit met",
        ),
        (["call", "REFUSE", "reached", "--promise", "500", "2025-01-01"], "error: promise promised_date: 2025-01-01 is before the event"),
        (["call", "REFUSE", "reached", "--promise", "500", "2099-01-01"], "error: promise promised_date: 2099-01-01 is more than 366 days"),
        (["call", "REFUSE", "reached", "--promise", "500", "20/03/2027"], "error: promise promised_date: expected date like"),
        (["call", "REFUSE", "reached", "--promise", "5.001", "2027-03-20"], "error: promise amount: must have no more than 2 decimal"),
        (["call", "REFUSE", "reached", "--promise", "0", "2027-03-20"], "error: promise amount: must be greater than 0"),
        (["call", "REFUSE", "busy"], "error: outcome: must be 'reached', 'no_answer', 'refused' or 'wrong_number'"),
        (["visit", "REFUSE", "reached"], "error: outcome: must be 'met', 'not_home' or 'refused'"),
        (["call", "REFUSE", "reached", "--task", "no spaces"], "error: task_id: must be a task id"),
    ],
)
def test_bad_input_is_refused_in_one_line_and_nothing_is_put(harness, capsys, argv, says):
    stack, ops, _ = harness
    before = ops.account("REFUSE")
    assert cli(ops, "outcome", *argv) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.startswith(says) and err.count("\n") == 1, err
    assert stack.poll_queues() == 0  # nothing reached the bus's queue
    assert stack.queue_messages("RejectedEventsQueue") == []
    assert ops.account("REFUSE") == before


def test_a_promise_before_the_borrowers_own_today_is_refused(harness, capsys):
    stack, ops, _ = harness
    # The contract allows the UTC day before the event (a borrower ahead of UTC); in Shanghai that day is already past.
    yesterday = (datetime.now(UTC) - timedelta(days=1)).date().isoformat()
    assert cli(ops, "outcome", "call", "REFUSE", "reached", "--promise", "500", yesterday) == 2
    assert capsys.readouterr().err.startswith(f"error: promise promised_date: {yesterday} is in the past (the borrower's today is ")
    assert stack.poll_queues() == 0
