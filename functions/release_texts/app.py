"""Every minute (EventBridge Scheduler): release up to a minute of the outbox's texts to the senders, SmsPerSecond a second.

The texts go to the send queue with the delays of their send slots (escalation.service.release), so the senders
send each as it becomes visible and never wait. One invocation at a time (reserved concurrency 1).
"""

from aws_lambda_powertools.utilities.typing import LambdaContext

from escalation.config import Settings
from escalation.logs import make_logger
from escalation.observability import observed
from escalation.service.release import release

logger = make_logger()
NEEDS = ("sms_outbox_url", "sms_send_queue_url", "sms_per_second")
SETTINGS = Settings.load(*NEEDS)  # at cold start: a missing or malformed variable fails here, named


@observed(logger)
def handler(event: dict, context: LambdaContext) -> dict:
    result = release(SETTINGS, remaining_ms=context.get_remaining_time_in_millis)
    # The schedule's instant (its Input): how late the invocation started, in the log. A minute with nothing to move
    # (an empty outbox, most of the day) logs at DEBUG only.
    log = logger.info if result["released"] or result["not_posted"] else logger.debug
    log("texts released", extra=result | {"scheduled_time": event.get("scheduled_time")})
    return result
