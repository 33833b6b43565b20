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


FORGED_SEAL = "c2VhbGVkIGJ5IE9wZXJhdG9yQ29tbWFuZHNGdW5jdGk="  # well-formed, not made by the seal key
# What OperatorCommandsFunction adds to every event it puts as collections.ops: the caller AWS authenticated.
OPERATOR = "arn:aws:sts::123456789012:assumed-role/collections-OperatorRole/ops.li"


def put(stack: LocalStack, detail: dict, detail_type: str | None = None, source: str = "lender.core") -> None:
    """Put one event on the bus as `source`; from collections.ops with a principal and sealed, as only the operators'
    path puts it (escalation.aws.seal, with the stack's OperatorSealKey)."""
    if source == "collections.ops":
        from escalation.aws import seal

        detail = seal.sealed({"principal": OPERATOR} | detail, stack.refs["OperatorSealKey"])
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


# ---------------------------------------------------------------------- who may send what (issue 19)
OPS_ONLY = "must come from the operators' source collections.ops"
PAUSE = "source: an operator's pause ({} with reason paused) " + OPS_ONLY
MANUAL = "source: a manually entered {} " + OPS_ONLY


@pytest.mark.parametrize(
    ("detail", "source", "reason"),
    [
        (event("legal_decision", "ld-1", decision="approve"), "lender.core", f"source: a legal_decision {OPS_ONLY}, not 'lender.core'"),
        (event("legal_decision", "ld-2", decision="reject"), "sms.inbound", f"source: a legal_decision {OPS_ONLY}, not 'sms.inbound'"),
        (event("hold_placed", "pause-1", reason="paused"), "lender.core", PAUSE.format("hold_placed")),
        (event("hold_lifted", "resume-1", reason="paused"), "lender.core", PAUSE.format("hold_lifted")),
        (event("call_outcome", "manual-1", outcome="refused", manual=True), "lender.core", MANUAL.format("call_outcome")),
        (event("visit_outcome", "manual-2", outcome="met", manual=True), "lender.core", MANUAL.format("visit_outcome")),
        (event("payment", "ops-pay-1", amount="1050.00"), "collections.ops", "source: collections.ops may not put payment"),
        (event("hold_placed", "ops-hold-1", reason="attorney"), "collections.ops", "source: collections.ops places and lifts only pauses"),
        (event("call_outcome", "inbound-1", outcome="refused"), "sms.inbound", "source: sms.inbound puts only sms_reply, not call_outcome"),
    ],
)
def test_an_event_from_a_source_that_may_not_send_it_is_rejected_and_changes_nothing(stack, detail, source, reason):
    from escalation.aws import dynamo

    before = account()
    put(stack, detail, source=source)
    assert account() == before
    assert dynamo.last_event("A") is None
    [rejected] = stack.queue_messages("RejectedEventsQueue")
    assert rejected["reason"].startswith(reason), rejected["reason"]
    assert json.loads(rejected["event"])["source"] == source  # the whole EventBridge event is kept


@pytest.mark.parametrize(
    ("detail", "source", "reason"),
    [
        (
            event("hold_placed", "pause-9", reason="paused", principal=None),
            "collections.ops",
            "principal: missing; collections.ops events carry",
        ),
        (event("payment", "pay-9", amount="1.00", principal=OPERATOR), "lender.core", "principal: only collections.ops events name"),
        (event("hold_placed", "pause-8", reason="paused", principal="ops.li"), "collections.ops", "principal: must be an assumed-role"),
        # Sent straight to the bus (or the queue) with a principal but without the function's seal: its principal proves nothing.
        (
            event("hold_placed", "pause-7", reason="paused", principal=OPERATOR),
            "collections.ops",
            "seal: missing; collections.ops events come only",
        ),
        (
            event("hold_placed", "pause-6", reason="paused", principal=OPERATOR, seal="c2VhbGVkIGJ5IE9wZXJhdG9yQ29tbWFuZHNGdW5jdGk="),
            "collections.ops",
            "seal: does not verify",
        ),
        (
            event("payment", "pay-8", amount="1.00", seal="c2VhbGVkIGJ5IE9wZXJhdG9yQ29tbWFuZHNGdW5jdGk="),
            "lender.core",
            "seal: only collections.ops",
        ),
    ],
)
def test_the_principal_comes_with_the_operators_source_only(stack, detail, source, reason):
    """Only OperatorCommandsFunction may put collections.ops (the bus policy), and it always names the caller: an
    operators' event without one, or anyone else's with one, is rejected and changes nothing (issue 19)."""
    before = account()
    bus = stack.refs["BorrowerEventBus"]
    detail = {k: v for k, v in detail.items() if v is not None}
    stack.put_events([{"Source": source, "DetailType": detail["type"], "Detail": json.dumps(detail), "EventBusName": bus}])
    stack.poll_queues()
    assert account() == before
    [rejected] = stack.queue_messages("RejectedEventsQueue")
    assert rejected["reason"].startswith(reason), rejected["reason"]


