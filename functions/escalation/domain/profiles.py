"""Jurisdiction profiles: the guardrails every decision passes, with their defaults and sources.

Numbers are the defaults of DOMAIN.md; a lender overrides any of them per profile and
per product (``parse_overrides``/``effective_profile``; deployed as the ProfileOverrides
parameter of template.yaml).
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from datetime import datetime, time
from decimal import Decimal


@dataclass(frozen=True)
class Profile:
    code: str
    window_start: time
    window_end: time  # exclusive: a contact at exactly window_end is outside
    sms_per_day: int
    sms_per_week: int | None
    sms_max_parts: int  # most SMS parts one text may take (UCS-2 when its language or sender is not GSM-7); see message_rules
    call_attempts_per_day: int  # dial attempts on a local day: reported by agents, plus call tasks still open
    calls_per_7_days: int | None  # dial attempts in any 7 consecutive days (US 12 CFR 1006.14(b)(2))
    conversations_per_day: int | None  # connected calls on a local day (CN 3, EU 1)
    call_pause_after_conversation_days: int  # no call on this many days from a conversation's (its date is day 1)
    field_visits: bool
    visit_days: int  # a visit task may be made on this many local days from the day it was queued
    promise_grace_days: int  # a promise is broken on the day after its date plus these days
    sms_failures_to_close: int  # permanent delivery failures in a row that close the number for SMS (receipts.py)
    retention_years: int
    default_locale: str
    legal_threshold: Decimal  # minimum amount due before a legal review may be requested
    source: str
    # Replies (escalation.domain.replies): a text that is one of these words (any case, width or trailing
    # punctuation) opts the number out of SMS, or asks for the help text.
    # US: the words the FCC's 2024 TCPA revocation rule names (stop, quit, end, revoke, opt out, cancel, unsubscribe).
    stop_keywords: tuple[str, ...] = ("STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "OPT OUT", "REVOKE")
    help_keywords: tuple[str, ...] = ("HELP", "INFO")
    # Distinct people whose approval makes a legal referral (escalation.domain.legal): two by default, so no one
    # refers alone; a lender may set 1 explicitly (parse_overrides), or ask for up to 5.
    legal_approvals: int = 2

    def purge_at(self, instant: datetime) -> int:
        """Until when an audit entry made at `instant` must be kept (epoch seconds): the retention later, the same
        calendar moment (29 February becomes 1 March). Entries carry it as `retain_until`, and the archive locks
        each one until then (S3 Object Lock, compliance mode); the contacts table itself keeps entries only for
        AuditTableDays (escalation.aws.dynamo.table_purge_at). US: 3 years after the last activity, set from each
        entry's own time (compliance mode allows a retention to be extended later, never shortened)."""
        try:
            later = instant.replace(year=instant.year + self.retention_years)
        except ValueError:
            later = instant.replace(year=instant.year + self.retention_years, month=3, day=1)
        return int(later.timestamp())

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
        sms_max_parts=3,
        call_attempts_per_day=6,
        calls_per_7_days=None,
        conversations_per_day=3,
        call_pause_after_conversation_days=0,
        field_visits=True,
        visit_days=7,
        promise_grace_days=0,
        sms_failures_to_close=3,
        retention_years=5,
        default_locale="zh-CN",
        stop_keywords=("退订", "TD", "T", "N", "取消", "退出", "STOP", "UNSUBSCRIBE"),
        help_keywords=("帮助", "HELP", "客服"),
        legal_threshold=Decimal("5000"),
        source="GB/T 45251-2025; CBA 2026 collection guideline; lender policy",
    ),
    "US": Profile(
        code="US",
        window_start=time(8),
        window_end=time(21),
        sms_per_day=1,
        sms_per_week=3,
        sms_max_parts=3,
        call_attempts_per_day=7,
        calls_per_7_days=7,
        conversations_per_day=None,
        call_pause_after_conversation_days=7,
        field_visits=False,
        visit_days=7,
        promise_grace_days=0,
        sms_failures_to_close=3,
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
        sms_max_parts=3,
        call_attempts_per_day=3,
        calls_per_7_days=None,
        conversations_per_day=1,
        call_pause_after_conversation_days=0,
        field_visits=False,
        visit_days=7,
        promise_grace_days=0,
        sms_failures_to_close=3,
        retention_years=6,
        default_locale="en-GB",
        stop_keywords=("STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "OPT OUT", "STOPP", "ARRET", "ARRÊT", "BAJA", "ALTO"),
        help_keywords=("HELP", "INFO", "HILFE", "AIDE", "AYUDA"),
        legal_threshold=Decimal("1000"),
        source="FCA CONC 7.9; lender policy",
    ),
}


