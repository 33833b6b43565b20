"""Every function in template.yaml has a `sam local invoke` event file, events/<LogicalId>.json, and each works.

Each file is the exact payload the function receives in AWS (the state machines' Task parameters, or an SQS
batch for the ingest function and the SMS sender). Here each is run in-process on the template's stack on moto, after setting up
the state it presumes (account A-1 enrolled, its calls unanswered, a legal review waiting, ...), and the result
is checked, so a change to a handler's input breaks this test instead of leaving a stale file behind.

The escalation.aws / escalation.service modules bind table names from the environment when first imported,
so they are imported only once the local stack has set that environment.
"""

import base64
import copy
import gzip
import json
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import boto3
import pytest

from sim.local.stack import ACCOUNT, REGION, LocalStack
from sim.local.template import ROOT, load_template, resources_of_type
from tests.support import enroll, task_problems
from tests.support import ingest as ingest_event

EVENTS = ROOT / "events"
FUNCTIONS = sorted(resources_of_type(load_template(), "AWS::Serverless::Function"))
# The account the event files name: the documentation number of docs/SCENARIOS.md, due 2026-03-01 in Shanghai.
A1 = {
    "account_id": "A-1",
    "phone": "+8613800138000",
    "timezone": "Asia/Shanghai",
    "locale": "zh-CN",
    "profile": "CN",
    "balance": "18800.00",
    "fees": "320.00",
    "currency": "CNY",
    "due_date": "2026-03-01",
    "product": "credit-line",
}
ENROLLED_AT = datetime(2026, 2, 20, tzinfo=UTC)
RUN_IDS = ("AsiaRun-20260304T0200", "AsiaRun-20260331T0200", "AsiaRun-20260430T0200")


def event_file(logical: str) -> dict:
    return json.loads((EVENTS / f"{logical}.json").read_text(encoding="utf-8"))


# ---------------------------------------------------------------------- state the files presume
def enroll_a1() -> None:
    assert enroll(A1, ENROLLED_AT)


def ingest(event: dict, at: str) -> str:
    return ingest_event({"account_id": "A-1", **event}, datetime.fromisoformat(at))


def unanswered_calls() -> None:
    """Three unanswered calls after D+3: A-1 is unreachable, the D+30 field visit is due (event_seq 3)."""
    enroll_a1()
    for at in ("2026-03-04T07:00:00+00:00", "2026-03-09T07:00:00+00:00", "2026-03-12T07:00:00+00:00"):
        ingest({"type": "call_outcome", "outcome": "no_answer"}, at)


def visited() -> None:
    """... and the field visit found nobody: the D+60 legal review is due (event_seq 4)."""
    unanswered_calls()
    ingest({"type": "visit_outcome", "outcome": "not_home"}, "2026-04-02T07:00:00+00:00")


def waiting_review(stack: LocalStack) -> str:
    """A legal review requested through its event file; its execution runs until AwaitLegalDecision parks the token."""
    from escalation.aws import dynamo

    visited()
    as_assessed(stack, event_file("RequestLegalReviewFunction"))
    assert stack.call_handler("RequestLegalReviewFunction", event_file("RequestLegalReviewFunction"))["outcome"] == "sent"
    deadline = time.monotonic() + 30
    while dynamo.legal_token("A-1") is None:
        assert time.monotonic() < deadline, "the legal review never waited for a decision"
        time.sleep(0.01)
    return dynamo.legal_token("A-1")


def as_assessed(stack: LocalStack, event: dict) -> None:
    """A dispatch file is, verbatim, a decision the assessment makes for A-1 in the state the test set up."""
    batch = {"run_id": event["run_id"], "as_of": event["as_of"], "batch": 0, "account_ids": ["A-1"]}
    assert event in stack.call_handler("AssessAccountsFunction", batch)["decisions"]


def stop_reviews(stack: LocalStack) -> None:
    sfn = stack.sfn
    for execution in sfn.list_executions(stateMachineArn=stack.arn("LegalReviewStateMachine"), statusFilter="RUNNING")["executions"]:
        sfn.stop_execution(executionArn=execution["executionArn"])


def reviewer_notifications(stack: LocalStack) -> list:
    from moto.sns.models import sns_backends

    return sns_backends[ACCOUNT][REGION].topics[stack.refs["ReviewerTopic"]].sent_notifications


