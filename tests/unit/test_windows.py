"""Contact windows: zones derived from phone numbers, all-zones windows, DST-correct openings."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from escalation.domain.profiles import profile_for
from escalation.domain.windows import as_utc, in_window, local_day, next_window_open, window_opens, zones_for

US = profile_for("US")
CN = profile_for("CN")
NY = ("America/New_York",)
# +1 208 (Idaho) spans Mountain and Pacific time.
IDAHO_PHONE = "+12085550123"


def at(d: date, hour: int, minute: int, zone: str) -> datetime:
    return datetime.combine(d, time(hour, minute), tzinfo=ZoneInfo(zone)).astimezone(UTC)


def test_zone_derived_from_a_hawaii_number():
    assert zones_for("+18085550111", None) == ("Pacific/Honolulu",)


@pytest.mark.parametrize(
    ("phone", "zone"),
    [("+12125550187", "America/New_York"), ("+13105550143", "America/Los_Angeles"), ("+8613800138000", "Asia/Shanghai")],
)
def test_zone_derived_from_single_zone_numbers(phone, zone):
    assert zones_for(phone, None) == (zone,)


def test_a_given_timezone_wins_over_the_number():
    assert zones_for("+18085550111", "America/Chicago") == ("America/Chicago",)


def test_an_unknown_timezone_is_refused():
    with pytest.raises(Exception):  # ZoneInfoNotFoundError or ValueError
        zones_for("+18085550111", "Mars/Olympus_Mons")


@pytest.mark.parametrize("phone", [IDAHO_PHONE, "+79161234567", "+61412345678"])
def test_multi_zone_numbers_give_every_zone(phone):
    zones = zones_for(phone, None)
    assert len(zones) > 1
    assert all(ZoneInfo(z) for z in zones)
    assert "Etc/Unknown" not in zones


def test_idaho_number_spans_mountain_and_pacific():
    assert set(zones_for(IDAHO_PHONE, None)) == {"America/Boise", "America/Los_Angeles"}


def test_multi_zone_window_needs_every_zone_open():
    zones = zones_for(IDAHO_PHONE, None)
    june = date(2026, 6, 15)
    # 08:30 in Boise is 07:30 in Los Angeles: Boise is open, Los Angeles is not.
    assert in_window(at(june, 8, 30, "America/Boise"), ("America/Boise",), US)
    assert not in_window(at(june, 8, 30, "America/Boise"), zones, US)
    # 08:00 in Los Angeles is 09:00 in Boise: both open.
    assert in_window(at(june, 8, 0, "America/Los_Angeles"), zones, US)
    # 20:30 Boise / 19:30 LA: both open; 21:00 Boise / 20:00 LA: Boise closed.
    assert in_window(at(june, 20, 30, "America/Boise"), zones, US)
    assert not in_window(at(june, 21, 0, "America/Boise"), zones, US)


def test_multi_zone_window_opens_when_the_last_zone_opens():
    zones = zones_for(IDAHO_PHONE, None)
    june = date(2026, 6, 15)
    assert window_opens(june, zones, US) == at(june, 8, 0, "America/Los_Angeles")


@pytest.mark.parametrize("phone", ["+79161234567", "+61412345678", IDAHO_PHONE])
@pytest.mark.parametrize("d", [date(2026, 1, 15), date(2026, 7, 15)])
def test_window_opening_is_inside_the_window_in_every_zone(phone, d):
    zones = zones_for(phone, None)
    opening = window_opens(d, zones, CN)
    assert in_window(opening, zones, CN)
    assert not in_window(opening - timedelta(minutes=1), zones, CN)


def test_new_york_window_opens_at_eight_local_across_dst():
    assert window_opens(date(2026, 6, 15), NY, US) == datetime(2026, 6, 15, 12, 0, tzinfo=UTC)
    assert window_opens(date(2026, 1, 15), NY, US) == datetime(2026, 1, 15, 13, 0, tzinfo=UTC)


def test_window_opening_on_dst_change_days():
    # 2026-03-08 (spring forward) and 2026-11-01 (fall back) in New York.
    assert window_opens(date(2026, 3, 8), NY, US) == datetime(2026, 3, 8, 12, 0, tzinfo=UTC)
    assert window_opens(date(2026, 11, 1), NY, US) == datetime(2026, 11, 1, 13, 0, tzinfo=UTC)


@pytest.mark.parametrize("d", [date(2026, 6, 15), date(2026, 1, 15)])
@pytest.mark.parametrize(
    ("hour", "minute", "inside"),
    [(7, 59, False), (8, 0, True), (12, 0, True), (20, 59, True), (21, 0, False), (22, 30, False), (0, 0, False)],
)
def test_new_york_window_edges_in_summer_and_winter(d, hour, minute, inside):
    assert in_window(at(d, hour, minute, "America/New_York"), NY, US) is inside


def test_shanghai_window_in_utc():
    d = date(2026, 3, 2)
    assert in_window(datetime(2026, 3, 2, 0, 0, tzinfo=UTC), ("Asia/Shanghai",), CN)  # 08:00 local
    assert not in_window(datetime(2026, 3, 1, 23, 59, tzinfo=UTC), ("Asia/Shanghai",), CN)
    assert not in_window(datetime(2026, 3, 2, 13, 0, tzinfo=UTC), ("Asia/Shanghai",), CN)  # 21:00 local
    assert window_opens(d, ("Asia/Shanghai",), CN) == datetime(2026, 3, 2, 0, 0, tzinfo=UTC)


def test_local_day_is_the_borrowers_date():
    instant = datetime(2026, 6, 4, 1, 30, tzinfo=UTC)
    assert local_day(instant, NY) == date(2026, 6, 3)
    assert local_day(instant, ("Asia/Shanghai",)) == date(2026, 6, 4)


def test_next_window_open_is_today_if_ahead_else_tomorrow():
    early = at(date(2026, 6, 15), 6, 0, "America/New_York")
    assert next_window_open(early, NY, US) == datetime(2026, 6, 15, 12, 0, tzinfo=UTC)
    late = at(date(2026, 6, 15), 9, 0, "America/New_York")
    assert next_window_open(late, NY, US) == datetime(2026, 6, 16, 12, 0, tzinfo=UTC)


def test_as_utc_parses_z_offsets_and_naive_values():
    assert as_utc("2026-03-04T06:00:00Z") == datetime(2026, 3, 4, 6, 0, tzinfo=UTC)
    assert as_utc("2026-03-04T14:00:00+08:00") == datetime(2026, 3, 4, 6, 0, tzinfo=UTC)
    assert as_utc("2026-03-04T06:00:00") == datetime(2026, 3, 4, 6, 0, tzinfo=UTC)
