"""The accounts table's items, decoded straight from DynamoDB's JSON into the domain's Account in one pass.

The daily run reads a batch of a hundred accounts at a time; going through PynamoDB's item objects
(`AccountItem.from_raw_data`, then `dynamo.to_account`) costs more than deciding for them. This reads
the same attributes with the same meaning — PynamoDB's: an attribute absent or NULL takes the model's
default, a number is read as JSON, a map without declared attributes keeps each value as its type
says — and tests/unit/test_account_codec.py holds the two paths equal. Writes stay with PynamoDB
(escalation.aws.dynamo.AccountItem, which stays the table's model).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal
from types import MappingProxyType
from typing import Any

from ..domain.model import Account, ContactKey, LegalState, Stage, Status, furthest
from ..domain.numbers import PHONE_CHANNELS, ClosedBecause, Closure, NumberStatus

Item = Mapping[str, Mapping[str, Any]]  # an item as DynamoDB's JSON has it: name -> {"S": "..."}
NumberRecords = Callable[[Iterable[str]], Mapping[str, NumberStatus]]  # phones -> their suppression records

# Enum members by value: a dictionary lookup instead of the enum's call, for each of a hundred accounts a batch.
_STATUS = {s.value: s for s in Status}
_STAGE = {s.value: s for s in Stage}
_LEGAL = {s.value: s for s in LegalState}
_NO_NUMBER = NumberStatus()
_ZERO = Decimal("0")


def account_from_item(item: Item, number: NumberStatus | None = None) -> Account:
    """The domain's account from its item (the inverse of `dynamo.to_item`), with its number's record if given.

    Equal to `dynamo.to_account(AccountItem.from_raw_data(item))`, number aside.
    """
    get = item.get
    return _account(
        {
            "account_id": item["account_id"]["S"],
            "phone": item["phone"]["S"],
            "balance": Decimal(item["balance"]["S"]),
            "fees": Decimal(_text(get("fees"), "0")),
            "currency": item["currency"]["S"],
            "due_date": date.fromisoformat(item["due_date"]["S"]),
            "profile": item["profile"]["S"],
            "timezone": _text(get("timezone")),
            "locale": _text(get("locale")),
            "product": _text(get("product"), "default"),
            "segment": _text(get("segment")),
            "policy": _text(get("policy")),
            "arm": _text(get("arm")),
            "experiment": _text(get("experiment")),
            "sms_consent": _bool(get("sms_consent"), True),
            "emergency_contacts": tuple(_texts(get("emergency_contacts"))),
            "address": _map(get("address")) or None,
            "status": _STATUS[_text(get("status"), "active")],
            "stage": furthest(_STAGE[_text(get("stage"), "pre_due")], *(_STAGE[s] for s in _set(get("stages")))),
            "opted_out": frozenset(_texts(get("opted_out"))),
            "number": number or _NO_NUMBER,
            "holds": {k: _day(v) for k, v in _map(get("holds")).items()},
            "promised_date": _day(_text(get("promised_date"))),
            "promised_amount": Decimal(amount) if (amount := _text(get("promised_amount"))) else None,
            "promise_made_on": _day(_text(get("promise_made_on"))),
            "promise_paid": Decimal(paid) if (paid := _text(get("promise_paid"))) else _ZERO,
            "confirmation_due": _bool(get("confirmation_due"), False),
            "help_requested": _bool(get("help_requested"), False),
            "broken_promises": _int(get("broken_promises")),
            "kept_promises": _int(get("kept_promises")),
            "plan": {date.fromisoformat(k): Decimal(v) for k, v in sorted(_map(get("plan")).items())},
            "kept_plans": _int(get("kept_plans")),
            "broken_plans": _int(get("broken_plans")),
            "last_fired": {k: date.fromisoformat(v) for k, v in _map(get("last_fired")).items()},
            "recent": tuple(ContactKey.parse(key) for key in _map(get("recent"))),
            "dials": {date.fromisoformat(k): int(v) for k, v in _map(get("dials")).items()},
            "conversations": {date.fromisoformat(k): int(v) for k, v in _map(get("conversations")).items()},
            "open_calls": {k: _instant(v) for k, v in _map(get("open_calls")).items()},
            "failed_call_attempts": _int(get("failed_call_attempts")),
            "last_reached": _day(_text(get("last_reached"))),
            "refusals": _int(get("refusals")),
            "visits_attempted": _int(get("visits_attempted")),
            "legal_state": _LEGAL[state] if (state := _text(get("legal_state"))) else None,
            "legal_decided_on": _day(_text(get("legal_decided_on"))),
            "legal_approvals": _map(get("legal_approvals")),
            "legal_note": _text(get("legal_note")),
            "event_seq": _int(get("event_seq")),
            "claims": _map(get("claims")),
            "events_seen": _map(get("events_seen")),
            "balance_as_of": _instant(when) if (when := _text(get("balance_as_of"))) else None,
        }
    )


def _account(fields: dict[str, Any]) -> Account:
    """The Account of these fields, made as copy and pickle make one: the fields set at once. The generated __init__
    costs a third of the decoding (fifty keyword arguments, each set through object.__setattr__: the class is frozen).
    Account has no __post_init__ to skip, and every field is given (tests/unit/test_account_codec.py checks both)."""
    account = object.__new__(Account)
    account.__dict__.update(fields)
    return account


def number_from_item(item: Item) -> NumberStatus:
    """A number's suppression record from its item (escalation.aws.numbers.NumberItem); equal to `numbers.to_status`."""
    closed = {}
    for channel in PHONE_CHANNELS:
        closure = item.get(channel)
        if (fields := closure.get("M") if closure is not None else None) is not None:
            why, on = ClosedBecause(fields["why"]["S"]), date.fromisoformat(fields["on"]["S"])
            closed[channel] = Closure(why, on, _text(fields.get("source"), ""))
    return NumberStatus(item["phone"]["S"], MappingProxyType(closed))


