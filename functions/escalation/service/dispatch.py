"""Side effects of a decision: claim, act, record — the same three steps for every action.

1. claim: a conditional write on the account that also re-checks it: refused if any
   borrower event landed since the assessment (event_seq moved) or the action is
   already claimed. A stale read therefore never sends. The number's suppression
   record is read right after, and the ladder decided again with both, at send time.
2. act: publish the SMS, queue the call or visit, start the legal review.
3. record: append the contact to the audit log and mark the claim done, atomically
   (escalation.service.audit), and move the account in the due index.

A send that certainly failed releases its claim so a retry may send. A claim found taken
but not done belongs to an attempt that crashed: escalation.service.recovery finishes it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..aws import dynamo, numbers, sms
from ..aws.clients import certainly_not_done, transient_as_retryable
from ..config import Settings
from ..domain.ladder import decide
from ..domain.model import CONTACTABLE, Account, Action, ContactKey, Stage, Status
from ..domain.numbers import ClosedBecause
from ..domain.strategy import Configuration
from ..observability import count, count_by
from . import configuration
from .acts import ACTS
from .audit import Done, record_contact
from .clock import contact_time
from .context import context_for
from .recovery import recover


@dataclass(frozen=True)
class Request:
    """A decision as the daily run's Map hands it to a dispatch state."""

    account_id: str
    action: Action
    rule: str
    stage: Stage
    key: str
    event_seq: int
    run_id: str
    as_of: str

    @classmethod
    def parse(cls, raw: dict[str, Any]) -> Request:
        missing = [f for f in ("account_id", "action", "rule", "stage", "key", "event_seq", "run_id", "as_of") if f not in raw]
        if missing:
            raise ValueError(f"dispatch request: missing field(s) {', '.join(missing)}")
        return cls(
            account_id=str(raw["account_id"]),
            action=Action(raw["action"]),
            rule=str(raw["rule"]),
            stage=Stage(raw["stage"]),
            key=str(raw["key"]),
            event_seq=int(raw["event_seq"]),
            run_id=str(raw["run_id"]),
            as_of=str(raw["as_of"]),
        )

    @property
    def contact_key(self) -> ContactKey:
        return ContactKey.parse(self.key)


@transient_as_retryable
def dispatch(request: Request, settings: Settings) -> dict[str, Any]:
    config = configuration.for_run(request.run_id, settings.manifest_bucket)  # the run's own version
    # Claim first: the conditional write returns the account, so the usual path reads only the number's record.
    account = claim_or_outcome(request, settings, config)
    if isinstance(account, dict):
        return account
    # The number's record as it is now: a channel closed since the assessment (by another account's event) stops a
    # text or call, and a wrong number is what makes a visit or a legal review due.
    account = numbers.attach_one(account)
    now = contact_time(request.as_of, settings)
    if (reason := not_due_reason(request, account, now, config)) is not None:
        dynamo.release(request.account_id, request.key)
        return skipped(request, reason)
    done = act(request, account, now, settings, config)
    if isinstance(done, dict):
        return done
    # From here the side effect has happened: a failure leaves the claim for recovery.
    return record_contact(account, request.contact_key, request.stage, request.run_id, now, done, config)


def claim_or_outcome(request: Request, settings: Settings, config: Configuration, recover_claimed: bool = True) -> Account | dict[str, Any]:
    """Claim the request's key: the account as the claim found it, or the outcome when the claim was refused
    (a duplicate, a crashed attempt's claim recorded as unconfirmed, an account changed or unknown).

    `recover_claimed=False` leaves a claim found "claimed" alone (a duplicate, in flight): for a claim that may
    still be followed by its send and record today; a later day's assessment recovers it if it never is."""
    allowed = CONTACTABLE if request.action is Action.SMS else {Status.ACTIVE}
    try:
        return dynamo.claim(request.account_id, request.key, request.event_seq, allowed)
    except dynamo.ClaimLost as lost:
        return claim_found(request, lost.account, lost.state, settings, config, recover_claimed)
    except dynamo.UnknownAccount:
        return skipped(request, "unknown_account")
    except dynamo.AccountChanged:
        return skipped(request, "changed_since_assessment")


def claim_found(
    request: Request, account: Account, state: str, settings: Settings, config: Configuration, recover_claimed: bool = True
) -> dict[str, Any]:
    """The outcome when the request's key is claimed already: a duplicate ("done", or in flight), or an attempt that
    crashed after claiming, recorded as unconfirmed (escalation.service.recovery)."""
    if state == "done" or not recover_claimed:
        return {"account_id": request.account_id, "outcome": "duplicate", "key": request.key}
    return recover(account, request.key, request.run_id, settings, config, as_of=request.as_of)


def not_due_reason(request: Request, account: Account, now: datetime, config: Configuration) -> str | None:
    """Why the ladder, decided again with the account as it is now, no longer makes this contact; None if it does."""
    mine = [d for d in decide(account, context_for(account, now, config)) if d.rule == request.rule]
    if any(d.action is not None and d.key == request.key for d in mine):
        return None
    # Still the same account, but not now: the window closed, a cap filled, the number was closed.
    return next((d.reason for d in mine if d.action is None), "not_due_at_send_time")


def act(request: Request, account: Account, now: datetime, settings: Settings, config: Configuration) -> Done | dict[str, Any]:
    """Do the claimed side effect: what was done, or the outcome when the provider refused an opted-out number.

    Raises when it failed; the claim is given back first if the failure certainly sent nothing."""
    try:
        return ACTS[request.action](account, request.contact_key, request.stage, request.run_id, now, settings, config)
    except sms.SmsOptedOut:
        # The provider refused: the number opted out (replied STOP). Closed for every account that carries it.
        dynamo.release(request.account_id, request.key)
        numbers.close_channel(account.phone, "sms", ClosedBecause.OPTED_OUT, context_for(account, now, config).today, "provider")
        return skipped(request, "opted_out_at_provider")
    except Exception as exc:
        if isinstance(exc, sms.SmsThrottled | sms.SmsFailed):
            count(type(exc).__name__)  # SmsThrottled / SmsFailed: the alarms watch these
        if certainly_not_done(exc):
            # The provider answered with a refusal (throttled, invalid...): nothing was sent, a retry may send.
            dynamo.release(request.account_id, request.key)
        # Anything else (a timeout, a crash) may have happened after the provider accepted: the claim
        # stays, and the retry or the next run records it as unconfirmed instead of sending again.
        raise


def skipped(request: Request, reason: str) -> dict[str, Any]:
    return {"account_id": request.account_id, "outcome": "skipped", "reason": reason}


def count_dispatches(outcomes: Iterable[Any]) -> None:
    """Metrics of dispatch results: DispatchOutcomes by outcome, Contacts (sent or recovered) by action and profile."""
    results = [o for o in outcomes if isinstance(o, dict)]
    count_by("DispatchOutcomes", Counter((str(o.get("outcome", "unknown")),) for o in results), ("outcome",))
    done = (o for o in results if o.get("outcome") in ("sent", "recovered"))
    count_by("Contacts", Counter((str(o.get("action")), str(o.get("profile"))) for o in done), ("action", "profile"))
