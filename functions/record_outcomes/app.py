"""Record the calls and visits one batch queued, and what happened to each of its decisions (sent, skipped, duplicate,
recovered, failed)."""

from aws_lambda_powertools.utilities.typing import LambdaContext

from escalation.config import Settings
from escalation.logs import make_logger
from escalation.observability import observed
from escalation.service.runs import record_outcomes

logger = make_logger()
NEEDS = ("manifest_bucket",)
SETTINGS = Settings.load(*NEEDS)  # at cold start: a missing or malformed variable fails here, named


@observed(logger)
def handler(event: dict, context: LambdaContext) -> dict:
    # "settled": what the assessment already knew of a call or visit (a duplicate, a claim refused); "outcomes": the branches'.
    outcomes = list(event.get("outcomes") or []) + list(event.get("settled") or [])
    return record_outcomes(event["run_id"], int(event["batch"]), outcomes, SETTINGS)