# ---------------------------------------------------------------------- what each file must do
def sync_opt_outs(stack: LocalStack, event: dict) -> None:
    from moto.sns.models import sns_backends

    from escalation.aws import numbers

    listed = sns_backends[ACCOUNT][REGION].opt_out_numbers
    result = stack.call_handler("SyncOptOutsFunction", event)
    assert result == {"listed": len(listed), "closed": len(listed)}
    assert all(numbers.status(phone).why_closed("sms") == "opted_out" for phone in listed)
    assert stack.call_handler("SyncOptOutsFunction", event) == {"listed": len(listed), "closed": 0}  # once per number


def plan_run(stack: LocalStack, event: dict) -> None:
    enroll_a1()
    result = stack.call_handler("PlanRunFunction", event)
    assert (result["due"], result["batches"], result["run_id"]) == (1, 1, event["run_id"])
    manifest = boto3.client("s3").get_object(Bucket=result["bucket"], Key=result["manifest_key"])["Body"].read()
    assert [item["account_ids"] for item in json.loads(manifest)] == [["A-1"]]


def outbox_request(event: dict) -> dict:
    """The decision an SMS outbox message (SendSmsFunction's event is a batch of them) carries."""
    [record] = event["Records"]
    return json.loads(record["body"])


def assess_accounts(stack: LocalStack, event: dict) -> None:
    enroll_a1()
    decisions = stack.call_handler("AssessAccountsFunction", event)["decisions"]
    posted = stack.queue_messages("SmsOutbox")
    assert {(d["action"], d["rule"]) for d in decisions} == {("call", "early_call")}
    assert {(d["action"], d["rule"]) for d in posted} == {("sms", "reminder")}
    # The sender's file is the SMS as posted to the outbox, verbatim; the call is claimed and queued (the published
    # contract, schemas/), and goes on to the Map by id.
    assert outbox_request(event_file("SendSmsFunction")) in posted
    [call] = decisions
    [task] = stack.queue_messages("CallQueue")
    assert task_problems("call", task) == []
    assert (call["outcome"], task["contact_key"], task["phone"]) == ("queued", call["key"], A1["phone"])
    assert A1["phone"] not in json.dumps(call)


def send_sms(stack: LocalStack, event: dict) -> None:
    from escalation.aws import dynamo

    enroll_a1()
    request = outbox_request(event)
    batch = {"run_id": request["run_id"], "as_of": request["as_of"], "batch": 0, "account_ids": ["A-1"]}
    stack.call_handler("AssessAccountsFunction", batch)
    assert request in stack.queue_messages("SmsOutbox")  # the file's message is, verbatim, what the assessment posts
    assert stack.call_handler("SendSmsFunction", event) == {"batchItemFailures": []}
    [(phone, text)] = stack.sms_sent()
    assert phone == A1["phone"]
    assert "19,120.00" in text
    assert [(c.action.value, c.purpose) for c in dynamo.contacts_of("A-1")] == [("sms", "reminder")]


def release_texts(stack: LocalStack, event: dict) -> None:
    """The schedule's event: the outbox's text moves to the send queue, unchanged, and is sent from there."""
    enroll_a1()
    request = outbox_request(event_file("SendSmsFunction"))
    batch = {"run_id": request["run_id"], "as_of": request["as_of"], "batch": 0, "account_ids": ["A-1"]}
    stack.call_handler("AssessAccountsFunction", batch)
    result = stack.call_handler("ReleaseTextsFunction", event)
    assert (result["released"], result["not_posted"], result["not_deleted"]) == (1, 0, 0)
    assert result["last_delay"] == 0  # locally SmsPerSecond is 100000: every slot is in the current second
    assert stack.poll_queues() == 1  # the sender takes it from the send queue
    assert [phone for phone, _ in stack.sms_sent()] == [A1["phone"]]
    assert stack.queue_messages("SmsOutbox") == [] and stack.queue_messages("SmsSendQueue") == []


def request_legal_review(stack: LocalStack, event: dict) -> None:
    from escalation.aws import dynamo

    token = waiting_review(stack)  # invokes RequestLegalReviewFunction with `event`
    assert token
    assert dynamo.load("A-1").legal_state.value == "pending"
    assert [c.action.value for c in dynamo.contacts_of("A-1")] == ["legal_review"]
    assert len(reviewer_notifications(stack)) == 1
    stop_reviews(stack)


