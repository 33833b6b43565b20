"""The SMS outbox (SQS): the daily run posts its SMS decisions, the paced senders take them.

The only module that writes to it; Lambda's SQS event source delivers it to SendSmsFunction.
"""

from __future__ import annotations

import json

from .clients import client

BATCH = 10  # SendMessageBatch's limit


class OutboxRefused(Exception):
    """SQS refused some of the messages: the caller fails and is retried (a message posted twice is sent once)."""


def post(queue_url: str, requests: list[dict]) -> None:
    """Post each request as one message, ten per SendMessageBatch."""
    sqs = client("sqs")
    for start in range(0, len(requests), BATCH):
        chunk = requests[start : start + BATCH]
        entries = [{"Id": str(i), "MessageBody": json.dumps(request, default=str)} for i, request in enumerate(chunk)]
        response = sqs.send_message_batch(QueueUrl=queue_url, Entries=entries)
        if failed := response.get("Failed"):
            codes = ", ".join(sorted({f.get("Code", "unknown") for f in failed}))
            raise OutboxRefused(f"SMS outbox refused {len(failed)} of {len(chunk)} messages ({codes})")
