"""AppConfig's validator of the lender configuration: the functions' own loader, before a version may deploy.

AppConfig invokes it with the version's content (base64) and refuses the deployment when it raises; the
error names the field (escalation.domain.strategy). Nothing is read or written: the document is all it sees.
"""

import base64

from aws_lambda_powertools.utilities.typing import LambdaContext

from escalation.domain.strategy import Configuration
from escalation.logs import make_logger
from escalation.observability import observed

logger = make_logger()


@observed(logger)
def handler(event: dict, context: LambdaContext) -> dict:
    configuration = Configuration.from_json(base64.b64decode(event["content"]))  # ConfigurationError: refused, named
    policies = sorted(configuration.policies)
    logger.info("lender configuration valid", extra={"version": configuration.version, "policies": policies})
    return {"valid": True, "version": configuration.version, "policies": policies}
