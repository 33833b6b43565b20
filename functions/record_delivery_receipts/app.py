"""SNS's SMS delivery-status logs, through a CloudWatch Logs subscription: each record is a delivery receipt."""

import base64
import gzip
import json

from aws_lambda_powertools.utilities.typing import LambdaContext

from escalation.config import Settings
from escalation.logs import make_logger
from escalation.observability import observed
from escalation.service.receipts import record_receipts

logger = make_logger()
NEEDS = ("rejected_events_queue_url",)
SETTINGS = Settings.load(*NEEDS)  # at cold start: a missing or malformed variable fails here, named


def log_events(event: dict) -> list[str]:
    """The log events' messages: awslogs.data is base64 of gzip of {logGroup, logEvents: [{id, timestamp, message}]}."""
    payload = json.loads(gzip.decompress(base64.b64decode(event["awslogs"]["data"])))
    if payload.get("messageType") == "CONTROL_MESSAGE":  # CloudWatch Logs checks the destination is reachable
        return []
    return [e["message"] for e in payload.get("logEvents", [])]


@observed(logger)
def handler(event: dict, context: LambdaContext) -> dict:
    return record_receipts(log_events(event), SETTINGS.rejected_events_queue_url, logger)