def profile_for(code: str) -> Profile:
    try:
        return PROFILES[code]
    except KeyError:
        raise ValueError(f"unknown profile {code!r}: expected one of {', '.join(PROFILES)}") from None


# ---------------------------------------------------------------------- a lender's own settings
# Settings a lender may override; `code` and `source` describe the profile and stay as shipped.
_SETTABLE = {f.name for f in fields(Profile)} - {"code", "source"}
_NULLABLE = ("sms_per_week", "calls_per_7_days", "conversations_per_day")  # null: no such limit
_BOUNDED = {"legal_approvals": (1, 5)}  # whole numbers with their own range (0 approvals would refer unreviewed)


def parse_overrides(raw: object) -> dict[str, dict[str, object]]:
    """Validate a lender's overrides: {"US": {...}, "CN/credit-line": {...}} (profile, or profile/product).

    Values are JSON: whole numbers for caps and days (null for "no limit" where the default
    has none), "HH:MM" for the window, a decimal string for the legal threshold, true/false
    for field visits, 1 to 5 for legal approvals. Raises ValueError naming the key and setting.
    """
    if not isinstance(raw, dict):
        raise ValueError("profile overrides: expected a JSON object keyed by profile or profile/product")
    parsed: dict[str, dict[str, object]] = {}
    for key, settings in raw.items():
        code, _, product = str(key).partition("/")
        if code not in PROFILES or (_ and not product):
            raise ValueError(f"profile overrides: {key!r}: expected a profile ({', '.join(PROFILES)}) or profile/product")
        if not isinstance(settings, dict) or not settings:
            raise ValueError(f"profile overrides: {key}: expected an object of settings")
        parsed[key] = {name: _setting(PROFILES[code], key, name, value) for name, value in settings.items()}
        probe = PROFILES[code].with_overrides(**parsed[key])
        if probe.window_end <= probe.window_start:
            raise ValueError(f"profile overrides: {key}.window_end: must be after window_start")
    return parsed


def _setting(base: Profile, key: str, name: str, value: object) -> object:
    where = f"profile overrides: {key}.{name}"
    if name not in _SETTABLE:
        raise ValueError(f"{where}: unknown setting; expected one of {', '.join(sorted(_SETTABLE))}")
    current = getattr(base, name)
    if isinstance(current, bool):
        if not isinstance(value, bool):
            raise ValueError(f"{where}: expected true or false")
        return value
    if isinstance(current, time):
        try:
            return time.fromisoformat(str(value))
        except ValueError:
            raise ValueError(f"{where}: expected a time like 08:00") from None
    if isinstance(current, Decimal):
        try:
            amount = Decimal(str(value))
        except ArithmeticError:
            raise ValueError(f'{where}: expected an amount like "5000.00"') from None
        if not amount.is_finite() or amount < 0:
            raise ValueError(f"{where}: expected a non-negative amount")
        return amount
    if isinstance(current, str):
        if not isinstance(value, str) or not value:
            raise ValueError(f"{where}: expected text")
        return value
    if isinstance(current, tuple):  # keyword lists
        from .replies import tidy

        if not isinstance(value, list) or not value or not all(isinstance(v, str) and tidy(v) for v in value):
            raise ValueError(f'{where}: expected a list of words with letters or digits, e.g. ["STOP", "TD"]')
        if name == "stop_keywords" and "stop" not in {tidy(v) for v in value}:
            raise ValueError(f"{where}: must keep STOP (every carrier honours it)")
        return tuple(value)
    if value is None and name in _NULLABLE:
        return None  # no limit
    if name in _BOUNDED:
        low, high = _BOUNDED[name]
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ValueError(f"{where}: expected a whole number from {low} to {high}")
        return value
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{where}: expected a whole number >= 0")
    return value


def effective_profile(code: str, product: str, overrides: dict[str, dict[str, object]]) -> Profile:
    """The profile as shipped, then the lender's profile-wide overrides, then the product's."""
    profile = profile_for(code)
    for key in (code, f"{code}/{product}"):
        if key in overrides:
            profile = profile.with_overrides(**overrides[key])
    return profile
