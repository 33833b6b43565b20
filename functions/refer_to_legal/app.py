"""Legal review approved: hand the referral to the legal partner and record it."""

from aws_lambda_powertools.utilities.typing import LambdaContext

from escalation.config import Settings
from escalation.logs import make_logger
from escalation.observability import observed
from escalation.service import configuration
from escalation.service.referral import refer

logger = make_logger()
NEEDS = ("legal_referral_queue_url", "lender_config")
SETTINGS = Settings.load(*NEEDS)  # at cold start: a missing or malformed variable fails here, named


@observed(logger)
def handler(event: dict, context: LambdaContext) -> dict:
    return refer(event, event["decision"], SETTINGS, configuration.deployed(SETTINGS))
