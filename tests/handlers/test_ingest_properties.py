"""Properties of the ingest function (IngestEventsFunction), called directly with SQS-shaped batches.

One local stack for the whole module: account "A" is the target of arbitrary bodies, "B" of
payments and "C" of balance updates, so that one property's events never move another's figures.
The handler is the template's own (`stack.call_handler`), fed records shaped like the ones
Lambda's SQS event source mapping hands over (sim.local.stack.sqs_record).
"""

import hashlib
import itertools
import json
import uuid
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from escalation.contract import EVENT_TYPES, parse_event
from sim.local.stack import ACCOUNT, REGION, LocalStack
from tests.support import enroll

PROPERTY = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
ENROLLED_AT = datetime(2026, 2, 20, tzinfo=UTC)
QUEUE_ARN = f"arn:aws:sqs:{REGION}:{ACCOUNT}:local-BorrowerEventsQueue"
NO_FAILURES = {"batchItemFailures": []}


@pytest.fixture(scope="module")
def stack():
    with LocalStack() as local:
        for account_id, balance in (("A", "1000.00"), ("B", "10000000.00"), ("C", "1000.00")):
            enroll(
                {"account_id": account_id, "phone": "+8613800138001", "timezone": "Asia/Shanghai", "balance": balance,
                 "fees": "50.00" if account_id == "A" else "0.00", "currency": "CNY", "due_date": "2026-03-01"},
                ENROLLED_AT,
            )  # fmt: skip
        local.queue_messages("RejectedEventsQueue")
        yield local


def record(body: str) -> dict[str, Any]:
    """One received SQS message as the event source mapping hands it to the function."""
    return {
        "messageId": str(uuid.uuid4()),
        "receiptHandle": uuid.uuid4().hex,
        "body": body,
        "attributes": {
            "ApproximateReceiveCount": "1",
            "SentTimestamp": "1772690400000",
            "SenderId": "AIDAEXAMPLE",
            "ApproximateFirstReceiveTimestamp": "1772690400001",
        },
        "messageAttributes": {},
        "md5OfBody": hashlib.md5(body.encode("utf-8", "surrogatepass")).hexdigest(),
        "eventSource": "aws:sqs",
        "eventSourceARN": QUEUE_ARN,
        "awsRegion": REGION,
    }


def deliver(stack: LocalStack, *bodies: str) -> dict[str, Any]:
    return stack.call_handler("IngestEventsFunction", {"Records": [record(b) for b in bodies]})


def envelope(detail: Any, detail_type: str = "payment") -> str:
    """What the rule puts on the queue: the whole EventBridge event."""
    return json.dumps(
        {
            "version": "0",
            "id": str(uuid.uuid4()),
            "detail-type": detail_type,
            "source": "lender.core",
            "account": ACCOUNT,
            "time": "2026-03-05T04:00:00Z",
            "region": REGION,
            "resources": [],
            "detail": detail,
        }
    )


def load(account_id: str):
    from escalation.aws import dynamo

    return dynamo.load(account_id)


def detail_of(body: str) -> Any:
    """The detail the ingest function would read from a body, or None when the body has none."""
    try:
        parsed = json.loads(body)
    except ValueError:
        return None
    return parsed["detail"] if isinstance(parsed, dict) and "detail" in parsed else parsed


def is_valid_event(body: str) -> bool:
    detail = detail_of(body)
    try:
        parse_event(detail)
    except Exception:  # noqa: BLE001 - anything the contract does not accept is malformed
        return False
    return True


# ---------------------------------------------------------------------- strategies
# Characters an SQS message body may hold (#x9 #xA #xD #x20-#xD7FF #xE000-#xFFFD #x10000-#x10FFFF).
SQS_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)).filter(lambda c: c in "\t\n\r" or c >= " "), max_size=80)
JSON_SCALARS = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | SQS_TEXT
JSON_VALUES = st.recursive(
    JSON_SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(SQS_TEXT, inner, max_size=4), max_leaves=12
)
OFFSETS = st.integers(min_value=-12 * 4, max_value=14 * 4).map(lambda q: timezone(timedelta(minutes=15 * q)))
# Any instant at all, the first and last days of the calendar included, in any offset.
INSTANT_TEXT = st.builds(
    lambda when, tz: when.replace(tzinfo=tz).isoformat(),
    st.datetimes(),
    OFFSETS,
)

BASE = {"event_id": "base-1", "account_id": "A", "occurred_at": "2026-03-05T04:00:00+00:00"}
VALID_DETAILS = {
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
    "legal_decision": {"decision": "approve"},
    "new_account": {
        "account": {"account_id": "A", "phone": "+8613800138001", "balance": "1.00", "currency": "CNY", "due_date": "2026-03-01"}
    },
    "contact_updated": {"phone": "+8613800138077"},
    "sms_reply": {"text": "HELP"},
    "hold_placed": {"reason": "attorney"},
    "hold_lifted": {"reason": "attorney"},
}
assert set(VALID_DETAILS) == set(EVENT_TYPES)


