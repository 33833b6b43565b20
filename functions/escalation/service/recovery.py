"""Finishing side effects whose attempt crashed between acting and recording (a claim left "claimed").

Whether such an attempt acted is unknown, so the act is not repeated (at most one contact per key):
its audit record is written marked unconfirmed — the record to reconcile against the provider's own
log — and the ladder moves on. Starting a legal review is idempotent by execution name, so that one
is simply done again. Runs where a claim is found taken: a retry of the same dispatch, or the next
day's assessment of the account (escalation.service.runs).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from ..config import Settings
from ..domain.model import Account, Action, ContactKey
from ..domain.strategy import Configuration
from .acts import start_legal_review
from .audit import Done, record_contact
from .clock import contact_time
from .texts import render_text

UNCONFIRMED = "unconfirmed"


def recover(account: Account, key: str, run_id: str, settings: Settings, config: Configuration, as_of: str | None = None) -> dict[str, Any]:
    """Record the crashed attempt's contact as unconfirmed (or start its legal review again)."""
    contact_key = ContactKey.parse(key)
    stage = next((r.stage for r in config.policy_for(account).rules if r.name == contact_key.rule), account.stage)
    now = contact_time(as_of or datetime.now(UTC).isoformat(), settings)
    if contact_key.action is Action.LEGAL_REVIEW:
        done = start_legal_review(account, contact_key, stage, run_id, now, settings, config)
    else:
        phone = account.phone if contact_key.action in (Action.SMS, Action.CALL) else None
        template = config.policy_for(account).text_template(contact_key.rule)
        text = render_text(account, template, contact_key.day, config.senders) if contact_key.action is Action.SMS else None
        done = Done(to=phone, text=text, provider_id=UNCONFIRMED)
    return record_contact(account, contact_key, stage, run_id, now, done, config) | {"outcome": "recovered"}


def stale_claims(account: Account, today: date) -> list[str]:
    """Claims left "claimed" on a local day before `today`: their attempt is over, and crashed."""
    return [k for k, state in account.claims.items() if state == "claimed" and k[:10] < today.isoformat()]


def recover_stale_claims(account: Account, today: date, run_id: str, settings: Settings, config: Configuration, as_of: str) -> int:
    """Recover the account's stale claims; how many there were (reload the account if any)."""
    stale = stale_claims(account, today)
    for key in stale:
        recover(account, key, run_id, settings, config, as_of=as_of)
    return len(stale)
