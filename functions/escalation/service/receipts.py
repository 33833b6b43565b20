"""Delivery receipts from the carrier, through SNS's SMS delivery-status logs (escalation.domain.receipts).

Each receipt is appended to the audit log beside the text it is about (found by SNS's message id); a contact
entry is never modified. Then the number's record: a delivery resets its failure streak, a permanent failure
adds to it and, at the profile's `sms_failures_to_close`, closes the number for SMS (every account that carries
it: the ladder turns to calls); a failure because the number opted out at the carrier closes it at once.

The number first, then the receipt: a failure joins the streak by its message id, so a log batch delivered
again (Lambda retries a failed invocation) counts nothing twice and skips nothing.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from typing import Any

from ..aws import dynamo, numbers
from ..aws.work_queues import reject
from ..domain.numbers import ClosedBecause
from ..domain.receipts import Receipt, ReceiptError, parse_receipt
from ..domain.windows import local_day, zones_for
from ..observability import count_by
from .context import profile_of


def record_receipts(messages: list[str], rejected_queue_url: str, logger: Any) -> dict[str, int]:
    """Record each delivery-status log record; returns the receipts by what became of them.

    A record that is not a delivery status changes nothing and goes to the rejected-events queue with its reason.
    One about no text we recorded changes nothing either, and is logged with its reason and counted
    (DeliveryReceipts, delivery=unmatched), not queued: SNS logs every text of the AWS account and region, other
    applications' too, and a text recorded as unconfirmed after a crash has no message id to match."""
    outcomes: Counter[str] = Counter()
    by_profile: Counter[tuple[str, str]] = Counter()
    for message in messages:
        try:
            receipt = parse_receipt(message)
        except ReceiptError as exc:
            logger.warning("delivery receipt rejected", extra={"reason": str(exc)})
            reject(rejected_queue_url, f"delivery receipt: {exc}", message)
            outcomes["malformed"] += 1
            continue
        outcome, profile = _record(receipt, logger)
        outcomes[outcome] += 1
        by_profile[(outcome, profile or "-")] += 1
    count_by("DeliveryReceipts", by_profile, ("delivery", "profile"))
    return dict(outcomes)


def _record(receipt: Receipt, logger: Any) -> tuple[str, str | None]:
    found = dynamo.contact_of_message(receipt.message_id)
    account = dynamo.load(found[0]) if found else None
    if found is None or account is None:
        reason = f"notification.messageId: no text we recorded has id {receipt.message_id}"
        logger.warning("delivery receipt rejected", extra={"reason": reason})
        return "unmatched", None
    profile = profile_of(account)
    # The number as we recorded it, not as SNS's log renders it: the suppression record is keyed by ours.
    receipt = replace(receipt, phone=found[2] or receipt.phone)
    # The number first, then the receipt: each number step may run twice (a retried batch finds the receipt
    # written and stops there, having done the number step again), never not at all.
    _count_on_the_number(receipt, account, profile)
    if not dynamo.record_receipt(account.account_id, found[1], receipt, profile.purge_at(receipt.at), profile.code):
        return "duplicate", profile.code
    return receipt.delivery.value, profile.code


def _count_on_the_number(receipt: Receipt, account: Any, profile: Any) -> None:
    """A delivery ends the number's failure streak; a permanent failure joins it (by message id: counted once however
    often it is retried) and, at the profile's sms_failures_to_close, closes the number for SMS; a carrier opt-out
    closes it at once. Transient failures neither count nor reset."""
    day = local_day(receipt.at, zones_for(account.phone, account.timezone))
    if receipt.delivered:
        numbers.reset_failures(receipt.phone)
    elif receipt.opted_out:
        numbers.close_channel(receipt.phone, "sms", ClosedBecause.OPTED_OUT, day, "carrier")
    elif receipt.permanent:
        streak = numbers.count_failure(receipt.phone, receipt.message_id)
        if profile.sms_failures_to_close and streak >= profile.sms_failures_to_close:
            why = f"carrier: {streak} failed deliveries in a row ({receipt.reason})"[:200]
            numbers.close_channel(receipt.phone, "sms", ClosedBecause.FAILING_NUMBER, day, why)