# Each attribute as PynamoDB reads it. `value` is the item's entry ({"S": ...}); absent (None) or NULL, it reads as
# the model's default.
def _text(value: Mapping[str, Any] | None, default: str | None = None) -> str | None:
    if value is None:
        return default
    text = value.get("S")
    return default if text is None else text


def _int(value: Mapping[str, Any] | None) -> int:
    """A number attribute as `int(...)` of PynamoDB's reading (JSON); 0 (the model's default) when absent."""
    raw = value.get("N") if value is not None else None
    if raw is None:
        return 0
    try:
        return int(raw)
    except ValueError:  # "2.0", "1E+1": what JSON makes of it
        return int(json.loads(raw))


def _bool(value: Mapping[str, Any] | None, default: bool) -> bool:
    flag = value.get("BOOL") if value is not None else None
    return default if flag is None else bool(flag)


def _texts(value: Mapping[str, Any] | None) -> list[str | None]:
    """A list of strings (ListAttribute(of=UnicodeAttribute)); a NULL element reads as None, as PynamoDB's does."""
    elements = value.get("L") if value is not None else None
    return [element.get("S") for element in elements] if elements else []


def _set(value: Mapping[str, Any] | None) -> list[str]:
    return (value.get("SS") or []) if value is not None else []


def _map(value: Mapping[str, Any] | None) -> dict[str, Any]:
    """A map without declared attributes, as PynamoDB's `as_dict()` gives it ({} when absent)."""
    fields = value.get("M") if value is not None else None
    if not fields:
        return {}
    return {key: inner["S"] if "S" in inner else plain(inner) for key, inner in fields.items()}


def plain(value: Mapping[str, Any]) -> Any:
    """One value of a map without declared attributes, as PynamoDB reads it (its DESERIALIZE_CLASS_MAP)."""
    ((kind, raw),) = value.items()
    if kind == "S":
        return raw
    if kind == "N":
        return json.loads(raw)
    if kind == "BOOL":
        return bool(raw)
    if kind == "NULL":
        return None
    if kind == "M":
        return {key: plain(inner) for key, inner in raw.items()}
    if kind == "L":
        return [plain(inner) for inner in raw]
    if kind == "SS":
        return set(raw)
    if kind == "NS":
        return {json.loads(n) for n in raw}
    raise ValueError(f"unexpected DynamoDB type {kind} in a map")  # binary: nothing in this table writes it


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _instant(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))
