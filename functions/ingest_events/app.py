"""Borrower events from the EventBridge bus, buffered in SQS: apply each exactly once.

Malformed or inapplicable events go to the rejected-events queue with their reason and are
not retried; anything else that fails is reported as a batch item failure, so SQS
redelivers it (and moves it to the DLQ after five receives).
"""

from aws_lambda_powertools.utilities.typing import LambdaContext

from escalation.config import Settings
from escalation.logs import make_logger
from escalation.observability import count, observed
from escalation.service.inbox import receive
from escalation.sqs_batch import handle_batch

logger = make_logger()
NEEDS = ("rejected_events_queue_url", "call_queue_url", "default_profile", "lender_config", "operator_seal_key")
SETTINGS = Settings.load(*NEEDS)  # at cold start: a missing or malformed variable fails here, named


def record_handler(record: dict) -> str:
    result = receive(record["body"], SETTINGS)
    if result.startswith("rejected"):
        logger.warning("borrower event rejected", extra={"message_id": record["messageId"], "reason": result})
        count("EventsRejected")
    else:
        logger.info("borrower event", extra={"message_id": record["messageId"], "result": result})
        count("EventsApplied")
    return result


@observed(logger)
def handler(event: dict, context: LambdaContext) -> dict:
    return handle_batch(event, record_handler, logger).response
