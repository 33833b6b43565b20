"""Issue 5, fuzzing: malformed borrower events through the real ingest path write nothing and are rejected once, with their reason.

One local stack (template.yaml on moto) for the module, with three enrolled accounts. Each example puts a batch of
one to four inputs on the real path — details on the bus (PutEvents → rule → BorrowerEventsQueue) and raw bodies sent
straight to the queue — then plays Lambda's SQS poller: receives the queue and calls the template's IngestEvents
handler. The inputs are malformed (refused by the contract, or not JSON at all) or well-formed but inapplicable
(unknown account, no legal review waiting, a promise more than a year out). Afterwards:

- the handler reported no batch item failures, every message was received once (never retried) and none is left in
  BorrowerEventsQueue or its DLQ;
- each input is on the RejectedEventsQueue exactly once, as {"reason", "event"}, with the reason the contract (or
  the ingest) gives for it;
- the accounts and contacts tables are unchanged item for item (their scans, serialized, are equal), no SMS and no
  topic notification was published, nothing was queued for calls, visits or referrals (nor their DLQs), no state
  machine execution started and no S3 object was written.

escalation.* modules that bind the stack's environment at import are imported inside fixtures and tests only.
"""

from __future__ import annotations

import itertools
import json
import os
import string
from collections import Counter
from datetime import UTC, date, datetime
from typing import Any

import boto3
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from escalation.contract import EVENT_TYPES, ContractError, default_source, parse_event
from sim.local.stack import ACCOUNT, REGION, LocalStack, sqs_record
from tests.support import enroll

ENROLLED_AT = datetime(2026, 2, 20, tzinfo=UTC)
ENROLLED = {
    "A": {
        "phone": "+8613800138001",
        "timezone": "Asia/Shanghai",
        "profile": "CN",
        "currency": "CNY",
        "balance": "1000.00",
        "fees": "50.00",
    },
    "B": {"phone": "+12125550187", "timezone": "America/New_York", "profile": "US", "currency": "USD", "balance": "2500.00"},
    "C": {"phone": "+4930123456", "timezone": "Europe/Berlin", "profile": "EU", "currency": "EUR", "balance": "80.00"},
}
SIDE_QUEUES = ("CallQueue", "CallDLQ", "VisitQueue", "VisitDLQ", "LegalReferralQueue", "LegalReferralDLQ", "BorrowerEventsDLQ")
EXAMPLES = 300


@pytest.fixture(scope="module")
def stack():
    with LocalStack() as local:
        for account_id, fields in ENROLLED.items():
            enroll({"account_id": account_id, "due_date": "2026-03-01", **fields}, ENROLLED_AT)
        drain(local, "RejectedEventsQueue")
        yield local
        CLIENTS.clear()


# ---------------------------------------------------------------------- the harness side
CLIENTS: dict[str, Any] = {}  # made once, while the module's stack runs (a boto3 client costs ~10 ms)


def client(service: str) -> Any:
    if service not in CLIENTS:
        CLIENTS[service] = boto3.client(service, region_name=REGION)
    return CLIENTS[service]


def drain(stack: LocalStack, logical: str) -> list[dict[str, Any]]:
    """Receive and delete every message of a queue (its bodies, parsed)."""
    sqs, url, out = client("sqs"), stack.refs[logical], []
    while batch := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
        out += [json.loads(message["Body"]) for message in batch]
        sqs.delete_message_batch(QueueUrl=url, Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(batch)])
    return out


def depth(stack: LocalStack, logical: str) -> int:
    """Messages in a queue: visible, in flight or delayed (what GetQueueAttributes' three counts add up to, read from
    moto's queue directly: nine API calls per example were most of this module's run time)."""
    from moto.sqs.models import sqs_backends

    queue = sqs_backends[ACCOUNT][REGION].queues[stack.attrs[(logical, "QueueName")]]
    return (
        queue.approximate_number_of_messages
        + queue.approximate_number_of_messages_not_visible
        + queue.approximate_number_of_messages_delayed
    )


def scan(stack: LocalStack, logical: str) -> str:
    """Every item of a table, as DynamoDB returns them, serialized in a stable order."""
    items = [item for page in client("dynamodb").get_paginator("scan").paginate(TableName=stack.refs[logical]) for item in page["Items"]]
    return json.dumps(sorted(json.dumps(item, sort_keys=True) for item in items))


