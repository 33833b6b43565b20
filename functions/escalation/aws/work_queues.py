"""Agent-call, field-visit and legal-referral work queues (SQS): the only module that sends to them."""

from __future__ import annotations

import json

from .clients import client


def enqueue(queue_url: str, body: dict, dedup_key: str) -> str:
    response = client("sqs").send_message(
        QueueUrl=queue_url,
        MessageBody=json.dumps(body, default=str),
        MessageAttributes={"idempotency_key": {"DataType": "String", "StringValue": dedup_key}},
    )
    return response["MessageId"]


def reject(queue_url: str, reason: str, body: str) -> str:
    """Keep what could not be applied, with why, on the rejected-events queue: {"reason", "event"}."""
    return enqueue(queue_url, {"reason": reason, "event": body}, reason[:200])
