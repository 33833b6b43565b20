"""The SMS releaser on moto (escalation.service.release) and senders that never wait.

The releaser moves texts from the outbox (SmsOutbox) to the send queue (SmsSendQueue), each with the DelaySeconds
of its slot, deletes from the outbox exactly what it posted, and stops at the minute's budget. The sender sends
what the send queue hands it at once: nothing in SendSmsFunction sleeps.
"""

import json
import sys
import time
from collections import Counter
from datetime import UTC, datetime

import boto3
import pytest

from sim.local.stack import LocalStack
from sim.local.template import ROOT

NEEDS = ("sms_outbox_url", "sms_send_queue_url", "sms_per_second")


def texts(n: int) -> list[dict]:
    return [{"account_id": f"A-{i}", "action": "sms", "rule": "reminder", "key": f"2026-03-04#sms#reminder#{i}"} for i in range(n)]


def counts(stack: LocalStack, logical: str) -> tuple[int, int, int]:
    """(visible, in flight, delayed) messages of a queue."""
    names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible", "ApproximateNumberOfMessagesDelayed"]
    attributes = boto3.client("sqs").get_queue_attributes(QueueUrl=stack.refs[logical], AttributeNames=names)["Attributes"]
    return int(attributes[names[0]]), int(attributes[names[1]]), int(attributes[names[2]])


@pytest.fixture
def stack():
    with LocalStack(parameters={"SmsPerSecond": "7"}) as local:
        yield local


@pytest.fixture
def posted_batches(stack, monkeypatch):
    """Every SendMessageBatch to the send queue, as its entries; `refuse` names entry ids SQS is to refuse there."""
    from escalation.aws.clients import client

    sqs = client("sqs")
    original = sqs.send_message_batch
    seen: list[list[dict]] = []
    refuse: set[str] = set()

    def send_message_batch(QueueUrl, Entries):  # botocore's parameter names
        if QueueUrl != stack.refs["SmsSendQueue"]:
            return original(QueueUrl=QueueUrl, Entries=Entries)
        seen.append(Entries)
        kept = [e for e in Entries if e["Id"] not in refuse]
        response = original(QueueUrl=QueueUrl, Entries=kept)
        failed = [{"Id": e["Id"], "Code": "InternalError", "SenderFault": False} for e in Entries if e["Id"] in refuse]
        return response | {"Failed": response.get("Failed", []) + failed}

    monkeypatch.setattr(sqs, "send_message_batch", send_message_batch)
    return seen, refuse


def release_at(stack: LocalStack, elapsed: float) -> dict:
    """One release whose clock reads `elapsed` seconds into a minute (the real clock's minute: moto's delays are real)."""
    from escalation.service.release import release

    now = time.time()
    minute_start = now - now % 60
    return release(stack.function_settings("ReleaseTextsFunction", NEEDS), clock=lambda: minute_start + elapsed)


def test_the_releaser_posts_each_text_unchanged_with_its_slots_delay_and_stops_at_the_minutes_budget(stack, posted_batches):
    from escalation.aws import sms_outbox

    seen, _ = posted_batches
    sms_outbox.post(stack.refs["SmsOutbox"], texts(30))
    # 57.5 s into the minute at 7 a second: seconds 57, 58 and 59 are left, 21 slots.
    result = release_at(stack, 57.5)
    assert (result["released"], result["not_posted"], result["not_deleted"]) == (21, 0, 0)
    entries = [e for batch in seen for e in batch]
    assert Counter(e["DelaySeconds"] for e in entries) == {0: 7, 1: 7, 2: 7}
    assert all(len(batch) <= 10 for batch in seen)
    bodies = [json.loads(e["MessageBody"]) for e in entries]
    assert all(body in texts(30) for body in bodies) and len({b["account_id"] for b in bodies}) == 21  # each once, unchanged
    # The outbox keeps the 9 it had no room for (none received, so none in flight); it lost exactly the 21 posted.
    assert counts(stack, "SmsOutbox") == (9, 0, 0)
    # The send queue holds the 21, only the 7 of delay 0 visible yet: SQS releases the rest second by second.
    assert counts(stack, "SmsSendQueue") == (7, 0, 14)
    bodies = stack.queue_messages("SmsSendQueue")
    assert len(bodies) == 7 and all(body in texts(30) for body in bodies)  # the body the run posted, verbatim


