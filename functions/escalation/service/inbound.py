"""Borrowers' replies, as two-way SMS delivers them, turned into `sms_reply` borrower events on the bus.

AWS End User Messaging SMS publishes each text a borrower sends to our two-way number to an SNS topic
(InboundSmsTopic), as JSON: {originationNumber, destinationNumber, messageKeyword, messageBody,
inboundMessageId, previousPublishedMessageId}. A reply names a phone number, not an account: it becomes one
`sms_reply` event (source `sms.inbound`) for each account that carries the number (the accounts table's
`by_phone` index), with the inbound message id as its idempotency key, and goes the way of every borrower event:
the bus, the rule, the queue, the ingest function (escalation.domain.replies says what it means).
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import date, datetime
from typing import Any

from ..aws import dynamo, events_bus, numbers
from ..aws.work_queues import reject
from ..contract import CONTROL_CHARACTERS, ContractError, parse_event
from ..domain import replies
from ..domain.numbers import ClosedBecause
from ..domain.phones import profile_of_number
from ..domain.profiles import PROFILES
from ..domain.replies import MAX_REPLY

SOURCE = "sms.inbound"
_CONTROL = re.compile(f"[{CONTROL_CHARACTERS}]")


class InboundError(ValueError):
    """Not a two-way SMS message: "<field>: <reason>"."""


def reply_events(message: str, received_at: datetime) -> list[dict[str, Any]]:
    """The `sms_reply` event details for one inbound text: one per account that carries the number."""
    try:
        inbound = json.loads(message)
    except ValueError as exc:
        raise InboundError(f"message: not JSON ({exc})") from None
    if not isinstance(inbound, dict):
        raise InboundError("message: expected a JSON object")
    phone, text, message_id = inbound.get("originationNumber"), inbound.get("messageBody"), inbound.get("inboundMessageId")
    for name, value in (("originationNumber", phone), ("messageBody", text), ("inboundMessageId", message_id)):
        if not isinstance(value, str) or not value:
            raise InboundError(f"{name}: missing")
    text = readable(text)
    if not text.strip():
        raise InboundError("messageBody: nothing readable")
    reply_id = hashlib.sha256(message_id.encode()).hexdigest()[:32]  # any id End User Messaging gives, as event-id text
    details = []
    for account_id in dynamo.accounts_with_phone(phone):
        detail = {
            "type": "sms_reply",
            "event_id": f"sms-{reply_id}-{account_id}"[:128],
            "account_id": account_id,
            "occurred_at": received_at.isoformat(),
            "text": text,
        }
        try:
            parse_event(detail)  # the contract ingest will apply: refuse here what it would refuse there
        except ContractError as exc:
            raise InboundError(str(exc)) from None
        details.append(detail)
    return details


def readable(text: str) -> str:
    """The reply as an agent can read it: control characters (but line breaks and tabs) dropped, and at most
    MAX_REPLY characters (a longer one is cut, and says so), so that no reply is refused for its form."""
    kept = _CONTROL.sub("", text)
    return kept if len(kept) <= MAX_REPLY else kept[: MAX_REPLY - 1] + "…"


def stop_from_a_stranger(phone: str, text: str, today: date) -> bool:
    """A STOP from a number no account carries closes it for SMS all the same (by its country's profile's words):
    an account enrolled on it later must not be texted."""
    code = profile_of_number(phone)
    if code is None or replies.kind_of(text, PROFILES[code]) is not replies.ReplyKind.STOP:
        return False
    numbers.close_channel(phone, "sms", ClosedBecause.OPTED_OUT, today, "sms_reply")
    return True


def forward(messages: list[tuple[str, datetime]], bus: str, rejected_queue_url: str, logger: Any) -> dict[str, int]:
    """Put each inbound text's events on the borrower bus; counts by what became of the texts.

    One that is not a two-way SMS message, or comes from a number no account carries, changes nothing and goes
    to the rejected-events queue with its reason (where refused borrower events go)."""
    counts = {"forwarded": 0, "unknown_number": 0, "malformed": 0}
    for message, received_at in messages:
        try:
            details = reply_events(message, received_at)
        except InboundError as exc:
            logger.warning("not a two-way SMS message", extra={"reason": str(exc)})
            reject(rejected_queue_url, f"sms reply: {exc}", message)
            counts["malformed"] += 1
            continue
        if not details:
            inbound = json.loads(message)
            closed = stop_from_a_stranger(inbound["originationNumber"], inbound["messageBody"], received_at.date())
            why = "no account carries this number" + ("; STOP: the number is closed for SMS all the same" if closed else "")
            reject(rejected_queue_url, f"sms reply: originationNumber: {why}", message)
            counts["unknown_number"] += 1
            continue
        events_bus.put(bus, SOURCE, details)
        counts["forwarded"] += 1
    return counts
