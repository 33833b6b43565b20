"""Legal review: park the task token and notify reviewers (the state waits for the token)."""

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from escalation.config import SETTINGS
from escalation.service.legal import await_decision

logger = Logger()


@logger.inject_lambda_context
def handler(event: dict, context: LambdaContext) -> dict:
    await_decision(event["task_token"], event["review"], SETTINGS)
    return {"waiting": True}
