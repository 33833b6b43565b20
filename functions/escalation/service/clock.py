"""The time a contact happens: the wall clock in AWS, the run's scheduled instant in a simulation."""

from __future__ import annotations

from datetime import UTC, datetime

from ..config import Settings
from ..domain.windows import as_utc


def contact_time(as_of: str, settings: Settings) -> datetime:
    return as_utc(as_of) if settings.clock == "run" else datetime.now(UTC)
