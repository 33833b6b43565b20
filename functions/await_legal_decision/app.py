"""Legal review: park the task token and notify reviewers (the state waits for the token)."""

from aws_lambda_powertools.utilities.typing import LambdaContext

from escalation.config import Settings
from escalation.logs import make_logger
from escalation.observability import observed
from escalation.service.legal import await_decision

logger = make_logger()
NEEDS = ("reviewer_topic_arn",)
SETTINGS = Settings.load(*NEEDS)  # at cold start: a missing or malformed variable fails here, named


@observed(logger)
def handler(event: dict, context: LambdaContext) -> dict:
    await_decision(event["task_token"], event["review"], SETTINGS)
    return {"waiting": True}
