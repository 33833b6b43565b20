"""The SMS provider's opted-out list, pulled into the numbers' suppression records.

Borrowers who reply STOP to a text are opted out by the provider (SNS) itself. Once a run, before the
plan, the daily run copies that list into the numbers table, so that every account carrying such a
number stops texting it without asking the provider before each send; a send the provider refuses as
opted out closes the number at once as well (escalation.service.dispatch).
"""

from __future__ import annotations

from datetime import date

from ..aws import numbers, sms
from ..domain.numbers import ClosedBecause


def sync(today: date) -> dict[str, int]:
    """Close SMS for every opted-out number not closed yet; returns how many were listed and newly closed."""
    listed = sms.opted_out_numbers()
    records = numbers.statuses(listed)
    new = [phone for phone, record in records.items() if "sms" not in record.closed]
    for phone in new:
        numbers.close_channel(phone, "sms", ClosedBecause.OPTED_OUT, today, "provider")
    return {"listed": len(listed), "closed": len(new)}