def test_the_operators_source_may_pause_resume_and_enter_outcomes_by_hand(stack):
    put(stack, event("hold_placed", "pause-1", reason="paused", requested_by="ops.li"), source="collections.ops")
    assert "paused" in account().holds
    put(stack, event("hold_lifted", "resume-1", at="2026-03-05T05:00:00+00:00", reason="paused"), source="collections.ops")
    assert "paused" not in account().holds
    put(stack, event("call_outcome", "manual-1", at="2026-03-05T06:00:00+00:00", outcome="refused", manual=True), source="collections.ops")
    put(stack, event("call_outcome", "dialer-1", at="2026-03-05T07:00:00+00:00", outcome="no_answer"), source="lender.core")
    assert set(account().events_seen) == {"pause-1", "resume-1", "manual-1", "dialer-1"}
    assert stack.queue_messages("RejectedEventsQueue") == []


def test_a_legal_decision_from_the_operators_passes_the_source_check(stack):
    """From collections.ops the decision reaches the review's own checks (here: none waits); the approval that refers
    is in tests/e2e/test_event_scenarios.py (legal_decision)."""
    put(stack, event("legal_decision", "ld-1", decision="approve"), source="collections.ops")
    [rejected] = stack.queue_messages("RejectedEventsQueue")
    assert rejected["reason"].startswith("account_id: no legal review is waiting")


def test_the_operators_source_may_enrol_only_the_smoke_checks_synthetic_account(stack):
    from escalation.aws import dynamo

    def new_account(account_id: str, product: str) -> dict:
        enrolment = {"account_id": account_id, "phone": "+8613800138003", "balance": "1.00", "currency": "CNY",
                     "due_date": "2026-03-06", "product": product}  # fmt: skip
        return {**event("new_account", f"enrol-{account_id}", account=enrolment), "account_id": account_id}

    put(stack, new_account("SMOKE-1", "smoke"), source="collections.ops")
    put(stack, new_account("REAL-1", "default"), source="collections.ops")
    assert dynamo.load("SMOKE-1") is not None and dynamo.load("REAL-1") is None
    [rejected] = stack.queue_messages("RejectedEventsQueue")
    assert rejected["reason"].startswith("source: collections.ops may not put new_account")


def test_a_sealed_event_changed_after_sealing_does_not_verify(stack):
    """The seal covers the whole detail: a principal swapped (or any field changed) after the function sealed it fails."""
    from escalation.aws import seal

    before = account()
    sealed = seal.sealed({"principal": OPERATOR} | event("hold_placed", "pause-5", reason="paused"), stack.refs["OperatorSealKey"])
    forged = sealed | {"principal": "arn:aws:sts::123456789012:assumed-role/collections-OperatorRole/someone.else"}
    bus = stack.refs["BorrowerEventBus"]
    stack.put_events([{"Source": "collections.ops", "DetailType": "hold_placed", "Detail": json.dumps(forged), "EventBusName": bus}])
    stack.poll_queues()
    assert account() == before
    [rejected] = stack.queue_messages("RejectedEventsQueue")
    assert rejected["reason"].startswith("seal: does not verify")
