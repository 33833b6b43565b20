"""Plan a daily run: query the due index, write the manifest of batches to S3."""

from aws_lambda_powertools.utilities.typing import LambdaContext

from escalation.config import Settings
from escalation.logs import make_logger
from escalation.observability import observed
from escalation.service.runs import plan

logger = make_logger()
NEEDS = ("manifest_bucket", "batch_size", "lender_config")
SETTINGS = Settings.load(*NEEDS)  # at cold start: a missing or malformed variable fails here, named


@observed(logger)
def handler(event: dict, context: LambdaContext) -> dict:
    return plan(event["run_id"], event["as_of"], SETTINGS)
