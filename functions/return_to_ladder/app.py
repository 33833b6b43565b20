"""Legal review rejected, expired or withdrawn: the account goes back to the ladder."""

import json

from aws_lambda_powertools.utilities.typing import LambdaContext

from escalation.config import Settings
from escalation.logs import make_logger
from escalation.observability import observed
from escalation.service import configuration
from escalation.service.legal import return_to_ladder

logger = make_logger()
NEEDS = ("lender_config",)
SETTINGS = Settings.load(*NEEDS)  # at cold start: a missing or malformed variable fails here, named


@observed(logger)
def handler(event: dict, context: LambdaContext) -> dict:
    decided_at = (event.get("decision") or {}).get("decided_at") or _ended_at(event.get("error") or {})
    return return_to_ladder(event, event.get("reason", "rejected"), decided_at, configuration.deployed(SETTINGS))


def _ended_at(error: dict) -> str | None:
    """When the daily run expired or withdrew the review (its Cause is JSON); None for Step Functions' own timeouts."""
    try:
        return json.loads(error.get("Cause") or "").get("at")
    except (ValueError, AttributeError):
        return None
