"""Contact windows in the borrower's local time.

A borrower with a known time zone is contacted only while the local clock is inside
the profile's window. Without one, the zones are derived from the phone number; when
several fit, an instant is allowed only if it is inside the window in all of them.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import phonenumbers
from phonenumbers import timezone as phone_timezones

from .profiles import Profile


def zones_for(phone: str, timezone: str | None) -> tuple[str, ...]:
    """The IANA zones the borrower may be in: the given one, or those the number allows."""
    if timezone:
        return _given_zone(timezone)
    return _derived_zones(phone)


# Cached by zone name alone: with a time zone given, the phone number plays no part. Only
# valid names are cached (an unknown one raises), so the IANA database bounds the key space.
@lru_cache(maxsize=1024)
def _given_zone(name: str) -> tuple[str, ...]:
    zone(name)  # raises on an unknown zone
    return (name,)


# Cached by the full number: which zones it fits depends on its type (fixed line, mobile,
# toll-free...), which depends on all its digits, so a prefix is not a safe key. Sized for a
# day's share of a large book whose borrowers gave no time zone.
@lru_cache(maxsize=16384)
def _derived_zones(phone: str) -> tuple[str, ...]:
    number = phonenumbers.parse(phone)
    zones = tuple(z for z in phone_timezones.time_zones_for_number(number) if z != "Etc/Unknown")
    if not zones:
        raise ValueError(f"cannot derive a time zone from phone number ending {phone[-2:]}")
    return zones


MIN_COMMON_HOURS = 1  # a number whose zones share less daytime than this needs an explicit time zone


def common_daytime_hours(zones: tuple[str, ...], profile: Profile) -> float:
    """Hours of the window that are open in all the zones on the same local date (worst of winter and summer)."""
    window = (datetime.combine(date.min, profile.window_end) - datetime.combine(date.min, profile.window_start)).total_seconds() / 3600
    spreads = []
    for probe in (datetime(2026, 1, 15, 12, tzinfo=UTC), datetime(2026, 7, 15, 12, tzinfo=UTC)):
        offsets = [probe.astimezone(zone(z)).utcoffset().total_seconds() / 3600 for z in zones]  # type: ignore[union-attr]
        spreads.append(max(offsets) - min(offsets))
    return window - max(spreads)


def require_common_daytime(phone: str, timezone: str | None, profile: Profile) -> None:
    """Refuse a number whose derived zones have no usable common window (e.g. +1 toll-free: all 42 NANP zones).

    Such a borrower could never be contacted inside the window everywhere they might be,
    so enrolment asks for the time zone instead of starving the account silently.
    """
    zones = zones_for(phone, timezone)
    if len(zones) > 1 and common_daytime_hours(zones, profile) < MIN_COMMON_HOURS:
        raise ValueError(
            f"required for this number: it fits {len(zones)} time zones ({zones[0]} ... {zones[-1]}) "
            f"with no common {profile.window_start:%H:%M}-{profile.window_end:%H:%M} window"
        )


# Cached by name: ZoneInfo objects are immutable, and ZoneInfo(name) itself hands back one shared
# object per name; this skips its lookup (and keeps the zones alive past its small strong cache).
# Only valid names are cached (an unknown one raises), so the IANA database bounds the key space.
@lru_cache(maxsize=1024)
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def primary_zone(zones: tuple[str, ...]) -> ZoneInfo:
    return zone(zones[0])


def local_day(instant: datetime, zones: tuple[str, ...]) -> date:
    """The borrower's calendar date at an instant (first zone; zones of one number share a date in practice)."""
    return instant.astimezone(primary_zone(zones)).date()


def in_window(instant: datetime, zones: tuple[str, ...], profile: Profile) -> bool:
    check = _in_window_cached if _keyable(instant) else _in_window
    return check(instant, zones, profile.window_start, profile.window_end)


def _in_window(instant: datetime, zones: tuple[str, ...], start: time, end: time) -> bool:
    return all(start <= instant.astimezone(zone(z)).time() < end for z in zones)


# Cached: whether the window is open is a function of the UTC instant, the zones and the window's
# hours alone. A whole book is assessed at one `now`, so a few keys serve every account of a run.
_in_window_cached = lru_cache(maxsize=4096)(_in_window)


def _keyable(instant: datetime) -> bool:
    """Whether equal instants are the same UTC instant, so that the instant is a safe cache key.

    True for fixed offsets (UTC, +08:00). Not for a zone with daylight saving: there, the two
    readings of an ambiguous wall time (fold=0 and fold=1) compare and hash equal.
    """
    return type(instant.tzinfo) is type(UTC)  # datetime.timezone: a fixed offset


def window_opens(day: date, zones: tuple[str, ...], profile: Profile) -> datetime:
    """The first UTC instant on local `day` at which the window is open in every zone.

    Falls back to the primary zone's opening when the zones' windows never overlap, so
    that a borrower is never starved; `in_window` still guards the send itself.
    """
    return _window_opens(day, zones, profile.window_start, profile.window_end)


# Cached: the opening is a function of the local date, the zones and the window's hours alone,
# and accounts share all three (one run's day, a market's zones, a profile's window).
@lru_cache(maxsize=4096)
def _window_opens(day: date, zones: tuple[str, ...], start: time, end: time) -> datetime:
    openings = [datetime.combine(day, start, tzinfo=zone(z)).astimezone(UTC) for z in zones]
    latest = max(openings)
    if _in_window_cached(latest, zones, start, end):  # `latest` is in UTC
        return latest
    return openings[0]


def next_window_open(after: datetime, zones: tuple[str, ...], profile: Profile) -> datetime:
    """The next opening strictly after the instant `after` (today's if still ahead, else tomorrow's)."""
    today = local_day(after, zones)
    for offset in range(3):
        opening = window_opens(today + timedelta(days=offset), zones, profile)
        if opening > after:
            return opening
    return window_opens(today + timedelta(days=3), zones, profile)


def as_utc(value: str) -> datetime:
    """Parse an ISO 8601 instant; naive values are taken as UTC."""
    instant = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return instant if instant.tzinfo else instant.replace(tzinfo=UTC)
