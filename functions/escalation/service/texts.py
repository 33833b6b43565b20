"""The text of an SMS to one borrower: the template of its rule, in their language, from their lender's identity."""

from __future__ import annotations

from datetime import date

from ..domain.messages import message_context, render_sms
from ..domain.model import Account
from ..domain.sender import Senders
from .context import profile_of


def render_text(account: Account, template: str, today: date, senders: Senders | None) -> str:
    """The SMS `template` (escalation.domain.policy.Rule.text_template) for this account on its local day `today`."""
    profile = profile_of(account)
    ctx = message_context(account, template, today, profile)
    if senders is None:
        raise ValueError("the lender configuration has no sender identities: no text can be sent")
    sender = senders.sender_for_locale(profile.code, account.product, ctx.locale)
    return render_sms(ctx, sender)
