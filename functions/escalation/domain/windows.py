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
