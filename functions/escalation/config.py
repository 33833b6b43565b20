"""The settings a function reads from the environment template.yaml gives it: once, at its cold start, validated.

Each handler names what it needs (`Settings.load("manifest_bucket", "batch_size")`): a missing or malformed
variable fails the cold start with a message naming it, rather than a call hours later. What a handler does not
name is not read and keeps an empty default. The local harness loads each handler's settings from that
function's own environment only (Globals and its own block, sim/local/stack.py), so a variable a handler needs
but its template block lacks fails locally too, not first in AWS.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any


class ConfigError(ValueError):
    """A missing or malformed setting; the message names the environment variable."""


def _text(pattern: str, what: str) -> Callable[[str], str]:
    def parse(value: str) -> str:
        if not re.fullmatch(pattern, value):
            raise ValueError(f"expected {what}")
        return value

    return parse


def _int_between(low: int, high: int) -> Callable[[str], int]:
    def parse(value: str) -> int:
        number = int(value)
        if not low <= number <= high:
            raise ValueError(f"expected a whole number from {low} to {high}")
        return number

    return parse


@dataclass(frozen=True)
class AppConfigRef:
    """Where AppConfig keeps the lender configuration (template.yaml's LenderConfig* resources: their ids)."""

    application: str
    environment: str
    profile: str


def _lender_config(env: Mapping[str, str]) -> AppConfigRef:
    ident = _text(r"[A-Za-z0-9._-]{1,128}", "an AppConfig id or name")
    return AppConfigRef(*(_read(env, name, ident) for name in LENDER_CONFIG_VARIABLES))


LENDER_CONFIG_VARIABLES = ("LENDER_CONFIG_APPLICATION", "LENDER_CONFIG_ENVIRONMENT", "LENDER_CONFIG_PROFILE")


def _pacing(env: Mapping[str, str]) -> float:
    """Seconds each sender takes per SMS: SmsSenders senders together never exceed SmsPerSecond."""
    senders, per_second = _read(env, "SMS_SENDERS", _int_between(1, 1000)), _read(env, "SMS_PER_SECOND", float)
    if per_second <= 0:
        raise ConfigError("SMS_PER_SECOND: expected a positive rate")
    return senders / per_second


def _positive_rate(value: str) -> float:
    """SMS per second for the releaser's slots (escalation.domain.send_slots): positive, fractions allowed."""
    rate = float(value)
    if not 0 < rate <= 100_000:
        raise ValueError("expected a positive rate, at most 100000")
    return rate


def _role_names(value: str) -> frozenset[str]:
    """IAM role names, separated by spaces (a role name may hold a comma)."""
    names = value.split()
    if not names or not all(re.fullmatch(r"[A-Za-z0-9+=,.@_-]{1,64}", n) for n in names):
        raise ValueError("expected IAM role names separated by spaces")
    return frozenset(names)


URL = _text(r"https?://\S+", "a queue URL")
ARN = _text(r"arn:[\w-]+:\S+", "an ARN")
# Setting -> (environment variable, parser), or a reader of several variables. Defaults only where AWS has one meaning.
_READERS: dict[str, tuple[str, Callable[[str], Any]] | Callable[[Mapping[str, str]], Any]] = {
    "manifest_bucket": ("MANIFEST_BUCKET", _text(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]", "an S3 bucket name")),
    "audit_archive_bucket": ("AUDIT_ARCHIVE_BUCKET", _text(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]", "an S3 bucket name")),
    "sms_outbox_url": ("SMS_OUTBOX_URL", URL),
    "sms_send_queue_url": ("SMS_SEND_QUEUE_URL", URL),
    "sms_per_second": ("SMS_PER_SECOND", _positive_rate),
    "call_queue_url": ("CALL_QUEUE_URL", URL),
    "visit_queue_url": ("VISIT_QUEUE_URL", URL),
    "legal_referral_queue_url": ("LEGAL_REFERRAL_QUEUE_URL", URL),
    "rejected_events_queue_url": ("REJECTED_EVENTS_QUEUE_URL", URL),
    "reviewer_topic_arn": ("REVIEWER_TOPIC_ARN", ARN),
    "legal_review_state_machine_arn": ("LEGAL_REVIEW_STATE_MACHINE_ARN", ARN),
    "batch_size": ("BATCH_SIZE", _int_between(1, 100)),
    "sms_seconds_per_send": _pacing,
    "borrower_event_bus": ("BORROWER_EVENT_BUS", _text(r"[A-Za-z0-9._/-]{1,256}", "an event bus name")),
    "default_profile": ("DEFAULT_PROFILE", _text(r"CN|US|EU", "CN, US or EU")),
    "lender_config": _lender_config,
    "operator_seal_key": ("OPERATOR_SEAL_KEY", _text(r"[A-Za-z0-9:/_-]{1,2048}", "a KMS key id or ARN")),
    "reviewer_roles": ("REVIEWER_ROLES", _role_names),
    "operator_roles": ("OPERATOR_ROLES", _role_names),
}
# Not from template.yaml: how contacts are timed. "wall" (the real clock) unless the local harness says "run".
_OPTIONAL = {"clock": ("CLOCK", _text(r"wall|run", "wall or run"), "wall")}


def _read(env: Mapping[str, str], name: str, parse: Callable[[str], Any]) -> Any:
    value = env.get(name)
    if value is None or value == "":
        raise ConfigError(f"{name}: missing (template.yaml gives it to the functions that need it)")
    try:
        return parse(value)
    except ValueError as exc:
        raise ConfigError(f"{name}: {exc}") from None


@dataclass(frozen=True)
class Settings:
    manifest_bucket: str = ""
    audit_archive_bucket: str = ""  # the audit archive (escalation.service.archive)
    sms_outbox_url: str = ""
    sms_send_queue_url: str = ""  # where the releaser posts the outbox's texts, each delayed to its send slot
    sms_per_second: float = 0.0  # the releaser's rate: texts made visible to the senders each second (SmsPerSecond)
    call_queue_url: str = ""
    visit_queue_url: str = ""
    legal_referral_queue_url: str = ""
    reviewer_topic_arn: str = ""
    rejected_events_queue_url: str = ""
    legal_review_state_machine_arn: str = ""
    borrower_event_bus: str = ""
    batch_size: int = 100
    sms_seconds_per_send: float = 0.0  # pacing: each sender takes at least this long per SMS (senders / SMS per second)
    clock: str = "wall"  # "wall": contact time is the real clock; "run": the run's scheduled instant (simulations)
    default_profile: str = "CN"  # the profile of an account that sets none and whose number's country has none
    lender_config: AppConfigRef | None = None  # where the deployed lender configuration is (escalation.service.configuration)
    operator_seal_key: str = ""  # the HMAC key that seals the operators' events (escalation.aws.seal)
    reviewer_roles: frozenset[str] = frozenset()  # roles whose sessions may decide legal reviews (OperatorCommandsFunction)
    operator_roles: frozenset[str] = frozenset()  # roles whose sessions may pause accounts and enter outcomes by hand
    loaded: frozenset[str] = frozenset()  # the settings read and validated (a handler's needs); the others keep their defaults

    @classmethod
    def load(cls, *needs: str, env: Mapping[str, str] | None = None) -> Settings:
        """The settings a handler needs, read and validated now; raises ConfigError naming the first bad variable."""
        source = os.environ if env is None else env
        unknown = sorted(set(needs) - set(_READERS))
        if unknown:
            raise ConfigError(f"unknown setting(s) {', '.join(unknown)}; expected some of {', '.join(_READERS)}")
        values: dict[str, Any] = {}
        for need in needs:
            reader = _READERS[need]
            values[need] = reader(source) if callable(reader) else _read(source, *reader)
        name, parse, default = _OPTIONAL["clock"]
        values["clock"] = _read(source, name, parse) if source.get(name) else default
        return cls(**values, loaded=frozenset(needs))

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Every setting the environment has, unvalidated where missing (tools, tests and the harness's own use)."""
        source = os.environ if env is None else env
        present = [n for n, r in _READERS.items() if not callable(r) and source.get(r[0])]
        present += [n for n, r in _READERS.items() if callable(r) and _readable(r, source)]
        return cls.load(*present, env=source)


def _readable(reader: Callable[[Mapping[str, str]], Any], env: Mapping[str, str]) -> bool:
    try:
        reader(env)
    except ConfigError:
        return False
    return True
