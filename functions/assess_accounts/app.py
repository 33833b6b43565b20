"""Assess one batch of due accounts: one decision per action, or a skip with its reasons."""

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from escalation.config import SETTINGS
from escalation.service.runs import assess

logger = Logger()


@logger.inject_lambda_context
def handler(event: dict, context: LambdaContext) -> dict:
    return assess(event["run_id"], event["as_of"], int(event["batch"]), list(event["account_ids"]), SETTINGS)