@st.composite
def near_valid_details(draw: st.DrawFn) -> dict[str, Any]:
    """A valid detail for account A, then one to three mutations (most make it malformed)."""
    kind = draw(st.sampled_from(EVENT_TYPES))
    detail: dict[str, Any] = {"type": kind, **BASE, "event_id": f"near-{draw(st.uuids()).hex}", **VALID_DETAILS[kind]}
    for _ in range(draw(st.integers(1, 3))):
        key = draw(st.sampled_from(sorted(detail)))
        mutation = draw(st.sampled_from(["drop", "replace", "extra", "instant", "type", "numberish"]))
        if mutation == "drop":
            detail.pop(key, None)
        elif mutation == "replace":
            detail[key] = draw(JSON_VALUES)
        elif mutation == "extra":
            detail[draw(SQS_TEXT)] = draw(JSON_VALUES)
        elif mutation == "instant":
            detail[draw(st.sampled_from(["occurred_at", "promised_date"]))] = draw(INSTANT_TEXT | INSTANT_TEXT.map(lambda s: s[:10]))
        elif mutation == "type":
            detail["type"] = draw(st.sampled_from(EVENT_TYPES) | SQS_TEXT)
        else:
            detail[key] = draw(st.sampled_from(["-5.00", "1e3", "NaN", "0", "0.001", "1000000000000", "", " 1", "１"]))
    return detail


BODIES = st.one_of(
    SQS_TEXT,
    JSON_VALUES.map(json.dumps),
    st.dictionaries(SQS_TEXT, JSON_VALUES, max_size=6).map(json.dumps),
    JSON_VALUES.map(envelope),
    near_valid_details().map(envelope),
    near_valid_details().map(json.dumps),
)


# ---------------------------------------------------------------------- (a) arbitrary bodies
KNOWN: dict[str, Any] = {}  # an account as the previous example left it (saves a moto round trip per example)


@PROPERTY
@given(body=BODIES)
@example(body="")
@example(body="null")
@example(body='{"detail": null}')
@example(body=envelope({"type": "payment"}))
@example(body=envelope({**BASE, "type": "payment", "amount": "-1.00"}))
@example(body=envelope({**BASE, "type": "payment", "account_id": "NOPE", "amount": "1.00"}))
def test_any_body_is_applied_or_rejected_never_retried(stack, body):
    before = KNOWN.get("A") or load("A")
    result = deliver(stack, body)
    rejected = stack.queue_messages("RejectedEventsQueue")
    KNOWN["A"] = after = load("A")
    assert result == NO_FAILURES
    if is_valid_event(body):
        assert len(rejected) <= 1  # applied, or rejected when it cannot apply (e.g. no review waiting)
        return
    assert after == before
    assert len(rejected) == 1, rejected
    assert isinstance(rejected[0]["reason"], str) and rejected[0]["reason"].strip()
    assert rejected[0]["event"] == body


# docs/CONTRACTS.md, "Borrower events": an event that cannot apply is rejected with its reason, not retried. These
# pin the calendar's edges, where date arithmetic overflows (the property reaches them only by chance).
NEW_ACCOUNT = VALID_DETAILS["new_account"]["account"]
UNPROCESSABLE = [
    # contract.PromiseToPayEvent._not_before_event: occurred_at.date() - 1 day
    pytest.param(envelope({**BASE, "type": "promise_to_pay", "occurred_at": "0001-01-01T00:00:00+00:00", "amount": "1.00",
                           "promised_date": "2026-03-20"}), "occurred_at", id="promise dated 0001-01-01"),
    # service.ingest.ingest: now - timedelta(days=SEEN_DAYS)
    pytest.param(envelope({**BASE, "type": "payment", "occurred_at": "0001-01-01T12:00:00+00:00", "amount": "1.00"}),
                 "occurred_at", id="payment dated 0001-01-01"),
    # domain.windows.local_day: the instant in Asia/Shanghai is past 9999-12-31
    pytest.param(envelope({**BASE, "type": "payment", "occurred_at": "9999-12-31T23:00:00+00:00", "amount": "1.00"}),
                 "occurred_at", id="payment dated in the last hour of 9999"),
    # contract.NewAccount.due_date: the years 2000-2199 (the ladder's date arithmetic relies on them)
    pytest.param(envelope({**BASE, "type": "new_account", "account_id": "N1",
                           "account": {**NEW_ACCOUNT, "account_id": "N1", "due_date": "9999-12-31"}}),
                 "due_date", id="new account due 9999-12-31"),
    pytest.param(envelope({**BASE, "type": "new_account", "account_id": "N2",
                           "account": {**NEW_ACCOUNT, "account_id": "N2", "due_date": "0001-01-01"}}),
                 "due_date", id="new account due 0001-01-01"),
    pytest.param(envelope({**BASE, "type": "promise_to_pay", "amount": "1.00", "promised_date": "9999-12-31"}),
                 "promised_date", id="promise for 9999-12-31"),
    pytest.param('{"detail": {"type": "payment", "x": ' + "[" * 3000 + "]" * 3000 + "}}", "body", id="JSON nested 3000 deep"),
]  # fmt: skip


