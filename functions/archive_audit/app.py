"""The contacts table's stream (DynamoDB Streams, NEW_IMAGE), in batches: every new audit entry into the archive."""

from aws_lambda_powertools.utilities.typing import LambdaContext

from escalation.config import Settings
from escalation.logs import make_logger
from escalation.observability import observed
from escalation.service.archive import archive

logger = make_logger()
NEEDS = ("audit_archive_bucket", "default_profile")
SETTINGS = Settings.load(*NEEDS)  # at cold start: a missing or malformed variable fails here, named


@observed(logger)
def handler(event: dict, context: LambdaContext) -> dict:
    return archive(event.get("Records", []), SETTINGS.audit_archive_bucket, SETTINGS.default_profile, logger)
