"""Legal review approved: hand the referral to the legal partner and record it."""

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from escalation.config import SETTINGS
from escalation.service.legal import refer

logger = Logger()


@logger.inject_lambda_context
def handler(event: dict, context: LambdaContext) -> dict:
    return refer(event, event["decision"], SETTINGS)