@pytest.mark.parametrize("body, field", UNPROCESSABLE)
def test_an_event_the_ingest_cannot_process_is_rejected_not_retried(stack, body, field):
    body = body.replace('"base-1"', f'"edge-{uuid.uuid4().hex}"')  # BASE's id may have been applied already
    companion = envelope({**BASE, "type": "dispute_resolved", "account_id": "C", "event_id": f"companion-{uuid.uuid4().hex}"})
    before = load("A")
    result = deliver(stack, body, companion)
    rejected = stack.queue_messages("RejectedEventsQueue")
    assert result == NO_FAILURES
    assert len(rejected) <= 1
    if rejected:  # rejected with a reason naming the field, and nothing changed; or else applied
        assert rejected[0]["event"] == body
        assert field in rejected[0]["reason"]
        assert load("A") == before


# ---------------------------------------------------------------------- (b) exactly once
# Three days per example: B remembers event ids for 30 days, so its item (and moto's work) stays small.
PAYMENT_DAYS = itertools.count()
EVENT_ID_TEXT = st.text(st.sampled_from("abcXYZ0189._:-"), min_size=1, max_size=20)


@PROPERTY
@given(
    amount=st.decimals(min_value=Decimal("0.01"), max_value=Decimal("500"), places=2),
    as_number=st.booleans(),
    suffix=EVENT_ID_TEXT,
    within_day=st.integers(min_value=0, max_value=24 * 3600 - 1),
    tz=OFFSETS,
)
def test_a_payment_delivered_many_times_counts_once(stack, amount, as_number, suffix, within_day, tz):
    n = next(PAYMENT_DAYS)
    event_id = f"pay-{n}-{suffix}"
    occurred = datetime(2026, 3, 2, tzinfo=UTC) + timedelta(days=3 * n, seconds=within_day)
    detail = {
        "type": "payment",
        "event_id": event_id,
        "account_id": "B",
        "occurred_at": occurred.astimezone(tz).isoformat(),
        "amount": float(amount) if as_number else str(amount),
    }
    body = envelope(detail)
    before = KNOWN["B"].amount_due if "B" in KNOWN else load("B").amount_due
    assert deliver(stack, body) == NO_FAILURES
    assert deliver(stack, body, body) == NO_FAILURES  # redelivered, twice in one batch
    assert stack.queue_messages("RejectedEventsQueue") == []
    KNOWN["B"] = after = load("B")
    assert after.amount_due == before - amount
    assert event_id in after.events_seen


# ---------------------------------------------------------------------- (c) newer ledger figures win
BALANCE_DAYS = itertools.count()
MONEY = st.decimals(min_value=Decimal("0"), max_value=Decimal("99999.99"), places=2)


@PROPERTY
@given(
    newer=st.tuples(MONEY, MONEY),
    older=st.tuples(MONEY, MONEY),
    gap=st.integers(min_value=1, max_value=30 * 24 * 3600),
    within_day=st.integers(min_value=0, max_value=24 * 3600 - 1),
    newer_tz=OFFSETS,
    older_tz=OFFSETS,
    same_batch=st.booleans(),
)
def test_an_older_balance_update_delivered_second_never_overwrites_the_newer(
    stack, newer, older, gap, within_day, newer_tz, older_tz, same_batch
):
    # Every example's newer update is later than all earlier examples' (C keeps the newest figures).
    n = next(BALANCE_DAYS)
    newer_at = datetime(2026, 4, 1, tzinfo=UTC) + timedelta(days=3 * n, seconds=within_day)
    older_at = newer_at - timedelta(seconds=gap)

    def update(tag: str, figures: tuple[Decimal, Decimal], at: datetime, tz: timezone) -> str:
        detail = {"type": "balance_update", "event_id": f"bal-{n}-{tag}", "account_id": "C", "occurred_at": at.astimezone(tz).isoformat()}
        return envelope({**detail, "balance": str(figures[0]), "fees": str(figures[1])}, "balance_update")

    first, second = update("newer", newer, newer_at, newer_tz), update("older", older, older_at, older_tz)
    if same_batch:
        assert deliver(stack, first, second) == NO_FAILURES
    else:
        assert deliver(stack, first) == NO_FAILURES
        assert deliver(stack, second) == NO_FAILURES
    assert stack.queue_messages("RejectedEventsQueue") == []
    now = load("C")
    assert (now.balance, now.fees) == newer


def test_balance_updates_delivered_in_time_order_end_with_the_later_figures(stack):
    """The anchor for (c): updates are not simply ignored; the later of two, delivered last, wins."""
    n = next(BALANCE_DAYS)
    at = datetime(2026, 4, 1, tzinfo=UTC) + timedelta(days=3 * n)

    def update(tag: str, when: datetime, balance: str, fees: str) -> str:
        detail = {"type": "balance_update", "event_id": f"anchor-{n}-{tag}", "account_id": "C", "occurred_at": when.isoformat()}
        return envelope({**detail, "balance": balance, "fees": fees}, "balance_update")

    assert deliver(stack, update("1", at, "1.00", "2.00"), update("2", at + timedelta(seconds=1), "3.00", "4.00")) == NO_FAILURES
    now = load("C")
    assert (now.balance, now.fees) == (Decimal("3.00"), Decimal("4.00"))
