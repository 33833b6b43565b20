"""Delivery receipts: what the carrier said about a text (DOMAIN.md, "Channels").

A receipt is one record of SNS's SMS delivery-status log (CloudWatch Logs; success and failure groups), e.g.

    {"notification": {"messageId": "34d9b400-...", "timestamp": "2016-06-28 00:40:34.558"},
     "delivery": {"destination": "+1XXX5550100", "providerResponse": "Message has been accepted by phone carrier",
                  "phoneCarrier": "...", "priceInUSD": 0.00645, "numberOfMessageParts": 1, ...},
     "status": "SUCCESS"}

A contact's delivery is `pending` until its receipt arrives, then `delivered` or `failed` (with the carrier's
reason), and `unknown` once 72 hours have passed without one (SNS writes nothing then; we derive it).

A failure is **permanent** when the reason says the number itself cannot take texts (invalid, blocked, on a
blocked list); after `Profile.sms_failures_to_close` permanent failures in a row the number is closed for SMS
(numbers.ClosedBecause.FAILING_NUMBER), and a delivery in between starts the count afresh. A failure because the
number opted out at the carrier closes it at once, as an opt-out. Other failures (unreachable, carrier down,
price cap, unknown errors) are transient: recorded, never counted. SNS publishes no list of its reasons; these
are the ones its documentation names, matched without case, and an unlisted reason counts as transient.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

UNKNOWN_AFTER = timedelta(hours=72)
PERMANENT_REASONS = (
    "invalid phone number",
    "phone number is not valid",
    "phone has blocked sms",
    "phone is on a blocked list",
    "destination is on a blocked list",
    "unknown subscriber",
)
OPTED_OUT_REASONS = ("phone number is opted out", "destination phone number opted out")


class Delivery(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"
    UNKNOWN = "unknown"


class ReceiptError(ValueError):
    """A log record that is not an SMS delivery status: "<field>: <reason>"."""


@dataclass(frozen=True)
class Receipt:
    message_id: str  # SNS's message id: the contact's provider_id
    delivered: bool
    reason: str  # the carrier's words (providerResponse)
    phone: str
    at: datetime  # when SNS logged the outcome (UTC)
    parts: int | None = None
    price_usd: str | None = None

    @property
    def delivery(self) -> Delivery:
        return Delivery.DELIVERED if self.delivered else Delivery.FAILED

    @property
    def opted_out(self) -> bool:
        return not self.delivered and self.reason.lower().startswith(OPTED_OUT_REASONS)

    @property
    def permanent(self) -> bool:
        """A failure that says the number cannot take texts: it counts toward closing the number."""
        return not self.delivered and (self.opted_out or any(r in self.reason.lower() for r in PERMANENT_REASONS))


def parse_receipt(message: str | dict[str, Any]) -> Receipt:
    """One delivery-status log record (a log event's `message`, JSON) as a Receipt; ReceiptError names what is wrong."""
    try:
        record = json.loads(message) if isinstance(message, str) else message
    except ValueError as exc:
        raise ReceiptError(f"message: not JSON ({exc})") from None
    if not isinstance(record, dict):
        raise ReceiptError("message: expected a JSON object")
    notification, delivery = record.get("notification"), record.get("delivery")
    if not isinstance(notification, dict) or not isinstance(delivery, dict):
        raise ReceiptError("message: expected notification and delivery objects (an SNS SMS delivery-status record)")
    status = record.get("status")
    if status not in ("SUCCESS", "FAILURE"):
        raise ReceiptError(f"status: expected SUCCESS or FAILURE, got {status!r}")
    message_id, phone = notification.get("messageId"), delivery.get("destination")
    if not isinstance(message_id, str) or not message_id:
        raise ReceiptError("notification.messageId: missing")
    if not isinstance(phone, str) or not phone:
        raise ReceiptError("delivery.destination: missing")
    try:
        at = datetime.fromisoformat(str(notification.get("timestamp"))).replace(tzinfo=UTC)  # SNS logs UTC, without a zone
    except ValueError:
        raise ReceiptError(f"notification.timestamp: not a timestamp: {notification.get('timestamp')!r}") from None
    parts = delivery.get("numberOfMessageParts")
    price = delivery.get("priceInUSD")
    return Receipt(
        message_id=message_id,
        delivered=status == "SUCCESS",
        reason=str(delivery.get("providerResponse") or ""),
        phone=phone,
        at=at,
        parts=int(parts) if isinstance(parts, int) else None,
        price_usd=str(price) if price is not None else None,
    )


def delivery_of(receipt_status: str | None, sent_at: datetime, now: datetime) -> Delivery:
    """A text's delivery as of `now`: its receipt's, else pending for 72 hours, then unknown."""
    if receipt_status is not None:
        return Delivery(receipt_status)
    return Delivery.UNKNOWN if now - sent_at >= UNKNOWN_AFTER else Delivery.PENDING


def log_record(receipt: Receipt, carrier: str = "Local Carrier") -> dict[str, Any]:
    """The delivery-status record SNS would log for this receipt (the local carrier writes these)."""
    delivery: dict[str, Any] = {"destination": receipt.phone, "providerResponse": receipt.reason, "smsType": "Transactional"}
    delivery |= {"phoneCarrier": carrier, "mcc": 460, "mnc": 0, "dwellTimeMs": 600, "dwellTimeMsUntilDeviceAck": 1400}
    if receipt.parts is not None:
        delivery["numberOfMessageParts"] = receipt.parts
    if receipt.price_usd is not None:
        delivery["priceInUSD"] = float(receipt.price_usd)
    timestamp = receipt.at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]
    return {
        "notification": {"messageId": receipt.message_id, "timestamp": timestamp},
        "delivery": delivery,
        "status": "SUCCESS" if receipt.delivered else "FAILURE",
    }