def test_the_releaser_deletes_only_what_sqs_accepted(stack, posted_batches):
    from escalation.aws import sms_outbox

    _, refuse = posted_batches
    refuse.add("3")  # the fourth text of a batch (the first batch has ten, the second two)
    sms_outbox.post(stack.refs["SmsOutbox"], texts(12))
    result = release_at(stack, 0.2)
    assert (result["released"], result["not_posted"]) == (11, 1)
    # The refused text stays in the outbox, in flight: it comes back after its visibility timeout. Its slot is not reused.
    assert counts(stack, "SmsOutbox") == (0, 1, 0)
    assert counts(stack, "SmsSendQueue") == (6, 0, 5)  # second 0: slots 0-6 but the refused one; slots 7-11 in second 1


def test_the_releaser_stops_when_the_outbox_is_empty(stack, posted_batches):
    seen, _ = posted_batches
    result = release_at(stack, 1.0)
    assert result["released"] == 0 and seen == []


def test_throttled_sends_come_back_after_the_visibility_timeout_and_are_never_dropped():
    """The send queue keeps a failed send (a batch item failure) for 5 receives, 6 minutes apart, then its DLQ."""
    from sim.local.template import load_template

    resources = load_template()["Resources"]
    send = resources["SmsSendQueue"]["Properties"]
    assert send["VisibilityTimeout"] == 360 and send["RedrivePolicy"]["maxReceiveCount"] == 5
    assert send["RedrivePolicy"]["deadLetterTargetArn"] == {"Fn::GetAtt": ["SmsSendDLQ", "Arn"]}
    [source] = resources["SendSmsFunction"]["Properties"]["Events"].values()
    assert source["Properties"]["Queue"] == {"Fn::GetAtt": ["SmsSendQueue", "Arn"]}
    assert source["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    release = resources["ReleaseTextsFunction"]["Properties"]
    assert release["ReservedConcurrentExecutions"] == 1
    [schedule] = release["Events"].values()
    assert schedule["Type"] == "ScheduleV2" and schedule["Properties"]["ScheduleExpression"] == "rate(1 minute)"


def test_the_sender_never_sleeps_while_it_handles_a_batch(monkeypatch):
    """At the deployed default rate (20 a second), SendSmsFunction sends what the send queue hands it without waiting:
    no call of time.sleep, however it is reached, while it handles a batch."""
    from tests.support import enroll

    event = json.loads((ROOT / "events" / "SendSmsFunction.json").read_text(encoding="utf-8"))
    request = json.loads(event["Records"][0]["body"])
    from tests.handlers.test_event_files import A1 as account  # the account the event files name

    with LocalStack(parameters={"SmsPerSecond": "20"}) as stack:
        stack.pin_configuration(request["run_id"])
        assert enroll(account, datetime(2026, 2, 20, tzinfo=UTC))
        batch = {"run_id": request["run_id"], "as_of": request["as_of"], "batch": 0, "account_ids": ["A-1"]}
        stack.call_handler("AssessAccountsFunction", batch)
        slept: list[str] = []

        def no_sleep(seconds: float) -> None:
            slept.append(f"time.sleep({seconds})")
            raise AssertionError("the SMS sender slept")

        def profile(frame, event, arg):  # catches time.sleep bound anywhere (a default argument, an alias)
            if event == "c_call" and getattr(arg, "__name__", "") == "sleep" and getattr(arg, "__module__", "") == "time":
                slept.append(f"{frame.f_code.co_filename}:{frame.f_lineno}")

        call_handler = stack.call_handler

        def watched(logical: str, event: dict):
            if logical != "SendSmsFunction":
                return call_handler(logical, event)
            with monkeypatch.context() as patch:
                patch.setattr(time, "sleep", no_sleep)
                sys.setprofile(profile)
                try:
                    return call_handler(logical, event)
                finally:
                    sys.setprofile(None)

        monkeypatch.setattr(stack, "call_handler", watched)
        assert stack.poll_queues() == 1
        assert slept == []
        assert len(stack.sms_sent()) == 1
        assert stack.handler_errors == []
