"""Assess one batch of due accounts: one decision per action, or a skip with its reasons."""

from aws_lambda_powertools.utilities.typing import LambdaContext

from escalation.config import Settings
from escalation.logs import make_logger
from escalation.observability import observed
from escalation.service.runs import assess

logger = make_logger()
NEEDS = ("manifest_bucket", "sms_outbox_url", "call_queue_url", "visit_queue_url", "legal_review_state_machine_arn")
SETTINGS = Settings.load(*NEEDS)  # at cold start: a missing or malformed variable fails here, named


@observed(logger)
def handler(event: dict, context: LambdaContext) -> dict:
    return assess(event["run_id"], event["as_of"], int(event["batch"]), list(event["account_ids"]), SETTINGS)
