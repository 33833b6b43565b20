"""The side effects a Lambda does itself: publish an SMS, start a legal review (calls and visits are queued by the
daily run's own SQS Tasks: escalation.service.queued).

Each act is called after its claim (escalation.service.dispatch) and returns what was done for the
audit record (escalation.service.audit).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from ..aws import legal_workflow, sms
from ..config import Settings
from ..domain.model import Account, Action, ContactKey, Stage
from ..domain.strategy import Configuration
from .audit import Done
from .texts import render_text

Act = Callable[[Account, ContactKey, Stage, str, datetime, Settings, Configuration], Done]


def send_sms(
    account: Account, key: ContactKey, stage: Stage, run_id: str, now: datetime, settings: Settings, config: Configuration
) -> Done:
    text = render_text(account, config.policy_for(account).text_template(key.rule), key.day, config.senders)
    message_id = sms.send_sms(account.phone, text, str(key))
    return Done(to=account.phone, text=text, provider_id=message_id)


def start_legal_review(
    account: Account, key: ContactKey, stage: Stage, run_id: str, now: datetime, settings: Settings, config: Configuration
) -> Done:
    """Start the account's review workflow; named after the key, so starting it again is a no-op."""
    payload = {
        "account_id": account.account_id,
        "key": str(key),
        "run_id": run_id,
        "requested_at": now.isoformat(),
        "amount_due": str(account.amount_due),
        "currency": account.currency,
    }
    return Done(provider_id=legal_workflow.start_review(settings.legal_review_state_machine_arn, account.account_id, str(key), payload))


ACTS: dict[Action, Act] = {
    Action.SMS: send_sms,
    Action.LEGAL_REVIEW: start_legal_review,
}
