"""Borrower events through the real path: PutEvents on the bus → rule → queue → ingest function.

Exactly once per event id, older ledger figures never overwrite newer ones, and anything
that cannot apply is rejected with its reason and changes nothing.
"""

import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from sim.local.stack import LocalStack
from tests.support import enroll

ENROLLED_AT = datetime(2026, 2, 20, tzinfo=UTC)


@pytest.fixture
def stack():
    with LocalStack() as local:
        enroll(
            {"account_id": "A", "phone": "+8613800138001", "timezone": "Asia/Shanghai", "balance": "1000.00",
             "fees": "50.00", "currency": "CNY", "due_date": "2026-03-01"},
            ENROLLED_AT,
        )  # fmt: skip
        yield local


def put(stack: LocalStack, detail: dict, detail_type: str | None = None, source: str = "lender.core") -> None:
    bus = stack.refs["BorrowerEventBus"]
    stack.put_events([{"Source": source, "DetailType": detail_type or detail["type"], "Detail": json.dumps(detail), "EventBusName": bus}])
    stack.poll_queues()


def event(kind: str, event_id: str, at: str = "2026-03-05T04:00:00+00:00", **fields) -> dict:
    return {"type": kind, "event_id": event_id, "account_id": "A", "occurred_at": at, **fields}


def account():
    from escalation.aws import dynamo

    return dynamo.load("A")


def test_full_payment_through_the_bus_settles_the_account(stack):
    put(stack, event("payment", "pay-1", amount="1050.00"))
    settled = account()
    assert settled.status.value == "paid"
    assert settled.confirmation_due
    assert stack.queue_messages("RejectedEventsQueue") == []


def test_a_duplicate_delivery_is_applied_once(stack):
    put(stack, event("payment", "pay-1", amount="100.00"))
    put(stack, event("payment", "pay-1", amount="100.00"))
    assert account().amount_due == Decimal("950.00")


def test_an_older_balance_never_overwrites_a_newer_one(stack):
    put(stack, event("balance_update", "bal-new", at="2026-03-06T00:00:00+00:00", balance="800.00", fees="10.00"))
    put(stack, event("balance_update", "bal-old", at="2026-03-05T00:00:00+00:00", balance="990.00", fees="60.00"))
    now = account()
    assert (now.balance, now.fees) == (Decimal("800.00"), Decimal("10.00"))


@pytest.mark.parametrize(
    ("detail", "field"),
    [
        (event("payment", "bad-1", amount="-5.00"), "amount"),
        (event("payment", "bad-2", amount="abc"), "amount"),
        (event("opt_out", "bad-3", channel="fax"), "channel"),
        ({**event("payment", "bad-4", amount="5.00"), "account_id": "NOPE"}, "account_id"),
        (event("promise_to_pay", "bad-5", amount="5.00", promised_date="2026-01-01"), "promised_date"),
        ({"type": "weather", "event_id": "bad-6", "account_id": "A", "occurred_at": "2026-03-05T04:00:00+00:00"}, "type"),
        ({"type": "payment", "event_id": "bad-7", "account_id": "A", "amount": "5.00"}, "occurred_at"),
        (event("contact_updated", "bad-8", phone="+86 138 0013 8002"), "phone: must be an E.164 number"),
        (event("contact_updated", "bad-9", phone="13800138002"), "phone: must be an E.164 number"),
        (event("contact_updated", "bad-10"), "phone: missing (required)"),
        ({**event("call_outcome", "bad-11", outcome="wrong_number"), "account_id": "NOPE"}, "account_id: unknown account 'NOPE'"),
        (event("call_outcome", "bad-12", outcome="wrong_number", task_id="a task"), "task_id"),
    ],
)
def test_a_bad_event_is_rejected_with_its_reason_and_changes_nothing(stack, detail, field):
    before = account()
    put(stack, detail, detail_type="payment")
    [rejected] = stack.queue_messages("RejectedEventsQueue")
    assert field in rejected["reason"]
    assert account() == before


def test_opt_out_through_the_bus_closes_the_channel_on_the_number(stack):
    from escalation.aws import numbers

    put(stack, event("opt_out", "stop-1", channel="sms"))
    assert "sms" in account().opted_out
    assert numbers.status("+8613800138001").why_closed("sms") == "opted_out"


def test_a_wrong_number_and_a_new_number_through_the_bus(stack):
    from escalation.aws import numbers

    put(stack, event("call_outcome", "wrong-1", outcome="wrong_number"))
    assert numbers.status("+8613800138001").why_closed("call") == "wrong_number"
    put(stack, event("contact_updated", "new-1", at="2026-03-06T04:00:00+00:00", phone="+8613800138002"))
    moved = account()
    assert moved.phone == "+8613800138002" and numbers.status("+8613800138002").closed == {}
    assert numbers.status("+8613800138001").why_closed("sms") == "wrong_number"  # the old number stays closed
    assert stack.queue_messages("RejectedEventsQueue") == []


@pytest.mark.parametrize(("detail_type", "source"), [("weather", "lender.core"), ("payment", "someone.else")])
def test_the_bus_only_routes_expected_sources_and_types(stack, detail_type, source):
    before = account()
    put(stack, event("payment", "x-1", amount="1050.00"), detail_type=detail_type, source=source)
    assert account() == before
    assert stack.queue_messages("RejectedEventsQueue") == []
