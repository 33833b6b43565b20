"""Summarize a run: aggregate the batch summaries into the run report."""

from aws_lambda_powertools.utilities.typing import LambdaContext

from escalation.config import Settings
from escalation.logs import make_logger
from escalation.observability import observed
from escalation.service.runs import summarize

logger = make_logger()
NEEDS = ("manifest_bucket",)
SETTINGS = Settings.load(*NEEDS)  # at cold start: a missing or malformed variable fails here, named


@observed(logger)
def handler(event: dict, context: LambdaContext) -> dict:
    return summarize(event["run_id"], event["as_of"], int(event["due"]), SETTINGS)