def record_outcomes(stack: LocalStack, event: dict) -> None:
    """The queued call is A-1's as the assessment claimed, queued and passed it on; it is recorded."""
    from escalation.aws import dynamo

    enroll_a1()
    [call] = stack.call_handler("AssessAccountsFunction", event_file("AssessAccountsFunction"))["decisions"]
    [queued] = [o for o in event["outcomes"] if o["outcome"] == "queued"]
    same = set(queued) & set(call) - {"message_id"}  # SQS gave the file's message its own id
    assert {k: call[k] for k in same} == {k: queued[k] for k in same}
    result = stack.call_handler("RecordOutcomesFunction", event)
    assert (result["outcomes"], result["failed"]) == ({"sent": 1, "failed": 1, "duplicate": 1}, 1)
    [contact] = dynamo.contacts_of("A-1")
    assert (contact.action.value, contact.provider_id) == ("call", queued["message_id"])
    key = f"runs/{event['run_id']}/outcomes/{event['batch']:05d}.json"
    part = json.loads(boto3.client("s3").get_object(Bucket=stack.refs["ManifestBucket"], Key=key)["Body"].read())
    assert part["failed"] == [{"account_id": "A-2", "error": "States.TaskFailed"}]


def summarize_run(stack: LocalStack, event: dict) -> None:
    enroll_a1()
    stack.call_handler("AssessAccountsFunction", event_file("AssessAccountsFunction"))  # the run's one batch summary
    report = stack.call_handler("SummarizeRunFunction", event)
    assert (report["due"], report["assessed"], report["actions"]) == (1, 1, {"sms": 1, "call": 1})


def await_legal_decision(stack: LocalStack, event: dict) -> None:
    from escalation.aws import dynamo

    enroll_a1()
    assert stack.call_handler("AwaitLegalDecisionFunction", event) == {"waiting": True}
    assert dynamo.legal_token("A-1") == event["task_token"]
    [notification] = reviewer_notifications(stack)
    assert "A-1" in json.dumps(notification, default=str)


def refer_to_legal(stack: LocalStack, event: dict) -> None:
    from escalation.aws import dynamo

    waiting_review(stack)
    assert stack.call_handler("ReferToLegalFunction", event)["outcome"] == "sent"
    [message] = stack.queue_messages("LegalReferralQueue")
    assert task_problems("legal_referral", message) == []  # the published contract (schemas/)
    assert (message["account_id"], message["approved_by"]) == ("A-1", event["decision"]["reviewer"])
    assert dynamo.load("A-1").legal_state.value == "approved"
    assert sorted(c.action.value for c in dynamo.contacts_of("A-1")) == ["legal_referral", "legal_review"]
    stop_reviews(stack)


def return_to_ladder(stack: LocalStack, event: dict) -> None:
    from escalation.aws import dynamo

    waiting_review(stack)
    result = stack.call_handler("ReturnToLadderFunction", event)
    assert (result["outcome"], result["reason"]) == ("returned_to_ladder", "rejected")
    assert dynamo.load("A-1").legal_state.value == "rejected"
    assert dynamo.legal_token("A-1") is None
    stop_reviews(stack)


def ingest_events(stack: LocalStack, event: dict) -> None:
    from escalation.aws import dynamo

    enroll_a1()
    assert stack.call_handler("IngestEventsFunction", event) == {"batchItemFailures": []}
    assert stack.queue_messages("RejectedEventsQueue") == []
    account = dynamo.load("A-1")
    assert (account.status.value, account.balance + account.fees) == ("paid", 0)


def record_delivery_receipts(stack: LocalStack, event: dict) -> None:
    """The file is SNS's failure log for a text to A-1: sent here first, its message id put into the file's record."""
    from escalation.aws import dynamo, numbers
    from sim.local.carrier import subscription_event

    send_sms(stack, event_file("SendSmsFunction"))
    [contact] = dynamo.contacts_of("A-1")
    payload = json.loads(gzip.decompress(base64.b64decode(event["awslogs"]["data"])))
    [log_event] = payload["logEvents"]
    record = json.loads(log_event["message"])
    record["notification"]["messageId"] = contact.provider_id
    at = datetime.fromtimestamp(log_event["timestamp"] / 1000, UTC)
    ours = subscription_event([(at, record)], failed=True)
    assert stack.call_handler("RecordDeliveryReceiptsFunction", ours) == {"failed": 1}
    assert stack.call_handler("RecordDeliveryReceiptsFunction", ours) == {"duplicate": 1}  # Lambda retried the batch
    assert dynamo.all_receipts()[("A-1", contact.key)]["reason"] == "Invalid phone number"
    assert numbers.status(A1["phone"]).closed == {}  # one failure of three: the number stays open
    stack.queue_messages("RejectedEventsQueue")  # (drained)
    before = (dynamo.all_receipts(), numbers.status(A1["phone"]))
    assert stack.call_handler("RecordDeliveryReceiptsFunction", event) == {"unmatched": 1}  # the file's own id: no such text
    garbled = subscription_event([(at, {"notification": {"messageId": "x"}, "status": "LOST"})], failed=True)
    assert stack.call_handler("RecordDeliveryReceiptsFunction", garbled) == {"malformed": 1}
    assert (dynamo.all_receipts(), numbers.status(A1["phone"])) == before  # nothing changed
    reasons = [m["reason"] for m in stack.queue_messages("RejectedEventsQueue")]
    # Malformed: kept with its reason. About no text of ours (SNS logs every text of the AWS account): logged, counted.
    assert reasons == ["delivery receipt: message: expected notification and delivery objects (an SNS SMS delivery-status record)"]
    assert any("no text we recorded has id 5f2b7c9e" in str(r) for r in stack.log_records())


