"""Two-way SMS: each text a borrower sends back arrives on InboundSmsTopic and leaves as `sms_reply` events on the bus."""

from datetime import UTC, datetime

from aws_lambda_powertools.utilities.typing import LambdaContext

from escalation.config import Settings
from escalation.logs import make_logger
from escalation.observability import observed
from escalation.service.inbound import forward

logger = make_logger()
NEEDS = ("borrower_event_bus", "rejected_events_queue_url")
SETTINGS = Settings.load(*NEEDS)  # at cold start: a missing or malformed variable fails here, named


def _received_at(record: dict) -> datetime:
    stamp = record["Sns"].get("Timestamp")
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")) if stamp else datetime.now(UTC)


@observed(logger)
def handler(event: dict, context: LambdaContext) -> dict:
    messages = [(record["Sns"]["Message"], _received_at(record)) for record in event.get("Records", [])]
    return forward(messages, SETTINGS.borrower_event_bus, SETTINGS.rejected_events_queue_url, logger)
