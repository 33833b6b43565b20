"""When a queued task may be worked (DOMAIN.md, "How the guardrails count").

A call task may be worked only inside the borrower's contact window on the local day it was queued:
it expires at that window's close, and an expired task is not dialled. A visit task may be made on
`visit_days` local days from the day it was queued, within the window's hours, and expires at the
window's close on its last day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from .profiles import Profile
from .windows import local_day, primary_zone, zone


@dataclass(frozen=True)
class TaskWindow:
    zone: str  # the borrower's (primary) IANA time zone
    first_day: date  # local
    last_day: date  # local, inclusive
    hours: tuple[str, str]  # local "HH:MM" from, until (exclusive)
    expires_at: datetime  # UTC: the window's close on the last day

    def as_json(self) -> dict[str, object]:
        return {
            "zone": self.zone,
            "first_day": self.first_day.isoformat(),
            "last_day": self.last_day.isoformat(),
            "hours": {"from": self.hours[0], "until": self.hours[1]},
            "expires_at": self.expires_at.isoformat().replace("+00:00", "Z"),
        }


def window_closes(day: date, zones: tuple[str, ...], profile: Profile) -> datetime:
    """The UTC instant the contact window stops being open in every zone on local `day`."""
    return min(datetime.combine(day, profile.window_end, tzinfo=zone(z)).astimezone(UTC) for z in zones)


def call_window(queued_at: datetime, zones: tuple[str, ...], profile: Profile) -> TaskWindow:
    """A call task: today only, until the window closes."""
    return _window(queued_at, zones, profile, days=1)


def visit_window(queued_at: datetime, zones: tuple[str, ...], profile: Profile) -> TaskWindow:
    """A visit task: `profile.visit_days` local days from today, within the window's hours."""
    return _window(queued_at, zones, profile, days=profile.visit_days)


def _window(queued_at: datetime, zones: tuple[str, ...], profile: Profile, days: int) -> TaskWindow:
    today = local_day(queued_at, zones)
    last = today + timedelta(days=max(days, 1) - 1)
    hours = (profile.window_start.strftime("%H:%M"), profile.window_end.strftime("%H:%M"))
    return TaskWindow(primary_zone(zones).key, today, last, hours, window_closes(last, zones, profile))
