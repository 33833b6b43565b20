"""Settings read once from the environment that template.yaml gives every function."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass

from .domain.sender import SenderError, Senders


class ConfigError(ValueError):
    """A missing or malformed setting; the message names the environment variable."""


@dataclass(frozen=True)
class Settings:
    manifest_bucket: str
    sms_outbox_url: str
    call_queue_url: str
    visit_queue_url: str
    legal_referral_queue_url: str
    reviewer_topic_arn: str
    rejected_events_queue_url: str
    legal_review_state_machine_arn: str
    batch_size: int
    sms_seconds_per_send: float  # pacing: each sender takes at least this long per SMS (senders / SMS per second)
    clock: str  # "wall": contact time is the real clock; "run": the run's scheduled instant (simulations)
    default_profile: str  # the profile of an account that sets none and whose number's country has none
    sender_identities: Senders | None  # SENDER_IDENTITIES (template.yaml's SenderIdentities); None when not set

    @property
    def senders(self) -> Senders:
        if self.sender_identities is None:
            raise ConfigError("SENDER_IDENTITIES: not set (template.yaml's SenderIdentities parameter has no default)")
        return self.sender_identities

    @classmethod
    def from_env(cls) -> Settings:
        env = os.environ
        return cls(
            manifest_bucket=env.get("MANIFEST_BUCKET", ""),
            sms_outbox_url=env.get("SMS_OUTBOX_URL", ""),
            call_queue_url=env.get("CALL_QUEUE_URL", ""),
            visit_queue_url=env.get("VISIT_QUEUE_URL", ""),
            legal_referral_queue_url=env.get("LEGAL_REFERRAL_QUEUE_URL", ""),
            reviewer_topic_arn=env.get("REVIEWER_TOPIC_ARN", ""),
            rejected_events_queue_url=env.get("REJECTED_EVENTS_QUEUE_URL", ""),
            legal_review_state_machine_arn=env.get("LEGAL_REVIEW_STATE_MACHINE_ARN", ""),
            batch_size=int(env.get("BATCH_SIZE", "100")),
            sms_seconds_per_send=int(env.get("SMS_SENDERS", "1")) / max(float(env.get("SMS_PER_SECOND", "20")), 0.001),
            clock=env.get("CLOCK", "wall"),
            default_profile=env.get("DEFAULT_PROFILE", "CN"),
            sender_identities=parse_senders(env["SENDER_IDENTITIES"]) if env.get("SENDER_IDENTITIES") else None,
        )


def parse_senders(raw: str) -> Senders:
    try:
        return Senders.parse(json.loads(raw), "SENDER_IDENTITIES")
    except ValueError as exc:
        if isinstance(exc, SenderError):
            raise ConfigError(str(exc)) from None
        raise ConfigError(f"SENDER_IDENTITIES: not JSON ({exc})") from None


def __getattr__(name: str) -> Settings:
    # `from escalation.config import SETTINGS` reads the environment when a handler module is
    # imported (once per cold start), not when this module first is: tools and tests may import
    # Settings before the environment is set up.
    if name == "SETTINGS":
        return Settings.from_env()
    raise AttributeError(name)
