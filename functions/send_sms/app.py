"""Send the SMS the daily run posted to the outbox: claim, publish through SNS, record — paced.

Lambda's SQS event source delivers up to 10 messages a batch, at most SmsSenders batches at
once. A message that fails (SNS throttled, a crash) is reported as a batch item failure and
comes back after the queue's visibility timeout; the claim makes a second delivery send nothing.
"""

import json

from aws_lambda_powertools.utilities.typing import LambdaContext

from escalation.config import Settings
from escalation.logs import make_logger
from escalation.observability import observed
from escalation.service.dispatch import Request, count_dispatches, dispatch
from escalation.sqs_batch import handle_batch

logger = make_logger()
NEEDS = ("manifest_bucket", "sms_seconds_per_send")
SETTINGS = Settings.load(*NEEDS)  # at cold start: a missing or malformed variable fails here, named


def record_handler(record: dict) -> dict:
    result = dispatch(Request.parse(json.loads(record["body"])), SETTINGS)
    logger.info("sms dispatched", extra={"account_id": result.get("account_id"), "outcome": result.get("outcome")})
    return result


@observed(logger)
def handler(event: dict, context: LambdaContext) -> dict:
    batch = handle_batch(event, record_handler, logger)
    # A failed message goes back to the outbox and is delivered again after the visibility timeout.
    count_dispatches([result or {"outcome": "returned_to_outbox"} for result in batch.results])
    return batch.response
