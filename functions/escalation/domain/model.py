"""Domain model: an overdue account, what the ladder decided for it, and what was done.

Plain Python (no boto3): the store converts to and from these at its boundary.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from .numbers import NumberStatus


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
_STAGE_RANK = {stage: rank for rank, stage in enumerate(STAGE_ORDER)}


def furthest(*stages: Stage) -> Stage:
    """The furthest of the stages on the ladder: an account's stage never goes back."""
    return max(stages, key=_STAGE_RANK.__getitem__)


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
    WITHDRAWN = "withdrawn"  # the account stopped qualifying (paid, hold, below the threshold, promise kept)


# Rules outside the ladder, fired by the account's state rather than by its days: the payment
# confirmation and the reminder the day before a promised date. They do not move the account's stage,
# and no policy may define a rule of these names.
CONFIRMATION, PROMISE_REMINDER, HELP = "confirmation", "promise_reminder", "help"  # help: the answer to a HELP reply
STATE_RULES = frozenset({CONFIRMATION, PROMISE_REMINDER, HELP})

# Statuses in which the daily run may contact the borrower at all.
CONTACTABLE = frozenset({Status.ACTIVE, Status.PROMISE, Status.PAID})


@dataclass(frozen=True, slots=True, order=True)
class ContactKey:
    """What makes a contact unique: at most one per account, borrower's local day, action and rule.

    Its text form "<day>#<action>#<rule>" is the idempotency key of the side effect (the claim on the
    account) and the sort key of its audit record.
    """

    day: date
    action: Action
    rule: str

    def __str__(self) -> str:
        return f"{self.day.isoformat()}#{self.action.value}#{self.rule}"

    @classmethod
    def parse(cls, text: str) -> ContactKey:
        day, action, rule = text.split("#", 2)
        return cls(date.fromisoformat(day), Action(action), rule)


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
    segment: str | None = None
    # The strategy's assignment (escalation.domain.strategy), recorded at enrolment and kept for the life of the
    # delinquency: the policy followed and, in an experiment, the arm. None: enrolled before strategies.
    policy: str | None = None
    arm: str | None = None
    experiment: str | None = None
    sms_consent: bool = True
    emergency_contacts: tuple[str, ...] = ()
    # The borrower's postal address as the lender enrolled it (escalation.contract.Address: line1, country, ...),
    # for field visits; None when the lender gave none.
    address: dict[str, str] | None = None
    status: Status = Status.ACTIVE
    stage: Stage = Stage.PRE_DUE  # the furthest stage reached
    # Channels the borrower withdrew consent for on this account. Opt-outs of SMS and calls also close the
    # channel on the number (`number`), which is what the ladder reads; "all" also stops field visits.
    opted_out: frozenset[str] = frozenset()
    # The suppression record of the account's phone number: channels closed for every account that carries it.
    number: NumberStatus = field(default_factory=NumberStatus)
    # Holds in force: reason -> last day of the hold (inclusive), or None until it is lifted.
    holds: dict[str, date | None] = field(default_factory=dict)
    promised_date: date | None = None
    promised_amount: Decimal | None = None
    promise_made_on: date | None = None  # the borrower's local day the promise was made
    promise_paid: Decimal = Decimal("0")  # paid since the promise was made
    confirmation_due: bool = False
    help_requested: bool = False  # the borrower replied HELP: the help text goes at the next chance, once a day at most
    broken_promises: int = 0
    kept_promises: int = 0
    # A repayment plan in force (escalation.domain.plans): installment date -> amount, in date order. While it
    # runs, the promise fields above hold its next installment.
    plan: dict[date, Decimal] = field(default_factory=dict)
    kept_plans: int = 0
    broken_plans: int = 0
    # Ladder progress: the last local date each rule fired (rule name -> date).
    last_fired: dict[str, date] = field(default_factory=dict)
    # Contacts recorded in the last days (for the caps): one key per contact, whatever rule or run made it.
    recent: tuple[ContactKey, ...] = ()
    # Dial attempts agents reported (call outcomes) and conversations, per local day (the last days only).
    dials: dict[date, int] = field(default_factory=dict)
    conversations: dict[date, int] = field(default_factory=dict)
    # Call tasks queued and not yet answered by an outcome: contact key -> when the task expires.
    open_calls: dict[str, datetime] = field(default_factory=dict)
    failed_call_attempts: int = 0
    last_reached: date | None = None
    refusals: int = 0
    visits_attempted: int = 0
    legal_state: LegalState | None = None
    legal_decided_on: date | None = None
    # Approvals of the waiting legal review: reviewer -> when (ISO instant). A complete approval waits here
    # while a promise is in force, and is handed to the review workflow when the promise is broken.
    legal_approvals: dict[str, str] = field(default_factory=dict)
    legal_note: str | None = None  # why the last review ended as it did, for people
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


