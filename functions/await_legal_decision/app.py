"""Legal review: park the task token and notify reviewers (the state waits for the token)."""

from aws_lambda_powertools.utilities.typing import LambdaContext

from escalation.config import SETTINGS
from escalation.logs import make_logger
from escalation.observability import observed
from escalation.service.legal import await_decision

logger = make_logger()


@observed(logger)
def handler(event: dict, context: LambdaContext) -> dict:
    await_decision(event["task_token"], event["review"], SETTINGS)
    return {"waiting": True}
