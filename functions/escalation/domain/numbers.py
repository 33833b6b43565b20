"""Phone numbers are first-class: a channel closed for a number is closed for every account that carries it.

A number's suppression record says which phone channels (SMS, calls) are closed for it, why and since
when. Opt-outs (the borrower's event, the SMS provider's opted-out list, a STOP reply) and wrong numbers
(the number reaches a third party) close channels; nothing in the product reopens them. A borrower gets
their channels back only through a new number (the lender's `contact_updated` event).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from types import MappingProxyType

PHONE_CHANNELS = ("sms", "call")


class ClosedBecause(StrEnum):
    OPTED_OUT = "opted_out"  # the borrower (opt_out event or STOP reply) or the SMS provider's opted-out list
    WRONG_NUMBER = "wrong_number"  # an agent reached a third party: never text or call it about the debt
    FAILING_NUMBER = "failing_number"  # the carrier keeps failing to deliver


@dataclass(frozen=True)
class Closure:
    why: ClosedBecause
    on: date  # the local day it was closed
    source: str = ""  # what closed it: an event type, "provider", an account id


@dataclass(frozen=True)
class NumberStatus:
    """The suppression record of one phone number (empty: every channel open)."""

    phone: str = ""
    closed: Mapping[str, Closure] = field(default_factory=lambda: MappingProxyType({}))

    def why_closed(self, channel: str) -> ClosedBecause | None:
        closure = self.closed.get(channel)
        return closure.why if closure else None

    @property
    def wrong_number(self) -> bool:
        """The number reaches a third party: the borrower cannot be reached by phone on it."""
        return any(c.why is ClosedBecause.WRONG_NUMBER for c in self.closed.values())

    def closing(self, channels: tuple[str, ...], why: ClosedBecause, on: date, source: str = "") -> NumberStatus:
        """The record with these channels closed too; a channel already closed keeps its first reason."""
        added = {c: Closure(why, on, source) for c in channels if c in PHONE_CHANNELS and c not in self.closed}
        return NumberStatus(self.phone, MappingProxyType({**self.closed, **added}))


def channels_of(opt_out_channel: str) -> tuple[str, ...]:
    """The number's channels an opt-out closes: "sms", "call", or both for "all"."""
    return PHONE_CHANNELS if opt_out_channel == "all" else (opt_out_channel,)
