"""Queue one agent call the ladder decided on (claim, SQS, record)."""

from aws_lambda_powertools.utilities.typing import LambdaContext

from escalation.config import Settings
from escalation.logs import make_logger
from escalation.observability import observed
from escalation.service.dispatch import Request, dispatch

logger = make_logger()
NEEDS = ("manifest_bucket", "call_queue_url")
SETTINGS = Settings.load(*NEEDS)  # at cold start: a missing or malformed variable fails here, named


@observed(logger)
def handler(event: dict, context: LambdaContext) -> dict:
    result = dispatch(Request.parse(event), SETTINGS)
    logger.info("call dispatched", extra={"account_id": result.get("account_id"), "outcome": result.get("outcome")})
    return result
