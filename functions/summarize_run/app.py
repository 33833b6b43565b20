"""Summarize a run: aggregate the batch summaries into the run report."""

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from escalation.config import SETTINGS
from escalation.service.runs import summarize

logger = Logger()


@logger.inject_lambda_context
def handler(event: dict, context: LambdaContext) -> dict:
    return summarize(event["run_id"], event["as_of"], int(event["due"]), SETTINGS)
