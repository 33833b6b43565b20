"""Request a legal review: start the legal-review state machine for the account."""

from aws_lambda_powertools.utilities.typing import LambdaContext

from escalation.config import Settings
from escalation.logs import make_logger
from escalation.observability import observed
from escalation.service.dispatch import Request, dispatch

logger = make_logger()
NEEDS = ("manifest_bucket", "legal_review_state_machine_arn")
SETTINGS = Settings.load(*NEEDS)  # at cold start: a missing or malformed variable fails here, named


@observed(logger)
def handler(event: dict, context: LambdaContext) -> dict:
    return dispatch(Request.parse(event), SETTINGS)
