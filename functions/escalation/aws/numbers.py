"""The numbers table: one suppression record per phone number (escalation.domain.numbers). The only
module that talks to it.

Read with the accounts it concerns (a batch per batch of accounts, one read per dispatch), written
when an event or the SMS provider closes a channel. A closure is written once: the first reason stays.
The table name comes from the environment (NUMBERS_TABLE), bound when this module is imported.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import replace
from datetime import date
from types import MappingProxyType

from pynamodb.attributes import MapAttribute, UnicodeAttribute, UnicodeSetAttribute
from pynamodb.exceptions import UpdateError
from pynamodb.models import Model

from ..domain.model import Account
from ..domain.numbers import PHONE_CHANNELS, ClosedBecause, Closure, NumberStatus
from . import batch_reads
from .account_codec import number_from_item
from .dynamo import REGION


class ClosureAttribute(MapAttribute):
    why = UnicodeAttribute()
    on = UnicodeAttribute()  # ISO local day
    source = UnicodeAttribute(default="")


class NumberItem(Model):
    class Meta:
        table_name = os.environ.get("NUMBERS_TABLE", "numbers")
        region = REGION

    phone = UnicodeAttribute(hash_key=True)
    sms = ClosureAttribute(null=True)  # set: the number is closed for SMS
    call = ClosureAttribute(null=True)  # set: the number is closed for calls
    sms_failures = UnicodeSetAttribute(null=True)  # message ids of the permanent delivery failures in a row (receipts)


def status(phone: str) -> NumberStatus:
    """The number's record (every channel open when it has none)."""
    try:
        return to_status(NumberItem.get(phone, consistent_read=True))
    except NumberItem.DoesNotExist:
        return NumberStatus(phone)


def statuses(phones: Iterable[str]) -> dict[str, NumberStatus]:
    """The records of many numbers at once (BatchGetItem, 100 keys a call), decoded from the answer's JSON."""
    wanted = sorted(set(phones))
    items = batch_reads.get_items(NumberItem._get_connection().connection.client, NumberItem.Meta.table_name, "phone", wanted)
    found = {record.phone: record for record in map(number_from_item, items)}
    return {phone: found.get(phone, NumberStatus(phone)) for phone in wanted}


def attach(accounts: list[Account]) -> list[Account]:
    """The accounts with their numbers' records, as the ladder reads them."""
    records = statuses(a.phone for a in accounts)
    return [a.with_changes(number=records[a.phone]) for a in accounts]


def attach_one(account: Account) -> Account:
    return account.with_changes(number=status(account.phone))


def close(before: NumberStatus, after: NumberStatus) -> None:
    """Write the channels `after` closes that `before` did not; a channel already closed keeps its first reason."""
    added = [c for c in PHONE_CHANNELS if c in after.closed and c not in before.closed]
    if not added:
        return
    actions = []
    for channel in added:
        closure = after.closed[channel]
        attribute = getattr(NumberItem, channel)
        value = {"why": closure.why.value, "on": closure.on.isoformat(), "source": closure.source}
        actions.append(attribute.set(attribute | value))  # SET x = if_not_exists(x, value)
    NumberItem(after.phone).update(actions=actions)


def close_channel(phone: str, channel: str, why: ClosedBecause, on: date, source: str) -> None:
    before = NumberStatus(phone)
    close(before, before.closing((channel,), why, on, source))


def count_failure(phone: str, message_id: str) -> int:
    """A permanent delivery failure joins the number's streak, by message id (a set: the same receipt twice counts
    once); returns the streak's length after it (one atomic UpdateItem; receipts of one number may arrive together)."""
    item = NumberItem(phone)
    item.update(actions=[NumberItem.sms_failures.add({message_id})])  # a small item: the new value comes back with it
    return len(item.sms_failures or ())


def reset_failures(phone: str) -> None:
    """A text delivered: the streak starts afresh (written only where there is one: no record made for it)."""
    try:
        NumberItem(phone).update(actions=[NumberItem.sms_failures.remove()], condition=NumberItem.sms_failures.exists())
    except UpdateError as exc:
        if getattr(exc, "cause_response_code", None) != "ConditionalCheckFailedException":
            raise


def to_status(item: NumberItem) -> NumberStatus:
    closed = {}
    for channel in PHONE_CHANNELS:
        raw = getattr(item, channel)
        if raw is not None:
            closed[channel] = Closure(ClosedBecause(raw.why), date.fromisoformat(raw.on), raw.source or "")
    return replace(NumberStatus(item.phone), closed=MappingProxyType(closed))
