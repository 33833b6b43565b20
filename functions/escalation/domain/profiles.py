"""Jurisdiction profiles: the guardrails every decision passes, with their defaults and sources.

Numbers are the defaults of DOMAIN.md; a lender overrides any of them per profile
(see ``Profile.with_overrides``).
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from datetime import time
from decimal import Decimal


@dataclass(frozen=True)
class Profile:
    code: str
    window_start: time
    window_end: time  # exclusive: a contact at exactly window_end is outside
    sms_per_day: int
    sms_per_week: int | None
    call_attempts_per_day: int
    calls_per_7_days: int | None  # rolling 7 consecutive days (US 12 CFR 1006.14(b)(2))
    call_pause_after_conversation_days: int  # no call this many days after a conversation
    field_visits: bool
    retention_years: int
    default_locale: str
    legal_threshold: Decimal  # minimum amount due before a legal review may be requested
    source: str

    def with_overrides(self, **overrides: object) -> Profile:
        known = {f.name for f in fields(self)}
        unknown = sorted(set(overrides) - known)
        if unknown:
            raise ValueError(f"unknown profile setting(s) for {self.code}: {', '.join(unknown)}")
        return replace(self, **overrides)  # type: ignore[arg-type]


PROFILES: dict[str, Profile] = {
    "CN": Profile(
        code="CN",
        window_start=time(8),
        window_end=time(21),
        sms_per_day=2,
        sms_per_week=None,
        call_attempts_per_day=6,
        calls_per_7_days=None,
        call_pause_after_conversation_days=0,
        field_visits=True,
        retention_years=5,
        default_locale="zh-CN",
        legal_threshold=Decimal("5000"),
        source="GB/T 45251-2025; CBA 2026 collection guideline; lender policy",
    ),
    "US": Profile(
        code="US",
        window_start=time(8),
        window_end=time(21),
        sms_per_day=1,
        sms_per_week=3,
        call_attempts_per_day=7,
        calls_per_7_days=7,
        call_pause_after_conversation_days=7,
        field_visits=False,
        retention_years=3,
        default_locale="en-US",
        legal_threshold=Decimal("1000"),
        source="12 CFR 1006.6(b)(1)(i), 1006.14(b)(2), 1006.6(e), 1006.100; 15 USC 1692c(b)",
    ),
    "EU": Profile(
        code="EU",
        window_start=time(8),
        window_end=time(21),
        sms_per_day=1,
        sms_per_week=None,
        call_attempts_per_day=3,
        calls_per_7_days=None,
        call_pause_after_conversation_days=1,  # at most one connected call per day
        field_visits=False,
        retention_years=6,
        default_locale="en-GB",
        legal_threshold=Decimal("1000"),
        source="FCA CONC 7.9; lender policy",
    ),
}


def profile_for(code: str) -> Profile:
    try:
        return PROFILES[code]
    except KeyError:
        raise ValueError(f"unknown profile {code!r}: expected one of {', '.join(PROFILES)}") from None
