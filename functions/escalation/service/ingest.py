"""Applying one borrower event to the store: the account changes and moves in the due index."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from ..aws import dynamo, legal_workflow
from ..domain.events import EventError, apply_event
from ..domain.ladder import next_check
from ..domain.model import Account
from ..domain.windows import as_utc
from .context import context_for


def account_from(raw: dict[str, Any], default_profile: str) -> Account:
    """A new account from its scenario/enrolment form (already validated)."""
    from datetime import date

    return Account(
        account_id=raw["account_id"],
        phone=raw["phone"],
        balance=Decimal(str(raw["balance"])),
        fees=Decimal(str(raw.get("fees", "0"))),
        currency=raw["currency"],
        due_date=date.fromisoformat(raw["due_date"]),
        profile=raw.get("profile") or default_profile,
        timezone=raw.get("timezone"),
        locale=raw.get("locale"),
        product=raw.get("product", "default"),
        sms_consent=bool(raw.get("sms_consent", True)),
        emergency_contacts=tuple(raw.get("emergency_contacts", ())),
    )


def enroll(account: Account, now: datetime) -> bool:
    ctx = context_for(account, now)
    return dynamo.enroll(account, next_check(account, ctx, ctx.today))


def ingest(event: dict[str, Any], now: datetime) -> str:
    """Apply the event; returns what happened. Raises EventError (nothing written) when it cannot apply."""
    if event["type"] == "legal_decision":
        token = dynamo.legal_token(event["account_id"])
        if token is None:
            raise EventError("account_id: no legal review is waiting for a decision")
        legal_workflow.decide(token, event["decision"], event.get("reviewer", "reviewer"), now.isoformat())
        return f"legal decision {event['decision']} handed to the review workflow"
    account = dynamo.load(event["account_id"])
    if account is None:
        raise EventError(f"account_id: unknown account {event['account_id']!r}")
    ctx = context_for(account, now)
    outcome = apply_event(account, event, ctx.today)
    dynamo.save_event_fields(outcome.account, account.event_seq, next_check(outcome.account, ctx, ctx.today))
    return outcome.note


__all__ = ["account_from", "as_utc", "enroll", "ingest"]
