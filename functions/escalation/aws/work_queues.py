"""Agent-call, field-visit and legal-referral work queues (SQS): the only module that sends to them."""

from __future__ import annotations

import json

from .clients import client

BATCH = 10  # SendMessageBatch's limit


def enqueue(queue_url: str, body: dict, dedup_key: str) -> str:
    response = client("sqs").send_message(
        QueueUrl=queue_url,
        MessageBody=json.dumps(body, default=str),
        MessageAttributes=_attributes(dedup_key),
    )
    return response["MessageId"]


def enqueue_many(queue_url: str, tasks: list[tuple[dict, str]]) -> list[tuple[str | None, str | None]]:
    """Send (body, idempotency key) pairs, ten per SendMessageBatch: per task its message id, or SQS's refusal code."""
    sqs, out = client("sqs"), []
    for start in range(0, len(tasks), BATCH):
        chunk = tasks[start : start + BATCH]
        entries = [
            {"Id": str(i), "MessageBody": json.dumps(body, default=str), "MessageAttributes": _attributes(key)}
            for i, (body, key) in enumerate(chunk)
        ]
        response = sqs.send_message_batch(QueueUrl=queue_url, Entries=entries)
        sent = {s["Id"]: s["MessageId"] for s in response.get("Successful", [])}
        refused = {f["Id"]: f.get("Code", "unknown") for f in response.get("Failed", [])}
        out += [(sent.get(str(i)), refused.get(str(i), None if str(i) in sent else "unknown")) for i in range(len(chunk))]
    return out


def _attributes(dedup_key: str) -> dict:
    return {"idempotency_key": {"DataType": "String", "StringValue": dedup_key}}


def reject(queue_url: str, reason: str, body: str) -> str:
    """Keep what could not be applied, with why, on the rejected-events queue: {"reason", "event"}."""
    return enqueue(queue_url, {"reason": reason, "event": body}, reason[:200])