def snapshot(stack: LocalStack) -> dict[str, Any]:
    """Everything the ingest function could write or send."""
    from moto.sns.models import sns_backends

    sfn, s3 = client("stepfunctions"), client("s3")
    machines = [m["stateMachineArn"] for m in sfn.list_state_machines()["stateMachines"]]
    return {
        "accounts": scan(stack, "AccountsTable"),
        "contacts": scan(stack, "ContactsTable"),
        "sms": stack.sms_sent(),
        "notifications": {arn: list(topic.sent_notifications) for arn, topic in sns_backends[ACCOUNT][REGION].topics.items()},
        "queues": {logical: depth(stack, logical) for logical in SIDE_QUEUES},
        "executions": {arn: len(sfn.list_executions(stateMachineArn=arn)["executions"]) for arn in machines},
        "objects": [o["Key"] for o in s3.list_objects_v2(Bucket=stack.refs["ManifestBucket"]).get("Contents", [])],
    }


def poll_once(stack: LocalStack) -> int:
    """Lambda's poller, with the checks: each message received for the first time, no batch item failure, then deleted."""
    sqs, url = client("sqs"), stack.refs["BorrowerEventsQueue"]
    arn = stack.attrs[("BorrowerEventsQueue", "Arn")]
    received = 0
    while batch := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"]).get("Messages", []):
        assert all(m["Attributes"]["ApproximateReceiveCount"] == "1" for m in batch), "a message was received again: retried"
        assert stack.call_handler("IngestEventsFunction", {"Records": [sqs_record(m, arn) for m in batch]}) == {"batchItemFailures": []}
        sqs.delete_message_batch(QueueUrl=url, Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(batch)])
        received += len(batch)
    return received


# ---------------------------------------------------------------------- inputs
EVENT_IDS = (f"fuzz-{n}" for n in itertools.count())
BASE_FIELDS = {
    "payment": {"amount": "10.00"},
    "balance_update": {"balance": "900.00", "fees": "10.00"},
    "promise_to_pay": {"amount": "100.00", "promised_date": "2026-03-20"},
    "payment_plan_agreed": {"installments": [{"date": "2026-03-20", "amount": "50.00"}, {"date": "2026-04-10", "amount": "50.00"}]},
    "dispute_opened": {},
    "dispute_resolved": {},
    "opt_out": {"channel": "sms"},
    "cease_contact": {},
    "call_outcome": {"outcome": "no_answer"},
    "visit_outcome": {"outcome": "not_home"},
    "legal_decision": {"decision": "approve", "reviewer": "li.wei"},
    "new_account": {
        "account": {"account_id": "N", "phone": "+8613800138009", "balance": "1.00", "currency": "CNY", "due_date": "2026-03-01"}
    },
    "contact_updated": {"phone": "+8613800138077"},
    "sms_reply": {"text": "HELP"},
    "hold_placed": {"reason": "attorney", "until": "2026-04-30"},
    "hold_lifted": {"reason": "attorney"},
}
assert set(BASE_FIELDS) == set(EVENT_TYPES)

# Characters an SQS message body may hold (#x9 #xA #xD #x20-#xD7FF #xE000-#xFFFD #x10000-#x10FFFF).
SQS_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)).filter(lambda c: c in "\t\n\r" or c >= " "), max_size=60)
SCALARS = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=12)  # JSON
GARBAGE = SCALARS | st.lists(SCALARS, max_size=3) | st.dictionaries(st.text(max_size=5), SCALARS, max_size=3)
BAD_STRINGS = st.sampled_from(
    ["", " ", "-5.00", "0", "0.001", "1e12", "NaN", "Infinity", "2026-02-30", "2026-03-04T06:00:00", "yesterday", "+1", "x" * 300, "１２"]
)

ENROLLED_IDS = st.sampled_from(sorted(ENROLLED))
UNENROLLED_IDS = st.text(string.ascii_letters + string.digits + "._:-", min_size=1, max_size=20).filter(lambda a: a not in ENROLLED)


