"""The carrier, and SNS's SMS delivery-status logging, for the local stack (moto delivers no receipts).

For each text moto's SNS accepted, the carrier decides what a real one would report — delivered, or failed for a
number under the scenario's `sms_undeliverable` fault — and when: a few seconds after the send, or `hours` later
under `sms_receipt_delay`. When the simulated clock reaches a receipt, it is written as SNS writes it (the record
of escalation.domain.receipts.log_record, in the success or failure log group) and handed to the template's
receipt function in the envelope a CloudWatch Logs subscription delivers (base64 of gzip of the log batch), as
Lambda would invoke it. Receipts not yet due when the scenario ends stay pending.
"""

from __future__ import annotations

import base64
import gzip
import itertools
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from .stack import ACCOUNT, REGION

FUNCTION = "RecordDeliveryReceiptsFunction"
LATENCY = timedelta(seconds=20)
UNDELIVERABLE = "Invalid phone number"  # one of SNS's documented reasons; a permanent failure
DELIVERED = "Message has been accepted by phone carrier"


@dataclass(frozen=True)
class _Due:
    at: datetime
    record: dict[str, Any]
    failed: bool


class Carrier:
    def __init__(self, stack: Any, faults: list[dict[str, Any]], note: Any = None) -> None:
        self.stack = stack
        self.note = note or (lambda kind: None)  # counts an injected fault (summary.json's faults_injected)
        self.undeliverable = {f["phone"]: date.fromisoformat(f["date"]) for f in faults if f["kind"] == "sms_undeliverable"}
        # (date, phone or None for every number) -> hours
        self.delays = {
            (date.fromisoformat(f["date"]), f.get("phone")): float(f.get("hours", 24)) for f in faults if f["kind"] == "sms_receipt_delay"
        }
        self.seen: set[str] = set()
        self.due: list[_Due] = []
        self.delivered = 0

    def collect(self, sent_at: datetime) -> None:
        """Texts SNS accepted since the last look, sent at `sent_at`: their receipts, due when the carrier reports."""
        from moto.sns.models import sns_backends

        from escalation.domain.messages import sms_parts
        from escalation.domain.receipts import Receipt, log_record

        for message_id, (phone, text) in list(sns_backends[ACCOUNT][REGION].sms_messages.items()):
            if message_id in self.seen:
                continue
            self.seen.add(message_id)
            failed = phone in self.undeliverable and self.undeliverable[phone] <= sent_at.date()
            delay = self.delays.get((sent_at.date(), phone), self.delays.get((sent_at.date(), None)))
            at = sent_at + LATENCY + timedelta(hours=delay or 0)
            for kind, injected in (("sms_undeliverable", failed), ("sms_receipt_delay", delay is not None)):
                if injected:
                    self.note(kind)
            receipt = Receipt(message_id, not failed, UNDELIVERABLE if failed else DELIVERED, phone, at, sms_parts(text))
            self.due.append(_Due(at, log_record(receipt), failed))

    def deliver(self, now: datetime) -> int:
        """Hand the receipts due by `now` to the receipt function, one log batch per log group; returns how many."""
        ready = sorted((d for d in self.due if d.at <= now), key=lambda d: d.at)
        if not ready:
            return 0
        self.due = [d for d in self.due if d.at > now]
        # In the order the carrier reported them: consecutive receipts of one log group make one batch.
        for failed, batch in itertools.groupby(ready, key=lambda d: d.failed):
            self.stack.call_handler(FUNCTION, subscription_event(batch_records(list(batch)), failed))
        self.delivered += len(ready)
        return len(ready)


def batch_records(batch: list[_Due]) -> list[tuple[datetime, dict[str, Any]]]:
    return [(d.at, d.record) for d in batch]


def log_group(failed: bool) -> str:
    """The groups SNS writes SMS delivery status to (the template creates both and subscribes the function)."""
    base = f"sns/{REGION}/{ACCOUNT}/DirectPublishToPhoneNumber"
    return f"{base}/Failure" if failed else base


def subscription_event(records: list[tuple[datetime, dict[str, Any]]], failed: bool) -> dict[str, Any]:
    """A CloudWatch Logs subscription's invocation of a Lambda function: {"awslogs": {"data": base64(gzip(json))}}."""
    payload = {
        "messageType": "DATA_MESSAGE",
        "owner": ACCOUNT,
        "logGroup": log_group(failed),
        "logStream": "local-carrier",
        "subscriptionFilters": ["local-delivery-receipts"],
        "logEvents": [
            {"id": str(n), "timestamp": int(at.timestamp() * 1000), "message": json.dumps(record)} for n, (at, record) in enumerate(records)
        ],
    }
    return {"awslogs": {"data": base64.b64encode(gzip.compress(json.dumps(payload).encode())).decode()}}


TWO_WAY_NUMBER = "+18005550199"  # the lender's two-way number, as the inbound message names it (fictional)


def inbound_notification(phone: str, text: str, message_id: str, at: datetime, topic_arn: str) -> dict[str, Any]:
    """How Lambda's SNS integration hands the forwarder one text End User Messaging SMS received from `phone`."""
    inbound = {
        "originationNumber": phone,
        "destinationNumber": TWO_WAY_NUMBER,
        "messageKeyword": (text.split() or ["KEYWORD"])[0].upper()[:30],
        "messageBody": text,
        "inboundMessageId": message_id,
        "previousPublishedMessageId": "",
    }
    stamp = at.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    sns = {"Type": "Notification", "MessageId": message_id, "TopicArn": topic_arn, "Message": json.dumps(inbound), "Timestamp": stamp}
    return {"Records": [{"EventSource": "aws:sns", "EventVersion": "1.0", "Sns": sns}]}


def borrower_replies(stack: Any, account_id: str, text: str, at: datetime, message_id: str) -> dict[str, Any]:
    """The borrower of `account_id` texts `text` back: two-way SMS publishes it, and the forwarder puts it on the bus."""
    from escalation.aws import dynamo

    account = dynamo.load(account_id)
    if account is None:
        raise ValueError(f"account_id: unknown account {account_id!r}")
    event = inbound_notification(account.phone, text, message_id, at, stack.refs["InboundSmsTopic"])
    return stack.call_handler("ForwardRepliesFunction", event)
