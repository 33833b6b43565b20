"""Send slots: how the SMS releaser spreads a minute's texts over its seconds (arithmetic only, no AWS, no clock).

Every minute the releaser (escalation.service.release) moves texts from the holding queue (SmsOutbox) to the
send queue (SmsSendQueue) and gives them consecutive slots, `per_second` of them in each second of that
wall-clock minute: slot i belongs to second floor(i / per_second), 0 to 59. Each text is posted with the
DelaySeconds that makes it visible inside its slot's second, never earlier, so the send queue hands the senders
`per_second` texts a second and they send at once: nobody waits, and the rate holds.

Slots whose second has passed are forfeited, not saved up (a token bucket with no burst): a releaser that
falls behind (a slow minute, a late start) releases fewer texts that minute, never more than `per_second` in
any second. A minute never has more than 60 seconds of slots, so no delay exceeds 59 s (SQS allows 900).

`per_second` may be fractional (a rate in parts per second divided by the mean parts per text, say 12.5): it is
kept as an exact fraction, and each second then has floor(per_second) or ceil(per_second) slots, exactly
per_second × 60 (rounded up) a minute.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

SECONDS = 60  # one release covers one minute (the schedule's rate): DelaySeconds 0..59


def rate(per_second: float | int | Fraction | str) -> Fraction:
    """The rate as an exact fraction (12.5 -> 25/2, "0.1" -> 1/10); ValueError unless it is positive."""
    exact = Fraction(str(per_second)) if isinstance(per_second, float) else Fraction(per_second)
    if exact <= 0:
        raise ValueError(f"expected a positive rate, got {per_second}")
    return exact


def minute_budget(per_second: float | int | Fraction) -> int:
    """Slots in a whole minute: the most texts one release moves."""
    return math.ceil(SECONDS * rate(per_second))


def second_of(slot: int, per_second: float | int | Fraction) -> int:
    """The second of the minute (0..59 for a slot within the budget) slot number `slot` is released in."""
    return math.floor(slot / rate(per_second))


def first_open_slot(elapsed: float, per_second: float | int | Fraction) -> int:
    """The first slot whose second has not yet passed, `elapsed` seconds into the minute (the slots before are forfeited)."""
    second = min(max(math.floor(elapsed), 0), SECONDS)
    return math.ceil(second * rate(per_second))


def delay_seconds(slot: int, per_second: float | int | Fraction, elapsed: float) -> int:
    """DelaySeconds for a text posted `elapsed` seconds into the minute: visible within its slot's second, not before."""
    return max(0, math.ceil(second_of(slot, per_second) - elapsed))


@dataclass
class Minute:
    """One release's slots: which are free, and the delays of the texts given the next ones."""

    per_second: Fraction
    next_slot: int = 0

    def __post_init__(self) -> None:
        self.per_second = rate(self.per_second)

    @property
    def budget(self) -> int:
        return minute_budget(self.per_second)

    def room(self, elapsed: float) -> int:
        """How many more texts this minute can take, `elapsed` seconds into it (0: the minute is spent)."""
        return max(self.budget - max(self.next_slot, first_open_slot(elapsed, self.per_second)), 0)

    def take(self, count: int, elapsed: float) -> list[int]:
        """The delays of `count` texts posted now (`elapsed` seconds into the minute), each in the next open slot.

        Never more than `room(elapsed)` delays: the caller receives no more texts than that.
        """
        self.next_slot = max(self.next_slot, first_open_slot(elapsed, self.per_second))
        count = min(count, self.room(elapsed))
        delays = [delay_seconds(self.next_slot + k, self.per_second, elapsed) for k in range(count)]
        self.next_slot += count
        return delays