def valid_detail(kind: str, account_id: str) -> dict[str, Any]:
    detail = {"type": kind, "event_id": next(EVENT_IDS), "account_id": account_id, "occurred_at": "2026-03-05T04:00:00+00:00"}
    detail |= json.loads(json.dumps(BASE_FIELDS[kind]))
    if kind == "new_account":
        detail["account"]["account_id"] = account_id
    if default_source(detail) == "collections.ops":  # as OperatorCommandsFunction puts it: its caller, and sealed
        from escalation.aws import seal

        detail["principal"] = "arn:aws:sts::123456789012:assumed-role/collections-ReviewerRole/li.wei"
        return seal.sealed(detail, os.environ["OPERATOR_SEAL_KEY"])
    return detail


def contract_reason(detail: Any) -> str | None:
    """The contract's refusal of a detail (after a JSON round trip, as the function reads it), or None when it parses."""
    try:
        parse_event(json.loads(json.dumps(detail)))
    except ContractError as exc:
        return str(exc)
    return None


# Not "detail": a bare detail with a "detail" field would be read as an envelope (escalation.service.inbox).
UNKNOWN_KEYS = st.text(string.ascii_lowercase, min_size=1, max_size=12).filter(lambda k: k != "detail")


@st.composite
def malformed_details(draw: st.DrawFn) -> dict[str, Any]:
    """A valid detail for an enrolled account (so that a wrongly accepted one would write), broken one to three times."""
    kind = draw(st.sampled_from(EVENT_TYPES))
    detail = valid_detail(kind, draw(ENROLLED_IDS))
    for _ in range(draw(st.integers(1, 3))):
        target = detail["account"] if "account" in detail and isinstance(detail["account"], dict) and draw(st.booleans()) else detail
        mutation = draw(st.sampled_from(["drop", "garbage", "bad string", "unknown field", "tag"]))
        if mutation == "unknown field":
            target[draw(UNKNOWN_KEYS)] = draw(GARBAGE)
        elif mutation == "tag":
            detail["type"] = draw(st.sampled_from([t.upper() for t in EVENT_TYPES]) | st.text(max_size=20) | GARBAGE)
        elif target:
            key = draw(st.sampled_from(sorted(target)))
            if mutation == "drop":
                del target[key]
            else:
                target[key] = draw(GARBAGE if mutation == "garbage" else BAD_STRINGS)
    if contract_reason(detail) is None:  # the mutations happened to keep it valid (e.g. dropped an optional field)
        detail["unexpected"] = draw(GARBAGE)  # an unknown field: refused for certain
    return detail


@st.composite
def inapplicable_details(draw: st.DrawFn) -> tuple[dict[str, Any], str]:
    """Well-formed events that cannot apply, with the ingest's reason."""
    form = draw(st.sampled_from(["unknown account", "no review waiting", "promise too far"]))
    if form == "unknown account":
        account_id = draw(UNENROLLED_IDS)
        kind = draw(st.sampled_from([k for k in EVENT_TYPES if k != "new_account"]))  # a new account would be enrolled
        return valid_detail(kind, account_id), f"account_id: unknown account {account_id!r}"
    if form == "no review waiting":
        reason = "account_id: no legal review is waiting for a decision"
        return valid_detail("legal_decision", draw(ENROLLED_IDS)), reason
    # the contract takes any date to 2199; the ingest refuses one more than 366 days after the borrower's today
    promised = draw(st.dates(min_value=date(2027, 3, 7), max_value=date(2199, 12, 31)))
    detail = valid_detail("promise_to_pay", draw(ENROLLED_IDS)) | {"promised_date": promised.isoformat()}
    return detail, f"promised_date: {promised} is more than 366 days ahead"


def envelope(detail: Any) -> str:
    """A body as the rule would put it on the queue: the whole EventBridge event."""
    return json.dumps(
        {
            "version": "0",
            "id": next(EVENT_IDS),
            "detail-type": "payment",
            "source": "lender.core",
            "account": ACCOUNT,
            "time": "2026-03-05T04:00:00Z",
            "region": REGION,
            "resources": [],
            "detail": detail,
        }
    )


def raw_body(body: str, detail: Any = None) -> dict[str, Any]:
    return {"via": "queue", "body": body, "detail": detail}


NOT_AN_OBJECT = SCALARS | st.lists(SCALARS, max_size=3)
NOT_JSON = SQS_TEXT.filter(lambda s: s.strip() != "").filter(lambda s: not _is_json(s))