def forward_replies(stack: LocalStack, event: dict) -> None:
    """A-1 texts 帮助 (help) back: one sms_reply event on the bus, applied by the ingest; an unknown number, nothing."""
    from escalation.aws import dynamo, numbers

    enroll_a1()
    assert stack.call_handler("ForwardRepliesFunction", event) == {"forwarded": 1, "unknown_number": 0, "malformed": 0}
    stack.poll_queues()
    assert stack.queue_messages("RejectedEventsQueue") == []
    assert dynamo.load("A-1").help_requested
    [entry] = dynamo.events_of("A-1")
    assert (entry.type, entry.fields) == ("sms_reply", {"text": "帮助"})
    before = dynamo.load("A-1")
    stranger = json.loads(json.dumps(event).replace(A1["phone"], "+8613900139999"))
    assert stack.call_handler("ForwardRepliesFunction", stranger) == {"forwarded": 0, "unknown_number": 1, "malformed": 0}
    garbled = copy.deepcopy(event)
    garbled["Records"][0]["Sns"]["Message"] = json.dumps({"originationNumber": A1["phone"], "messageBody": ""})
    assert stack.call_handler("ForwardRepliesFunction", garbled) == {"forwarded": 0, "unknown_number": 0, "malformed": 1}
    assert stack.poll_queues() == 0 and dynamo.load("A-1") == before  # nothing put, nothing changed
    reasons = [m["reason"] for m in stack.queue_messages("RejectedEventsQueue")]
    assert reasons == ["sms reply: originationNumber: no account carries this number", "sms reply: messageBody: missing"]
    # A STOP from a number nobody carries yet closes it all the same: an account enrolled on it later is not texted.
    from sim.local.carrier import inbound_notification

    topic = event["Records"][0]["Sns"]["TopicArn"]
    stop = inbound_notification("+8613900139999", "退订", "stranger-1", datetime(2026, 3, 4, 7, tzinfo=UTC), topic)
    assert stack.call_handler("ForwardRepliesFunction", stop)["unknown_number"] == 1
    assert "sms" in numbers.status("+8613900139999").closed
    [reason] = [m["reason"] for m in stack.queue_messages("RejectedEventsQueue")]
    assert reason.endswith("STOP: the number is closed for SMS all the same")


