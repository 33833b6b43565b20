"""Contact windows in the borrower's local time.

A borrower with a known time zone is contacted only while the local clock is inside
the profile's window. Without one, the zones are derived from the phone number; when
several fit, an instant is allowed only if it is inside the window in all of them.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import phonenumbers
from phonenumbers import timezone as phone_timezones

from .profiles import Profile


@lru_cache(maxsize=4096)
def zones_for(phone: str, timezone: str | None) -> tuple[str, ...]:
    """The IANA zones the borrower may be in: the given one, or those the number allows."""
    if timezone:
        ZoneInfo(timezone)  # raises on an unknown zone
        return (timezone,)
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
        offsets = [probe.astimezone(ZoneInfo(z)).utcoffset().total_seconds() / 3600 for z in zones]  # type: ignore[union-attr]
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


def primary_zone(zones: tuple[str, ...]) -> ZoneInfo:
    return ZoneInfo(zones[0])


def local_day(instant: datetime, zones: tuple[str, ...]) -> date:
    """The borrower's calendar date at an instant (first zone; zones of one number share a date in practice)."""
    return instant.astimezone(primary_zone(zones)).date()


def in_window(instant: datetime, zones: tuple[str, ...], profile: Profile) -> bool:
    return all(profile.window_start <= instant.astimezone(ZoneInfo(z)).time() < profile.window_end for z in zones)


def window_opens(day: date, zones: tuple[str, ...], profile: Profile) -> datetime:
    """The first UTC instant on local `day` at which the window is open in every zone.

    Falls back to the primary zone's opening when the zones' windows never overlap, so
    that a borrower is never starved; `in_window` still guards the send itself.
    """
    openings = [datetime.combine(day, profile.window_start, tzinfo=ZoneInfo(z)).astimezone(UTC) for z in zones]
    latest = max(openings)
    if in_window(latest, zones, profile):
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