class SkipReason(StrEnum):
    """Why the ladder contacts nobody (or not by one channel) on an assessment: one name per reason."""

    OUTSIDE_WINDOW = "outside_window"
    SMS_DAILY_CAP = "sms_daily_cap"
    SMS_WEEKLY_CAP = "sms_weekly_cap"
    CALL_DAILY_CAP = "call_daily_cap"
    CALLS_7_IN_7 = "calls_7_in_7"
    CONVERSATIONS_DAILY_CAP = "conversations_daily_cap"
    POST_CONVERSATION_PAUSE = "post_conversation_pause"
    ONE_PER_CHANNEL = "one_per_channel_per_day"
    THIRD_PARTY_NUMBER = "third_party_number"
    NO_SMS_CONSENT = "no_sms_consent"
    OPTED_OUT_SMS = "opted_out_sms"
    OPTED_OUT_CALL = "opted_out_call"
    OPTED_OUT_VISIT = "opted_out_visit"
    WRONG_NUMBER_SMS = "wrong_number_sms"
    WRONG_NUMBER_CALL = "wrong_number_call"
    FAILING_NUMBER_SMS = "failing_number_sms"
    FAILING_NUMBER_CALL = "failing_number_call"
    PROMISE_IN_FORCE = "promise_in_force"
    NOTHING_OWED = "nothing_owed"
    STATUS_HOLD = "status_hold"
    STATUS_LEGAL = "status_legal"
    STATUS_CLOSED = "status_closed"
    HOLD_DISPUTE = "hold_dispute"
    HOLD_CEASE_CONTACT = "hold_cease_contact"
    HOLD_ATTORNEY = "hold_attorney"
    HOLD_BANKRUPTCY = "hold_bankruptcy"
    HOLD_DECEASED = "hold_deceased"
    HOLD_BREATHING_SPACE = "hold_breathing_space"
    HOLD_HARDSHIP = "hold_hardship"
    HOLD_PAUSED = "hold_paused"

    @classmethod
    def hold(cls, reason: str) -> SkipReason:
        return cls(f"hold_{reason}")

    @classmethod
    def status(cls, status: Status) -> SkipReason:
        return cls(f"status_{status.value}")

    @classmethod
    def closed(cls, action: Action, why: str) -> SkipReason:
        """A channel closed for the number: opted_out, wrong_number or failing_number."""
        return cls(f"{why}_{action.value}")


# Slotted: a run builds one or more per account, and a slotted frozen instance is quicker to
# make (no __dict__). Nothing adds attributes to a Decision or reads its __dict__.
@dataclass(frozen=True, slots=True)
class Decision:
    """One thing the ladder decided for an account in a run: an action, or a skip with its reason."""

    account_id: str
    action: Action | None
    rule: str
    stage: Stage
    reason: str  # "due" for an action, else a SkipReason
    local_day: date

    @property
    def contact_key(self) -> ContactKey:
        assert self.action is not None, "a skip has no contact key"
        return ContactKey(self.local_day, self.action, self.rule)

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
    policy: str | None = None  # the policy's name (policy_version: name@fingerprint, with the profile overrides)
    arm: str | None = None  # champion, challenger or "-"
    to: str | None = None
    text: str | None = None
    provider_id: str | None = None
    decided_by: str | None = None  # legal referral: the reviewer(s) who approved it
    expires_at: datetime | None = None  # call and visit tasks: the instant after which the task may not be worked
    parts: int | None = None  # SMS: the message parts the provider bills (GSM-7 / UCS-2 rules, counted at render)


@dataclass(frozen=True)
class AppliedEvent:
    """A borrower event applied to an account, as the audit trail records it next to the account's contacts."""

    account_id: str
    event_id: str
    type: str
    occurred_at: datetime
    effect: str  # what it did, in the ingest's words ("paid in full (9.00)", "call: refused")
    fields: dict[str, Any]  # the event's own fields (amount, outcome, promised date...), as it arrived
    policy: str | None = None  # the account's strategy when it applied: figures count it in that group
    arm: str | None = None
    profile: str | None = None  # the account's profile when it applied: the archive's partition (escalation.service.archive)
    principal: str | None = None  # who put it, for the operators' events: the caller AWS authenticated (issue 19)

    @property
    def key(self) -> str:
        """Its sort key in the audit log: after the account's contacts, whose keys begin with their day."""
        # Fixed width (microseconds always written), so that keys sort as instants do.
        return f"{EVENT_KEY_PREFIX}{self.occurred_at.astimezone(UTC).strftime('%Y-%m-%dT%H:%M:%S.%fZ')}#{self.event_id}"


# Audit entries beside an account's contacts (whose keys begin with their day's digits): applied borrower events
# and delivery receipts (escalation.aws.dynamo).
EVENT_KEY_PREFIX, RECEIPT_KEY_PREFIX = "event#", "receipt#"


def audit_entry_kind(key: str) -> str:
    """What an audit-log item is, by its sort key: "contact", "event" or "receipt"."""
    if key.startswith(EVENT_KEY_PREFIX):
        return "event"
    return "receipt" if key.startswith(RECEIPT_KEY_PREFIX) else "contact"


def account_from(raw: dict[str, Any], default_profile: str) -> Account:
    """A new account from its scenario/enrolment form (already validated).

    Its profile is the one set on it, else the one its number's country belongs to, else `default_profile`.
    """
    from .phones import profile_of_number

    return Account(
        account_id=raw["account_id"],
        phone=raw["phone"],
        balance=Decimal(str(raw["balance"])),
        fees=Decimal(str(raw.get("fees", "0"))),
        currency=raw["currency"],
        due_date=date.fromisoformat(raw["due_date"]),
        profile=raw.get("profile") or profile_of_number(raw["phone"]) or default_profile,
        timezone=raw.get("timezone"),
        locale=raw.get("locale"),
        product=raw.get("product", "default"),
        segment=raw.get("segment"),
        sms_consent=bool(raw.get("sms_consent", True)),
        emergency_contacts=tuple(raw.get("emergency_contacts", ())),
        address={k: v for k, v in raw["address"].items() if v is not None} if raw.get("address") else None,
    )
