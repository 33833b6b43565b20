"""The SMS releaser's slot arithmetic (escalation.domain.send_slots): R texts a second, a minute at most, never early."""

from collections import Counter
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from escalation.domain.send_slots import SECONDS, Minute, delay_seconds, first_open_slot, minute_budget, rate, second_of


@pytest.mark.parametrize("per_second", [1, 2, 7, 20, 100, 250])
def test_a_whole_minute_gives_exactly_r_texts_to_each_delay_second(per_second):
    minute = Minute(per_second)
    delays = minute.take(10 * minute_budget(per_second), elapsed=0.0)  # asked for more than a minute's worth
    assert len(delays) == minute_budget(per_second) == 60 * per_second
    assert Counter(delays) == {second: per_second for second in range(SECONDS)}
    assert minute.room(0.0) == 0 and minute.take(10, 0.0) == []  # the minute is spent


def test_slots_are_consecutive_and_the_delay_is_the_slots_second():
    assert [second_of(i, 20) for i in (0, 19, 20, 39, 40, 1199)] == [0, 0, 1, 1, 2, 59]
    assert [delay_seconds(i, 20, 0.0) for i in (0, 19, 20, 1199)] == [0, 0, 1, 59]


def test_a_release_that_starts_late_in_the_minute_forfeits_the_seconds_that_passed():
    minute = Minute(7)
    assert minute.room(57.5) == 21  # seconds 57, 58 and 59 are left
    delays = minute.take(30, elapsed=57.5)
    assert Counter(delays) == {0: 7, 1: 7, 2: 7}  # visible in seconds 57.5, 58.5 and 59.5
    assert minute.room(57.5) == 0


def test_a_slow_release_skips_past_seconds_rather_than_bunching_them():
    minute = Minute(10)
    assert minute.take(10, elapsed=0.2) == [0] * 10  # second 0
    # Five seconds later (a slow SQS call), seconds 1-4 are gone: the next texts are in second 5, at once.
    assert minute.take(10, elapsed=5.3) == [0] * 10
    assert minute.take(10, elapsed=5.4) == [1] * 10  # second 6, posted at 5.4: visible at 6.4
    assert minute.next_slot == 70


def test_fractional_rates_are_exact_and_average_out_over_the_minute():
    assert rate(12.5) == Fraction(25, 2) and rate("0.1") == Fraction(1, 10)
    minute = Minute(12.5)
    delays = minute.take(10_000, elapsed=0.0)
    assert len(delays) == minute_budget(12.5) == 750
    assert set(Counter(delays).values()) == {12, 13}  # 12 or 13 a second, 750 a minute
    assert minute_budget(0.1) == 6 and Minute(0.1).take(100, 0.0) == [0, 10, 20, 30, 40, 50]


@pytest.mark.parametrize("bad", [0, -1, 0.0, "-0.5"])
def test_the_rate_must_be_positive(bad):
    with pytest.raises(ValueError, match="positive"):
        Minute(bad)


def test_first_open_slot_is_bounded_by_the_minute():
    assert first_open_slot(-3.0, 5) == 0
    assert first_open_slot(59.99, 5) == 295
    assert first_open_slot(75.0, 5) == 300 == minute_budget(5)  # past the minute: nothing left


@given(
    per_second=st.one_of(st.integers(1, 300), st.sampled_from([0.5, 1.5, 12.5, 33.3])),
    posts=st.lists(st.tuples(st.integers(1, 10), st.floats(0, 0.9)), max_size=400),
)
def test_any_sequence_of_posts_keeps_every_text_in_its_second_and_the_rate(per_second, posts):
    """Posts at non-decreasing instants of the minute: each text becomes visible within its slot's second, never
    before it; no second gets more than ceil(R) texts; no more than a minute's budget; delays 0..59."""
    minute, elapsed = Minute(per_second), 0.0
    visible: list[float] = []
    for size, step in posts:
        elapsed += step
        if elapsed >= SECONDS:
            break
        first = minute.next_slot
        delays = minute.take(size, elapsed)
        assert len(delays) <= size
        for k, delay in enumerate(delays):
            slot_second = second_of(max(first, first_open_slot(elapsed, per_second)) + k, per_second)
            assert 0 <= delay <= SECONDS - 1
            assert slot_second <= elapsed + delay < slot_second + 1
            visible.append(elapsed + delay)
    assert len(visible) <= minute_budget(per_second)
    per_visible_second = Counter(int(v) for v in visible)
    assert all(n <= -(-rate(per_second).numerator // rate(per_second).denominator) for n in per_visible_second.values())
