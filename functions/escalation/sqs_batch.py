"""Lambda's SQS partial-batch protocol, for the two queue consumers (borrower events, SMS outbox).

Each message is handled on its own; the ones that raised are returned as `batchItemFailures`, so
SQS delivers only those again (the event source mapping has ReportBatchItemFailures on). This is
what Powertools' BatchProcessor does for SQS, written out: importing BatchProcessor loads asyncio
and every Powertools event class, ~90 ms on each cold start of these functions (`make bench`,
handler_import_ms), for a dozen lines of work.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aws_lambda_powertools import Logger


@dataclass
class Batch:
    """What handling a batch did: the response for Lambda, and each message's result (None if it failed)."""

    results: list[Any] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)  # message ids

    @property
    def response(self) -> dict[str, list[dict[str, str]]]:
        return {"batchItemFailures": [{"itemIdentifier": message_id} for message_id in self.failed]}


def handle_batch(event: dict, handle: Callable[[dict], Any], logger: Logger) -> Batch:
    """Call `handle(record)` for every SQS record of the event; a record that raises is a batch item failure."""
    batch = Batch()
    for record in event["Records"]:
        try:
            batch.results.append(handle(record))
        except Exception:
            logger.exception("message failed; SQS will deliver it again", extra={"message_id": record["messageId"]})
            batch.failed.append(record["messageId"])
            batch.results.append(None)
    return batch
