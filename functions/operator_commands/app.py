"""The operators' commands, reached through a function URL with AWS_IAM auth: the caller as AWS authenticated it.

Lambda checks the request's SigV4 signature and the caller's lambda:InvokeFunctionUrl permission before this
runs, and passes the caller's ARN in requestContext.authorizer.iam. escalation.service.operator_commands decides
whether that caller may do the command and puts it on the borrower bus as collections.ops.
"""

import json
from datetime import UTC, datetime

from aws_lambda_powertools.utilities.data_classes import LambdaFunctionUrlEvent
from aws_lambda_powertools.utilities.typing import LambdaContext

from escalation.config import Settings
from escalation.logs import make_logger
from escalation.observability import observed
from escalation.service.operator_commands import Refused, caller, commands

logger = make_logger()
NEEDS = ("borrower_event_bus", "operator_seal_key", "reviewer_roles", "operator_roles")
SETTINGS = Settings.load(*NEEDS)  # at cold start: a missing or malformed variable fails here, named


def _answer(status: int, body: dict) -> dict:
    return {"statusCode": status, "headers": {"content-type": "application/json"}, "body": json.dumps(body, ensure_ascii=False)}


@observed(logger)
def handler(event: dict, context: LambdaContext) -> dict:
    request = LambdaFunctionUrlEvent(event)
    user_arn = request.request_context.authorizer.iam.user_arn or None  # empty unless the URL's auth is AWS_IAM
    try:
        if request.request_context.http.method != "POST":
            raise Refused(405, "method: POST a command as JSON")
        principal = caller(user_arn)
        accepted = commands(request.decoded_body, principal, datetime.now(UTC), SETTINGS)
    except Refused as refused:
        # The reason names fields, roles and the caller (a staff identity); never a borrower's data.
        logger.warning("command refused", extra={"status": refused.status, "reason": str(refused), "caller": user_arn})
        return _answer(refused.status, {"status": "refused", "reason": str(refused)})
    for one in accepted:
        logger.info("command accepted", extra={"event_id": one.event_id, "type": one.type, "principal": one.principal})
    return _answer(202, {"status": "accepted", "events": [one.as_response() for one in accepted]})