def archive_audit(stack: LocalStack, event: dict) -> None:
    """The file is a batch of the contacts table's stream: a text to A-1, the payment applied to it, and an entry the
    table's TTL let go. The payment's image is, verbatim, what the stream carries when that event is applied here."""
    from escalation.aws import archive

    enroll_a1()
    ingest({"type": "payment", "amount": "100.00", "event_id": "pay-20260304-1"}, "2026-03-04T07:00:00+00:00")
    text, payment, expired = event["Records"]
    assert streamed_images(stack) == [payment["dynamodb"]["NewImage"]]
    assert stack.call_handler("ArchiveAuditFunction", event) == {"batchItemFailures": []}
    s3, bucket = boto3.client("s3"), stack.refs["AuditArchiveBucket"]
    sequence = {r["eventName"] + r["dynamodb"]["Keys"]["key"]["S"]: r["dynamodb"]["SequenceNumber"] for r in event["Records"]}
    first, second = (sequence[f"INSERT{r['dynamodb']['Keys']['key']['S']}"] for r in (text, payment))
    expected = {
        f"audit/kind=contact/profile=CN/day=2026-03-04/{first}-{first}.jsonl.gz": text,
        f"audit/kind=event/profile=CN/day=2026-03-04/{second}-{second}.jsonl.gz": payment,
    }
    assert sorted(o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]) == sorted(expected)  # nothing for the REMOVE
    for key, record in expected.items():
        [archived] = archive.decode(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
        image = record["dynamodb"]["NewImage"]
        assert archived["kind"] in key and archived["profile"] == "CN" and archived["key"] == image["key"]["S"]
        head = s3.head_object(Bucket=bucket, Key=key)  # (moto 5.2 has no GetObjectRetention; HeadObject says the same)
        assert head["ObjectLockMode"] == "COMPLIANCE"
        assert head["ObjectLockRetainUntilDate"].timestamp() == int(image["retain_until"]["N"])  # CN: five years from the entry
    assert stack.call_handler("ArchiveAuditFunction", event) == {"batchItemFailures": []}  # Lambda retried the batch
    assert len(s3.list_object_versions(Bucket=bucket)["Versions"]) == 2  # written once: no second version
    assert expired["eventName"] == "REMOVE"


def streamed_images(stack: LocalStack) -> list[dict]:
    """The NewImage of every record on the contacts table's stream so far (read directly, without archiving them)."""
    from botocore.config import Config

    streams = boto3.client("dynamodbstreams", region_name=REGION, config=Config(account_id_endpoint_mode="disabled"))
    arn = stack.attrs[("ContactsTable", "StreamArn")]
    [shard] = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]
    iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    return [r["dynamodb"]["NewImage"] for r in streams.get_records(ShardIterator=iterator)["Records"]]


def validate_configuration(stack: LocalStack, event: dict) -> None:
    result = stack.call_handler("ValidateConfigurationFunction", event)
    assert result["valid"] and "gentle" in result["policies"]
    bad = event | {"content": base64.b64encode(b'{"senders": {}, "strategy": {"default": "missing"}}').decode()}
    with pytest.raises(Exception, match="senders"):
        stack.call_handler("ValidateConfigurationFunction", bad)


def operator_commands(stack: LocalStack, event: dict) -> None:
    """An operator's pause, through the function URL (AWS_IAM): applied, and recorded as the session that asked."""
    from escalation.aws import dynamo
    from escalation.contract import Principal

    enroll_a1()
    caller = event["requestContext"]["authorizer"]["iam"]["userArn"]
    stack.admit_roles(operators={Principal.parse(caller).role})  # the deployed stack's own OperatorRole, by its name
    answer = stack.call_handler("OperatorCommandsFunction", event)
    assert answer["statusCode"] == 202, answer
    stack.poll_queues()
    assert "paused" in dynamo.load("A-1").holds
    [entry] = dynamo.events_of("A-1")
    assert (entry.type, entry.principal, entry.fields["requested_by"]) == ("hold_placed", caller, "a note the operator typed")


CHECKS: dict[str, Callable[[LocalStack, dict], None]] = {
    "SyncOptOutsFunction": sync_opt_outs,
    "PlanRunFunction": plan_run,
    "AssessAccountsFunction": assess_accounts,
    "SendSmsFunction": send_sms,
    "ReleaseTextsFunction": release_texts,
    "RequestLegalReviewFunction": request_legal_review,
    "RecordOutcomesFunction": record_outcomes,
    "SummarizeRunFunction": summarize_run,
    "AwaitLegalDecisionFunction": await_legal_decision,
    "ReferToLegalFunction": refer_to_legal,
    "ReturnToLadderFunction": return_to_ladder,
    "IngestEventsFunction": ingest_events,
    "ValidateConfigurationFunction": validate_configuration,
    "RecordDeliveryReceiptsFunction": record_delivery_receipts,
    "ForwardRepliesFunction": forward_replies,
    "ArchiveAuditFunction": archive_audit,
    "OperatorCommandsFunction": operator_commands,
}


def test_every_function_has_a_check_and_no_event_file_is_orphaned():
    assert sorted(CHECKS) == FUNCTIONS
    assert sorted(p.stem for p in EVENTS.glob("*.json")) == FUNCTIONS


@pytest.mark.parametrize("logical", FUNCTIONS)
def test_event_file_runs_on_the_local_stack(logical: str):
    path: Path = EVENTS / f"{logical}.json"
    assert path.is_file(), f"missing {path.relative_to(ROOT)} (sam local invoke {logical} -e {path.relative_to(ROOT)})"
    event = event_file(logical)
    with LocalStack() as stack:
        for run_id in RUN_IDS:  # what PlanRun does first in each of the runs the files name
            stack.pin_configuration(run_id)
        CHECKS[logical](stack, event)
        assert stack.handler_errors == []
