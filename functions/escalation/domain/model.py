"""Domain model: an overdue account, what the ladder decided for it, and what was done.

Plain Python (no boto3): the store converts to and from these at its boundary.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any


class Status(StrEnum):
    ACTIVE = "active"
    PAID = "paid"
    HOLD = "hold"
    PROMISE = "promise"
    LEGAL = "legal"
    CLOSED = "closed"


class Stage(StrEnum):
    PRE_DUE = "pre_due"
    EARLY = "early"
    FOLLOW_UP = "follow_up"
    FIELD = "field"
    LEGAL = "legal"


STAGE_ORDER = list(Stage)


class Action(StrEnum):
    SMS = "sms"
    CALL = "call"
    VISIT = "visit"
    LEGAL_REVIEW = "legal_review"
    LEGAL_REFERRAL = "legal_referral"


class LegalState(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"  # a reviewer said no
    EXPIRED = "expired"  # nobody decided within the review period
    WITHDRAWN = "withdrawn"  # the account stopped qualifying (paid, hold) while the review waited


# Statuses in which the daily run may contact the borrower at all.
CONTACTABLE = frozenset({Status.ACTIVE, Status.PROMISE, Status.PAID})


@dataclass(frozen=True)
class RecentContact:
    """One action done on a local date; kept on the account for frequency caps."""

    day: date
    action: Action
    reached: bool = False


@dataclass(frozen=True)
class Account:
    account_id: str
    phone: str
    balance: Decimal
    currency: str
    due_date: date
    profile: str = "CN"
    timezone: str | None = None
    locale: str | None = None
    fees: Decimal = Decimal("0")
    product: str = "default"
    sms_consent: bool = True
    emergency_contacts: tuple[str, ...] = ()
    status: Status = Status.ACTIVE
    stage: Stage = Stage.PRE_DUE
    opted_out: frozenset[str] = frozenset()
    # Holds in force: reason -> last day of the hold (inclusive), or None until it is lifted.
    holds: dict[str, date | None] = field(default_factory=dict)
    promised_date: date | None = None
    promised_amount: Decimal | None = None
    confirmation_due: bool = False
    broken_promises: int = 0
    # Ladder progress: the last local date each rule fired (rule name -> date).
    last_fired: dict[str, date] = field(default_factory=dict)
    recent: tuple[RecentContact, ...] = ()
    failed_call_attempts: int = 0
    last_reached: date | None = None
    refusals: int = 0
    visits_attempted: int = 0
    legal_state: LegalState | None = None
    legal_decided_on: date | None = None
    event_seq: int = 0
    # Side effects claimed for this account: idempotency key -> "claimed" | "done".
    claims: dict[str, str] = field(default_factory=dict)
    # Borrower events already applied: event id -> when it happened (ISO); and the instant
    # of the ledger figures in force, so an older balance never overwrites a newer one.
    events_seen: dict[str, str] = field(default_factory=dict)
    balance_as_of: datetime | None = None

    @property
    def amount_due(self) -> Decimal:
        return self.balance + self.fees

    @property
    def hold_reason(self) -> str | None:
        """The holds in force, for people: "dispute", "attorney+bankruptcy", or None."""
        return "+".join(sorted(self.holds)) or None

    def with_changes(self, **changes: object) -> Account:
        return replace(self, **changes)  # type: ignore[arg-type]


# Slotted: a run builds one or more per account, and a slotted frozen instance is quicker to
# make (no __dict__). Nothing adds attributes to a Decision or reads its __dict__.
@dataclass(frozen=True, slots=True)
class Decision:
    """One thing the ladder decided for an account in a run: an action, or a skip with its reason."""

    account_id: str
    action: Action | None
    rule: str
    stage: Stage
    reason: str
    local_day: date

    @property
    def key(self) -> str:
        """Idempotency key: at most one of these per account, local day, action and rule."""
        return f"{self.local_day.isoformat()}#{self.action}#{self.rule}"


@dataclass(frozen=True)
class Contact:
    """A dispatched action, as the audit trail records it."""

    account_id: str
    action: Action
    stage: Stage
    purpose: str
    at: datetime
    local_time: datetime
    key: str
    run_id: str
    policy_version: str
    profile: str
    to: str | None = None
    text: str | None = None
    provider_id: str | None = None
    decided_by: str | None = None  # legal referral: the reviewer who approved it


def account_from(raw: dict[str, Any], default_profile: str) -> Account:
    """A new account from its scenario/enrolment form (already validated)."""
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
