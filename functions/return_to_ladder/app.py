"""Legal review rejected or timed out: the account goes back to the ladder."""

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from escalation.service.legal import return_to_ladder

logger = Logger()


@logger.inject_lambda_context
def handler(event: dict, context: LambdaContext) -> dict:
    decision = event.get("decision") or {}
    return return_to_ladder(event, event.get("reason", "rejected"), decision.get("decided_at"))
