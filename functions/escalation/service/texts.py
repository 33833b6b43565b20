"""The text of an SMS to one borrower: the template of its rule, in their language, from their lender's identity."""

from __future__ import annotations

from datetime import date

from ..config import Settings
from ..domain.messages import message_context, render_sms
from ..domain.model import Account
from .context import profile_of


def render_text(account: Account, rule: str, today: date, settings: Settings) -> str:
    """The SMS of `rule` for this account on its local day `today`."""
    profile = profile_of(account)
    ctx = message_context(account, rule, today, profile)
    sender = settings.senders.sender_for_locale(profile.code, account.product, ctx.locale)
    return render_sms(ctx, sender)
