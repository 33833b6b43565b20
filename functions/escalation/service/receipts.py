"""Delivery receipts from the carrier, through SNS's SMS delivery-status logs (escalation.domain.receipts).

Each receipt is appended to the audit log beside the text it is about (found by SNS's message id); a contact
entry is never modified. Then the number's record: a delivery resets its failure streak, a permanent failure
adds to it and, at the profile's `sms_failures_to_close`, closes the number for SMS (every account that carries
it: the ladder turns to calls); a failure because the number opted out at the carrier closes it at once.

Written receipt first, then the number: a log batch delivered again finds its receipts written and counts
nothing twice (should the function stop between the two, that failure goes uncounted: the streak errs short).
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from ..aws import dynamo, numbers
from ..aws.work_queues import reject
from ..domain.numbers import ClosedBecause
from ..domain.receipts import Receipt, ReceiptError, parse_receipt
from ..domain.windows import zone, zones_for
from ..observability import count_by
from .context import profile_of


def record_receipts(messages: list[str], rejected_queue_url: str, logger: Any) -> dict[str, int]:
    """Record each delivery-status log record; returns the receipts by what became of them.

    One that is not a delivery status, or is about no text we recorded, changes nothing and goes to the
    rejected-events queue with its reason (where refused borrower events go)."""
    outcomes: Counter[str] = Counter()
    by_profile: Counter[tuple[str, str]] = Counter()
    for message in messages:
        try:
            receipt = parse_receipt(message)
        except ReceiptError as exc:
            logger.warning("not an SMS delivery receipt", extra={"reason": str(exc)})
            reject(rejected_queue_url, f"delivery receipt: {exc}", message)
            outcomes["malformed"] += 1
            continue
        outcome, profile = _record(receipt, logger)
        if outcome == "unmatched":
            why = f"delivery receipt: notification.messageId: no text we recorded has id {receipt.message_id}"
            reject(rejected_queue_url, why, message)
        outcomes[outcome] += 1
        if profile:
            by_profile[(outcome, profile)] += 1
    count_by("DeliveryReceipts", by_profile, ("delivery", "profile"))
    return dict(outcomes)


def _record(receipt: Receipt, logger: Any) -> tuple[str, str | None]:
    found = dynamo.contact_of_message(receipt.message_id)
    account = dynamo.load(found[0]) if found else None
    if found is None or account is None:
        logger.warning("a delivery receipt for no text we recorded", extra={"message_id": receipt.message_id})
        return "unmatched", None
    profile = profile_of(account)
    if not dynamo.record_receipt(account.account_id, found[1], receipt, profile.purge_at(receipt.at)):
        return "duplicate", profile.code
    if receipt.delivered:
        numbers.reset_failures(receipt.phone)
    elif receipt.opted_out:
        numbers.close_channel(receipt.phone, "sms", ClosedBecause.OPTED_OUT, _local_day(account, receipt.at), "carrier")
    elif receipt.permanent:
        streak = numbers.count_failure(receipt.phone)
        if profile.sms_failures_to_close and streak >= profile.sms_failures_to_close:
            why = f"carrier: {streak} failed deliveries in a row ({receipt.reason})"[:200]
            numbers.close_channel(receipt.phone, "sms", ClosedBecause.FAILING_NUMBER, _local_day(account, receipt.at), why)
    return receipt.delivery.value, profile.code


def _local_day(account: Any, at: datetime) -> Any:
    return at.astimezone(zone(zones_for(account.phone, account.timezone)[0])).date()
