"""Applied borrower events are audit entries next to the contacts (escalation.aws.dynamo.EventEntryItem): written in
the same transaction as the account's change, once, and never seen by the readers of contacts."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from sim.local.stack import LocalStack
from tests.support import enroll, ingest

ENROLLED_AT = datetime(2026, 2, 20, tzinfo=UTC)
PAID_AT = datetime(2026, 3, 4, 1, 30, tzinfo=UTC)


@pytest.fixture(scope="module")
def stack():
    with LocalStack() as local:
        raw = {"account_id": "A", "phone": "+8613800138001", "timezone": "Asia/Shanghai", "balance": "1000.00",
               "currency": "CNY", "due_date": "2026-03-01", "product": "bnpl"}  # fmt: skip
        enroll(raw, ENROLLED_AT)
        enroll(raw | {"account_id": "B"}, ENROLLED_AT)
        yield local


def test_an_applied_event_is_in_the_audit_log_with_what_it_did(stack):
    from escalation.aws import dynamo

    note = ingest({"type": "payment", "account_id": "A", "amount": "400.00", "event_id": "pay#1"}, PAID_AT)
    assert note.startswith("partial payment")
    [entry] = dynamo.events_of("A")
    assert (entry.event_id, entry.type, entry.occurred_at, entry.effect) == ("pay#1", "payment", PAID_AT, note)
    assert entry.fields == {"amount": "400.00"}
    account = dynamo.load("A")
    assert (entry.policy, entry.arm) == (account.policy, account.arm)


def test_a_redelivered_event_adds_no_second_entry(stack):
    from escalation.aws import dynamo

    event = {"type": "promise_to_pay", "account_id": "B", "amount": "100.00", "promised_date": "2026-03-10", "event_id": "ptp#1"}
    ingest(event, PAID_AT)
    assert ingest(event, PAID_AT).startswith("duplicate")
    assert [e.event_id for e in dynamo.events_of("B")] == ["ptp#1"]


def test_an_event_whose_entry_exists_is_a_duplicate_even_when_the_account_forgot_its_id(stack):
    """Accounts remember event ids for 30 days; the audit log for the retention period: it has the last word."""
    from escalation.aws import dynamo

    event = {"type": "call_outcome", "account_id": "B", "outcome": "no_answer", "event_id": "call#1"}
    ingest(event, PAID_AT)
    before = dynamo.load("B")
    dynamo.AccountItem("B").update(actions=[dynamo.AccountItem.events_seen["call#1"].remove()])
    assert ingest(event, PAID_AT) == "duplicate: event call#1 already in the audit log"
    after = dynamo.load("B")
    assert (after.failed_call_attempts, after.dials) == (before.failed_call_attempts, before.dials)  # nothing applied twice


def test_a_rejected_event_leaves_no_entry(stack):
    from escalation.aws import dynamo
    from escalation.domain.events import EventError

    with pytest.raises(EventError):
        ingest({"type": "legal_decision", "account_id": "A", "decision": "approve", "reviewer": "r", "event_id": "ld#1"}, PAID_AT)
    assert "ld#1" not in {e.event_id for e in dynamo.events_of("A")}


def test_readers_of_contacts_see_contacts_only(stack):
    from escalation.aws import dynamo

    assert dynamo.all_events() and dynamo.contacts_of("A") == [] and dynamo.all_contacts() == []
