"""The operators' path (issue 19): a person's command, as the caller AWS authenticated, onto the borrower bus.

OperatorCommandsFunction is reached through its function URL with AWS_IAM authentication, so Lambda has checked the
caller's signature before this runs, and hands over the caller's ARN. That ARN, never a name the caller typed, is
the event's `principal`: who approved, rejected, paused or entered an outcome. The bus lets only this function's
role put `collections.ops` events (BorrowerEventBusDenyOpsSourcePolicy), and the ingest takes the operators' events
from that source alone (escalation.contract.check_source), so a principal on the bus is one this function received.

What each role may do: the sessions of a reviewers' role decide legal reviews; those of an operators' role pause
and resume accounts, enter call and visit outcomes (and a promise made in them), and enrol `ops smoke`'s account.
A command is refused, with the reason and nothing put, when the caller is not a role's session, its role may not
do it, the event breaks the contract, or the account cannot take it (unknown; no review waiting; already approved
by this person).
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from ..aws import dynamo, events_bus, seal
from ..config import Settings
from ..contract import (
    EVENT_MODELS,
    OPS_SOURCE,
    BorrowerEventBase,
    ContractError,
    LegalDecisionEvent,
    Principal,
    as_detail,
    check_source,
    parse_event,
)
from ..domain import legal
from ..domain.model import Account
from .context import profile_of

REVIEWERS_DO = frozenset({"legal_decision"})  # the operators' roles put every other type collections.ops may
CALLER_FIELDS = ("principal", "seal")  # set here, never by the caller


class Refused(Exception):
    """A command this function will not put on the bus: `status` is the HTTP status, the message the reason."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status


@dataclass(frozen=True)
class Accepted:
    event_id: str
    principal: str
    type: str
    account_id: str

    def as_response(self) -> dict[str, Any]:
        return asdict(self)


def caller(user_arn: Any) -> Principal:
    """The authenticated caller as a Principal; a caller that is not a role's session is refused (403)."""
    try:
        return Principal.parse(user_arn)
    except ValueError as exc:
        said = user_arn if isinstance(user_arn, str) and len(user_arn) <= 200 else "(not an ARN)"
        raise Refused(403, f"principal: {said} {exc}; people act through a reviewers' or operators' role session") from None


def authorize(principal: Principal, kind: str, settings: Settings) -> None:
    """Reviewers decide legal reviews; operators do the rest. Raises Refused (403) naming the roles that may."""
    reviewer = kind in REVIEWERS_DO
    allowed, who, what = (
        (settings.reviewer_roles, "reviewers'", "decide legal reviews")
        if reviewer
        else (settings.operator_roles, "operators'", f"put {kind}")
    )
    if principal.role not in allowed:
        roles = ", ".join(sorted(allowed))
        raise Refused(403, f"principal: role {principal.role} may not {what}; only sessions of the {who} roles may ({roles})")


MAX_COMMANDS = 10  # one PutEvents call: an outcome and the promise made in it arrive together, or neither does


def commands(body: Any, principal: Principal, now: datetime, settings: Settings) -> list[Accepted]:
    """Check and put a command (an event detail without its principal), or a list of up to ten, as collections.ops
    in one PutEvents call, in order. Every command is checked before anything is put; raises Refused."""
    try:
        raw = json.loads(body) if isinstance(body, str | bytes) else body
    except ValueError as exc:
        raise Refused(400, f"body: not JSON ({exc})") from None
    items = raw if isinstance(raw, list) else [raw]
    if not 1 <= len(items) <= MAX_COMMANDS:
        raise Refused(400, f"body: expected a command or a list of 1 to {MAX_COMMANDS}")
    events = [_event(item, f"[{n}] " if isinstance(raw, list) else "", principal, now, settings) for n, item in enumerate(items)]
    events_bus.put(settings.borrower_event_bus, OPS_SOURCE, [seal.sealed(as_detail(e), settings.operator_seal_key) for e in events])
    return [Accepted(e.event_id, str(principal), e.type, e.account_id) for e in events]


def _event(raw: Any, where: str, principal: Principal, now: datetime, settings: Settings) -> BorrowerEventBase:
    if not isinstance(raw, dict):
        raise Refused(400, f"{where}body: expected a JSON object: an event's type, account_id and fields")
    for name in CALLER_FIELDS:
        if name in raw:
            raise Refused(400, f"{where}{name}: set from the caller AWS authenticated, never given")
    kind = raw.get("type")
    if not isinstance(kind, str) or kind not in EVENT_MODELS:
        raise Refused(400, f"{where}type: expected one of {', '.join(EVENT_MODELS)}")
    authorize(principal, kind, settings)
    at = raw.get("occurred_at") if settings.clock == "run" and "occurred_at" in raw else now.astimezone(UTC).isoformat()
    detail = raw | {"event_id": event_id(principal, raw.get("event_id")), "occurred_at": at, "principal": str(principal)}
    try:
        event = parse_event(detail)
        check_source(OPS_SOURCE, event)
    except ContractError as exc:
        raise Refused(400, f"{where}{exc}") from None
    if event.type != "new_account":
        _check_account(dynamo.load(event.account_id), event, principal, now)
    return event


def event_id(principal: Principal, given: Any) -> str:
    """The event's id: the caller's own id for the command (a retry sends the same) behind the caller's namespace (a
    digest of its ARN), so that a retried command is one event and no caller can take an id another sender (the core
    system, another person) uses. The caller's ids keep their order (an outcome before the promise made in it)."""
    if not isinstance(given, str) or not given:
        return f"ops-{uuid.uuid4().hex}"
    namespace = hashlib.sha256(str(principal).encode()).hexdigest()[:12]
    return f"ops-{namespace}-{given}"


def _check_account(account: Account | None, event: BorrowerEventBase, principal: Principal, now: datetime) -> None:
    """What the account must be for the command (the ingest checks again when it applies the event). A command the
    account has seen already (a retry) passes: the ingest takes it as the duplicate it is."""
    account_id = event.account_id
    if account is None:
        raise Refused(404, f"account_id: unknown account {account_id!r}")
    if not isinstance(event, LegalDecisionEvent) or event.event_id in account.events_seen:
        return
    if not legal.waiting(account):
        raise Refused(409, f"account_id: no legal review is waiting for a decision on {account_id}")
    if dynamo.legal_token(account_id) is None:  # the review has just opened: the ingest would refuse the decision
        raise Refused(
            409, f"account_id: the review of {account_id} is opening (its workflow has not parked its token yet); try again shortly"
        )
    if legal.approved(account, profile_of(account)):
        raise Refused(409, f"account_id: the review of {account_id} is already approved (the referral waits for a promise to pay)")
    if event.decision == "approve":
        try:  # the domain's own rule: a person counts once, whatever role they approve through
            legal.approve(account, str(principal), now)
        except legal.LegalError as exc:
            raise Refused(409, str(exc)) from None
