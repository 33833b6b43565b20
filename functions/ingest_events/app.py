"""Borrower events from the EventBridge bus, buffered in SQS: apply each exactly once.

Malformed or inapplicable events go to the rejected-events queue with their reason and are
not retried; anything else that fails is reported as a batch item failure, so SQS
redelivers it (and moves it to the DLQ after five receives).
"""

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from escalation.config import SETTINGS
from escalation.logs import make_logger
from escalation.observability import count, observed
from escalation.service.inbox import receive

logger = make_logger()
processor = BatchProcessor(event_type=EventType.SQS)


def record_handler(record: SQSRecord) -> str:
    result = receive(record.body, SETTINGS)
    if result.startswith("rejected"):
        logger.warning("borrower event rejected", extra={"message_id": record.message_id, "reason": result})
        count("EventsRejected")
    else:
        logger.info("borrower event", extra={"message_id": record.message_id, "result": result})
        count("EventsApplied")
    return result


@observed(logger)
def handler(event: dict, context: LambdaContext) -> dict:
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
