"""Queue one field visit the ladder decided on (claim, SQS, record)."""

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from escalation.config import SETTINGS
from escalation.service.dispatch import Request, dispatch

logger = Logger()


@logger.inject_lambda_context
def handler(event: dict, context: LambdaContext) -> dict:
    return dispatch(Request.parse(event), SETTINGS)
