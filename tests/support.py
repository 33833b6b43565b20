"""Helpers the handler and end-to-end tests share (fixtures live in conftest.py)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any


def enroll(raw: dict[str, Any], at: datetime, default_profile: str = "CN") -> bool:
    """Enrol an account on the running local stack as the ingest function would (its sender identities, its default profile)."""
    from escalation.config import Settings
    from escalation.service.ingest import enroll as enroll_raw

    return enroll_raw(raw, at, replace(Settings.from_env(), default_profile=default_profile))
