"""The SMS send queue (SQS, SmsSendQueue): the releaser moves texts here from the outbox, each with its send delay.

The daily run posts its texts to the outbox (sms_outbox.post), which now only holds them; the releaser
(escalation.service.release) takes them off it ten at a time and posts each, body and attributes unchanged,
to the send queue with the DelaySeconds of its send slot; Lambda's SQS event source delivers them from there
to SendSmsFunction as they become visible. The only module that reads the outbox or writes to the send queue.
"""

from __future__ import annotations

from typing import Any

from .clients import client

BATCH = 10  # ReceiveMessage's and SendMessageBatch's limit
# What SendMessage accepts of a received message attribute (a received one carries the same keys).
_ATTRIBUTE_KEYS = ("DataType", "StringValue", "BinaryValue", "StringListValues", "BinaryListValues")


class SendQueueRefused(Exception):
    """SQS refused every text of a batch: the release stops (the texts stay in the outbox and come back)."""


def receive(outbox_url: str, most: int) -> list[dict[str, Any]]:
    """Up to `most` (≤ 10) texts from the outbox, without waiting: an empty answer may be a short poll's miss."""
    response = client("sqs").receive_message(
        QueueUrl=outbox_url, MaxNumberOfMessages=min(most, BATCH), WaitTimeSeconds=0, MessageAttributeNames=["All"]
    )
    return response.get("Messages", [])


def post(send_queue_url: str, messages: list[dict[str, Any]], delays: list[int]) -> list[dict[str, Any]]:
    """Post each received text to the send queue with its delay (one SendMessageBatch); returns those SQS accepted."""
    entries = []
    for i, (message, delay) in enumerate(zip(messages, delays, strict=True)):
        entry: dict[str, Any] = {"Id": str(i), "MessageBody": message["Body"], "DelaySeconds": delay}
        if attributes := message.get("MessageAttributes"):
            entry["MessageAttributes"] = {k: {f: v[f] for f in _ATTRIBUTE_KEYS if f in v} for k, v in attributes.items()}
        entries.append(entry)
    response = client("sqs").send_message_batch(QueueUrl=send_queue_url, Entries=entries)
    accepted = {entry["Id"] for entry in response.get("Successful", [])}
    if messages and not accepted:
        codes = ", ".join(sorted({f.get("Code", "unknown") for f in response.get("Failed", [])}))
        raise SendQueueRefused(f"SMS send queue refused all {len(messages)} texts ({codes})")
    return [m for i, m in enumerate(messages) if str(i) in accepted]


def delete(outbox_url: str, messages: list[dict[str, Any]]) -> int:
    """Delete posted texts from the outbox (one DeleteMessageBatch); returns how many SQS did not delete.

    A text not deleted comes back after the outbox's visibility timeout and is posted again: the sender's claim
    makes the second copy send nothing.
    """
    if not messages:
        return 0
    entries = [{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)]
    response = client("sqs").delete_message_batch(QueueUrl=outbox_url, Entries=entries)
    return len(response.get("Failed", []))
