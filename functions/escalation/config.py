"""Settings read once from the environment that template.yaml gives every function."""

from __future__ import annotations

import os
from dataclasses import dataclass

from .domain.messages import Sender


@dataclass(frozen=True)
class Settings:
    manifest_bucket: str
    call_queue_url: str
    visit_queue_url: str
    legal_referral_queue_url: str
    reviewer_topic_arn: str
    rejected_events_queue_url: str
    legal_review_state_machine_arn: str
    batch_size: int
    clock: str  # "wall": contact time is the real clock; "run": the run's scheduled instant (simulations)
    sender: Sender

    @classmethod
    def from_env(cls) -> Settings:
        env = os.environ
        return cls(
            manifest_bucket=env.get("MANIFEST_BUCKET", ""),
            call_queue_url=env.get("CALL_QUEUE_URL", ""),
            visit_queue_url=env.get("VISIT_QUEUE_URL", ""),
            legal_referral_queue_url=env.get("LEGAL_REFERRAL_QUEUE_URL", ""),
            reviewer_topic_arn=env.get("REVIEWER_TOPIC_ARN", ""),
            rejected_events_queue_url=env.get("REJECTED_EVENTS_QUEUE_URL", ""),
            legal_review_state_machine_arn=env.get("LEGAL_REVIEW_STATE_MACHINE_ARN", ""),
            batch_size=int(env.get("BATCH_SIZE", "100")),
            clock=env.get("CLOCK", "wall"),
            sender=Sender(
                lender_name=env.get("LENDER_NAME", "Shengbei Credit"),
                signature=env.get("SMS_SIGNATURE", "省呗"),
                support_phone=env.get("SUPPORT_PHONE", "400-800-1234"),
                pay_hint=env.get("PAY_HINT", "app: Me > Repay"),
            ),
        )


SETTINGS = Settings.from_env()