def _is_json(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


@st.composite
def inputs(draw: st.DrawFn) -> dict[str, Any]:
    """One input: on the bus, a malformed detail or a well-formed one that cannot apply; straight onto the queue, a body
    that is not JSON, JSON that is not an object, or a malformed detail bare or in an envelope. Weighted to the details
    for enrolled accounts, the inputs that would write if the contract let them through."""
    way = draw(st.sampled_from(["bus", "bus", "bus", "inapplicable", "not json", "not an object", "bare", "bare", "envelope", "envelope"]))
    if way == "bus":
        detail = draw(malformed_details())
        return {"via": "bus", "detail": detail, "detail_type": draw(st.sampled_from(EVENT_TYPES)), "source": draw(SOURCES)}
    if way == "inapplicable":
        detail, reason = draw(inapplicable_details())
        source = default_source(detail)  # a decision from the operators: rejected for the review, not its source
        return {"via": "bus", "detail": detail, "detail_type": detail["type"], "source": source, "reason": reason}
    if way == "not json":
        return raw_body(draw(NOT_JSON))
    if way == "not an object":
        value = draw(NOT_AN_OBJECT)
        return raw_body(json.dumps(value), value)
    detail = draw(malformed_details())
    return raw_body(json.dumps(detail) if way == "bare" else envelope(detail), detail)


SOURCES = st.sampled_from(["lender.core", "collections.ops"])


def expected_reason(item: dict[str, Any]) -> str:
    if "reason" in item:
        return item["reason"]
    if item["via"] == "queue" and not _is_json(item["body"]):
        return "body: not an EventBridge event"  # a prefix: the parser's message follows
    reason = contract_reason(item["detail"])
    assert reason is not None, item
    return reason


# ---------------------------------------------------------------------- the property
BASELINE: dict[str, Any] = {}


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
)
@given(batch=st.lists(inputs(), min_size=1, max_size=4))
def test_malformed_events_write_nothing_and_are_rejected_once_with_their_reason(stack, batch):
    if "state" not in BASELINE:
        BASELINE["state"] = snapshot(stack)
    bus = stack.refs["BorrowerEventBus"]
    entries = [
        {
            "Source": item["source"],
            "DetailType": item["detail_type"],
            "Detail": json.dumps(item["detail"], allow_nan=False),
            "EventBusName": bus,
        }
        for item in batch
        if item["via"] == "bus"
    ]
    if entries:
        stack.put_events(entries)  # one PutEvents call, as the core system would batch them
    for item in batch:
        if item["via"] == "queue":
            client("sqs").send_message(QueueUrl=stack.refs["BorrowerEventsQueue"], MessageBody=item["body"])

    assert poll_once(stack) == len(batch)
    assert depth(stack, "BorrowerEventsQueue") == 0 and depth(stack, "BorrowerEventsDLQ") == 0
    rejected = drain(stack, "RejectedEventsQueue")

    # Each input is rejected once: match each rejection to its input by the body (queue) or the detail (bus).
    def key(body: str) -> str:
        sent_raw = {item["body"] for item in batch if item["via"] == "queue"}
        return f"queue:{body}" if body in sent_raw else "bus:" + json.dumps(json.loads(body)["detail"], sort_keys=True)

    expected = Counter()
    for item in batch:
        name = f"queue:{item['body']}" if item["via"] == "queue" else "bus:" + json.dumps(item["detail"], sort_keys=True)
        expected[(name, expected_reason(item))] += 1
    got = Counter()
    for message in rejected:
        assert set(message) == {"reason", "event"}, message
        reason = message["reason"]
        assert isinstance(reason, str) and len(reason.splitlines()) == 1, reason
        if reason.startswith("body: not an EventBridge event"):
            reason = "body: not an EventBridge event"
        got[(key(message["event"]), reason)] += 1
    assert got == expected

    assert snapshot(stack) == BASELINE["state"]


def test_the_snapshot_sees_a_write(stack):
    """The anchor: a valid event on the same path is applied, not rejected, and the snapshot changes."""
    before = snapshot(stack)
    detail = valid_detail("payment", "C")
    stack.put_events(
        [{"Source": "lender.core", "DetailType": "payment", "Detail": json.dumps(detail), "EventBusName": stack.refs["BorrowerEventBus"]}]
    )
    assert poll_once(stack) == 1
    assert drain(stack, "RejectedEventsQueue") == []
    after = snapshot(stack)
    assert after["accounts"] != before["accounts"]
    assert detail["event_id"] in after["accounts"]
