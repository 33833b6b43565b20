"""The daily run's first step: copy the SMS provider's opted-out list into the numbers' suppression records."""

from aws_lambda_powertools.utilities.typing import LambdaContext

from escalation.domain.windows import as_utc
from escalation.logs import make_logger
from escalation.observability import observed
from escalation.service.optouts import sync

logger = make_logger()


@observed(logger)
def handler(event: dict, context: LambdaContext) -> dict:
    return sync(as_utc(event["as_of"]).date())
