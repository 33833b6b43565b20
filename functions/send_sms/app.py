"""Send the texts the outbox releases to this function: read, claim and record the batch together, publish each.

Lambda's SQS event source delivers up to 10 messages a batch, at most SmsSenders batches at once; the
outbox's release sets the pace (docs/SCALING.md), so the sender never waits. A message that fails (SNS
throttled, a crash) is reported as a batch item failure and comes back after the queue's visibility
timeout, delayed and never dropped; the claim makes a second delivery send nothing.
"""

import json

from aws_lambda_powertools.utilities.typing import LambdaContext

from escalation.config import Settings
from escalation.logs import make_logger
from escalation.observability import observed
from escalation.service.dispatch import Request, count_dispatches
from escalation.service.texting import send_texts
from escalation.sqs_batch import Batch

logger = make_logger()
NEEDS = ("manifest_bucket",)
SETTINGS = Settings.load(*NEEDS)  # at cold start: a missing or malformed variable fails here, named


@observed(logger)
def handler(event: dict, context: LambdaContext) -> dict:
    batch = Batch()
    requests, ids = [], []
    for record in event["Records"]:
        try:
            requests.append(Request.parse(json.loads(record["body"])))
            ids.append(record["messageId"])
        except (ValueError, TypeError, KeyError):
            logger.exception("malformed outbox message; SQS will deliver it again", extra={"message_id": record["messageId"]})
            batch.failed.append(record["messageId"])
    for message_id, outcome in zip(ids, send_texts(requests, SETTINGS), strict=True):
        if isinstance(outcome, Exception):
            logger.error("text failed; SQS will deliver it again", exc_info=outcome, extra={"message_id": message_id})
            batch.failed.append(message_id)
            batch.results.append(None)
        else:
            logger.info("sms dispatched", extra={"account_id": outcome.get("account_id"), "outcome": outcome.get("outcome")})
            batch.results.append(outcome)
    # A failed message goes back to the outbox and is delivered again after the visibility timeout.
    count_dispatches([result or {"outcome": "returned_to_outbox"} for result in batch.results])
    return batch.response
