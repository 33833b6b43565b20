"""The borrower-event contract: what the lender's core system puts on the EventBridge bus (issue 3).

``source`` "lender.core", ``detail-type`` = the event type, ``detail`` = {type, event_id (idempotency key), account_id,
occurred_at (ISO 8601 with a UTC offset: when it happened in the world), the type's fields from docs/SCENARIOS.md}.
Amounts: decimal text or JSON numbers, 0 <= x < 10^12, <= 2 decimal places (payments, promises > 0); dates YYYY-MM-DD
(a promise's not before the event's date); phones E.164. Unknown fields are refused: ContractError names the field.

Built on msgspec rather than pydantic: this module is on the cold path of the borrower-event consumer, and
pydantic's import plus building 14 models' validators was about 140 ms of a ~480 ms cold start (issue 6).
msgspec checks the structure (objects, required and typed fields, choices); each constrained kind of value
below is a small type whose ``parse`` is its whole rule, called through msgspec's ``dec_hook``.
"""

from __future__ import annotations

import json
import re
import reprlib
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from types import UnionType
from typing import Any, ClassVar, Literal, Union, get_args, get_origin
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import msgspec
import phonenumbers

from .domain.locales import LocaleError, template_language
from .domain.phones import profile_of_number
from .domain.profiles import profile_for
from .domain.windows import require_common_daytime

SOURCE = "lender.core"
OPS_SOURCE = "collections.ops"  # the ops CLI: reviewers' decisions and operator holds
INBOUND_SOURCE = "sms.inbound"  # ForwardRepliesFunction: borrowers' replies to texts
BUS_NAME = "borrower-events"


class ContractError(ValueError):
    """An event outside the contract: "<field path>: <reason>" for the first problem; __cause__ is msgspec's error, if any."""


# ---------------------------------------------------------------------- constrained values
class _Text(str):
    """Text that passed its kind's check (a str: it is stored and compared as written)."""

    pattern: ClassVar[re.Pattern[str]]
    what: ClassVar[str]

    @classmethod
    def parse(cls, value: Any) -> _Text:
        if not isinstance(value, str):
            raise ValueError("must be a valid string")
        try:
            if cls.valid(value):
                return cls(value)
        except (phonenumbers.NumberParseException, ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a directory, e.g. "America"
            pass
        raise ValueError(f"must be {cls.what}")

    @classmethod
    def valid(cls, value: str) -> Any:
        return cls.pattern.fullmatch(value)

    def plain(self) -> str:
        return str(self)


class Id(_Text):
    pattern, what = re.compile(r"[A-Za-z0-9._:-]{1,64}"), "1-64 letters, digits or . _ : -"


class EventId(_Text):
    pattern, what = re.compile(r"[A-Za-z0-9._:-]{1,128}"), "1-128 letters, digits or . _ : -"


class Name(_Text):
    pattern, what = re.compile(r"\S.{0,63}"), "1-64 characters"


class Principal(_Text):
    """The caller of the operators' path as AWS authenticated it (issue 19): an assumed-role session,
    arn:aws:sts::<account>:assumed-role/<role>/<session>. People act through a role's session: its role says what
    they may do, its session name (pinned to the user name by the roles' trust policy, or set by IAM Identity
    Center) says who they are."""

    pattern = re.compile(r"arn:aws[a-z-]*:sts::[0-9]{12}:assumed-role/[A-Za-z0-9+=,.@_-]{1,64}/[A-Za-z0-9+=,.@_-]{2,64}")
    what = "an assumed-role session ARN like arn:aws:sts::123456789012:assumed-role/Reviewer/li.wei"

    @property
    def role(self) -> str:
        """The role whose session it is: what the caller may do (escalation.service.operator_commands.authorize)."""
        return self.split("/")[1]


class Seal(_Text):
    """OperatorCommandsFunction's MAC over the detail, base64 (HMAC-SHA-256: 32 bytes)."""

    pattern, what = re.compile(r"[A-Za-z0-9+/]{43}="), "the operators' seal (base64 HMAC-SHA-256)"


class TaskId(_Text):
    pattern, what = re.compile(r"[A-Za-z0-9._:#-]{1,200}"), "a task id as the call task gives it"


# C0 and C1 control characters but tab, line feed and carriage return: never part of a borrower's words.
CONTROL_CHARACTERS = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"


class ReplyText(_Text):
    """What a borrower texted back: 1 to 1600 characters (ten concatenated parts), not only spaces, no control
    characters but line breaks and tabs."""

    pattern = re.compile(rf"(?s)(?=.*\S)[^{CONTROL_CHARACTERS}]{{1,1600}}")
    what = "the reply's text, 1-1600 characters without control characters"


class Currency(_Text):
    pattern, what = re.compile(r"[A-Z]{3}"), "an ISO 4217 code like CNY"


class Locale(_Text):
    pattern, what = re.compile(r"[A-Za-z]{2,3}([-_][A-Za-z0-9]{1,8}){0,3}"), "a BCP 47 locale like zh-CN"


class Zone(_Text):
    pattern, what = re.compile(r"[A-Za-z0-9_+-]+(/[A-Za-z0-9_+-]+){0,2}"), "an IANA time zone like Asia/Shanghai"

    @classmethod
    def valid(cls, value: str) -> Any:
        return cls.pattern.fullmatch(value) and ZoneInfo(value)


class Country(_Text):
    pattern, what = re.compile(r"[A-Z]{2}"), "an ISO 3166-1 alpha-2 country code like CN"


class AddressText(_Text):
    pattern, what = re.compile(r"\S[^\r\n\u2028\u2029]{0,199}"), "1-200 characters on one line"


class PostalCode(_Text):
    pattern, what = re.compile(r"[A-Za-z0-9][A-Za-z0-9 -]{0,11}"), "a postal code like 518057 or SW1A 1AA"


class Phone(_Text):
    """Strictly E.164 (no spaces, dashes or other digits): the number is stored and compared as written."""

    pattern, what = re.compile(r"\+[1-9][0-9]{6,14}"), "an E.164 number"

    @classmethod
    def valid(cls, value: str) -> Any:
        return cls.pattern.fullmatch(value) and phonenumbers.is_possible_number(phonenumbers.parse(value))


CENT = Decimal("0.01")
MONEY_LIMIT = 10**12


class Money(Decimal):
    """An exact amount in cents, 0 <= x < 10^12: decimal text or a JSON number ("100.00", not "1E+2" or "-0")."""

    minimum: ClassVar[str] = "greater than or equal to 0"

    @classmethod
    def parse(cls, value: Any) -> Money:
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise ValueError("must be a valid decimal")
        try:  # a float by its shortest text: 0.1 is "0.1", and 0.125 has three places
            amount = Decimal(value.strip() if isinstance(value, str) else value if isinstance(value, int) else str(value))
        except InvalidOperation:
            raise ValueError("must be a valid decimal") from None
        if not amount.is_finite():
            raise ValueError("must be a finite number")
        if _decimal_places(amount) > 2:  # "1.000" is 1; "12.345" is not cents
            raise ValueError("must have no more than 2 decimal places")
        if not cls.above_minimum(amount):
            raise ValueError(f"must be {cls.minimum}")
        if amount >= MONEY_LIMIT:
            raise ValueError(f"must be less than {MONEY_LIMIT}")
        return cls(abs(amount).quantize(CENT))

    @staticmethod
    def above_minimum(amount: Decimal) -> bool:
        return amount >= 0

    def plain(self) -> Decimal:
        return Decimal(self)


def _decimal_places(amount: Decimal) -> int:
    """Places after the point, trailing zeros aside; exact (normalize() would round to the context's 28 digits)."""
    _, digits, exponent = amount.as_tuple()
    significant = len("".join(map(str, digits)).rstrip("0"))
    return max(0, -(int(exponent) + len(digits) - significant)) if significant else 0


class PositiveMoney(Money):
    minimum = "greater than 0"

    @staticmethod
    def above_minimum(amount: Decimal) -> bool:
        return amount > 0


EARLIEST, LATEST = datetime(2000, 1, 1, tzinfo=UTC), datetime(2200, 1, 1, tzinfo=UTC)
_PLAUSIBLE = f"must be between {EARLIEST.year} and {LATEST.year}"


class Day(date):
    """A calendar date, YYYY-MM-DD, in 2000-2199 (the ladder's date arithmetic relies on the range)."""

    @classmethod
    def parse(cls, value: Any) -> Day:
        if not isinstance(value, str):
            raise ValueError("must be a valid date")
        if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
            raise ValueError("expected date like 2026-03-04")
        try:
            day = cls.fromisoformat(value)
        except ValueError:
            raise ValueError("expected date like 2026-03-04") from None
        if not EARLIEST.date() <= day < LATEST.date():
            raise ValueError(_PLAUSIBLE)
        return day

    def plain(self) -> date:
        return date(self.year, self.month, self.day)


class Instant(datetime):
    """A moment: ISO 8601 with a UTC offset, kept in UTC, in 2000-2199."""

    @classmethod
    def parse(cls, value: Any) -> Instant:
        if not isinstance(value, str):
            raise ValueError("must be a valid datetime")
        try:  # fromisoformat("") fails: only text that starts like a date is parsed
            moment = datetime.fromisoformat(value if re.fullmatch(r"[0-9]{4}-.+", value) else "")
            if moment.utcoffset() is not None:
                moment = moment.astimezone(UTC)  # the instant, in UTC (overflows near the years 1 and 9999)
        except (ValueError, OverflowError):
            raise ValueError("expected datetime like 2026-03-04T06:00:00Z") from None
        if moment.utcoffset() is None:
            raise ValueError("must have a UTC offset: a time without one is ambiguous")
        if not EARLIEST <= moment < LATEST:
            raise ValueError(_PLAUSIBLE)
        return cls.combine(moment.date(), moment.timetz())

    def plain(self) -> datetime:
        return datetime.combine(self.date(), self.timetz())


def _decode(kind: type, value: Any) -> Any:
    """msgspec's dec_hook: the constrained kinds above parse themselves (their ValueError names the problem)."""
    parse = getattr(kind, "parse", None)
    if parse is None:
        raise NotImplementedError(kind)
    return parse(value)


# ---------------------------------------------------------------------- the events
class _Strict(msgspec.Struct, frozen=True, kw_only=True):
    """Frozen, keyword-only; unknown fields are refused by parse_event (after the known ones are checked)."""

    def check(self) -> None:
        """Rules across fields, after each field is valid; raises ContractError."""


class Address(_Strict, kw_only=True):
    """The borrower's postal address as the lender's system holds it: what a field visit needs (optional on an account)."""

    line1: AddressText  # street and number (or the whole address, as the lender writes it)
    line2: AddressText | None = None  # building, floor, unit
    district: AddressText | None = None  # district or county (区/县)
    city: AddressText | None = None
    region: AddressText | None = None  # province, state or region
    postal_code: PostalCode | None = None
    country: Country


class NewAccount(_Strict, kw_only=True):  # kw_only per class: required fields may follow defaults
    account_id: Id
    phone: Phone
    balance: Money
    fees: Money = Money("0.00")
    currency: Currency
    due_date: Day
    profile: Literal["CN", "US", "EU"] | None = None
    timezone: Zone | None = None
    locale: Locale | None = None
    product: Name = Name("default")
    segment: Name | None = None
    sms_consent: bool = True
    emergency_contacts: tuple[Phone, ...] = ()
    address: Address | None = None  # for field visits: carried on the visit tasks (docs/CONTRACTS.md, "Task messages")

    def check(self) -> None:
        if self.locale is not None:  # a text is wholly in the borrower's language: no templates, no enrolment
            try:
                template_language(self.locale)
            except LocaleError as exc:
                raise ContractError(f"locale: {exc}") from None
        if self.timezone is None:  # the zone must be derivable from the number, or it is required
            try:
                require_common_daytime(self.phone, None, profile_for(self.profile or profile_of_number(self.phone) or "CN"))
            except ValueError as exc:
                raise ContractError(f"timezone: {exc}") from None


class BorrowerEventBase(_Strict, kw_only=True):
    event_id: EventId
    account_id: Id
    occurred_at: Instant
    # Only on collections.ops events, which only OperatorCommandsFunction may put: the caller it received (check_source),
    # and its seal over the detail (escalation.aws.seal), which the ingest verifies before anything is applied.
    principal: Principal | None = None
    seal: Seal | None = None


def _not_before(day: date | None, event: BorrowerEventBase, field: str) -> None:
    # The UTC date can be a day ahead of the borrower's; the account's local date is checked when applied.
    if day is not None and day < event.occurred_at.date() - timedelta(days=1):
        raise ContractError(f"{field}: {day} is before the event ({event.occurred_at.date()} UTC)")


class PaymentEvent(BorrowerEventBase):
    type: Literal["payment"]
    amount: PositiveMoney


class BalanceUpdateEvent(BorrowerEventBase):
    type: Literal["balance_update"]
    balance: Money
    fees: Money


class PromiseToPayEvent(BorrowerEventBase):
    type: Literal["promise_to_pay"]
    amount: PositiveMoney
    promised_date: Day

    def check(self) -> None:
        _not_before(self.promised_date, self, "promised_date")


class Installment(_Strict):
    date: Day
    amount: PositiveMoney


MAX_INSTALLMENTS = 120  # the contract's bound; the policy's plan limits are usually far tighter


class PaymentPlanAgreedEvent(BorrowerEventBase):
    """A repayment plan an agent agreed with the borrower: installments by date (DOMAIN.md, repayment plans)."""

    type: Literal["payment_plan_agreed"]
    installments: tuple[Installment, ...]

    def check(self) -> None:
        if not 1 <= len(self.installments) <= MAX_INSTALLMENTS:
            raise ContractError(f"installments: expected 1 to {MAX_INSTALLMENTS} installments, got {len(self.installments)}")
        _not_before(self.installments[0].date, self, "installments.0.date")
        for n, (earlier, later) in enumerate(zip(self.installments, self.installments[1:], strict=False), start=1):
            if later.date <= earlier.date:
                raise ContractError(f"installments.{n}.date: {later.date} is not after the installment before it ({earlier.date})")


class DisputeOpenedEvent(BorrowerEventBase):
    type: Literal["dispute_opened"]


class DisputeResolvedEvent(BorrowerEventBase):
    type: Literal["dispute_resolved"]


class OptOutEvent(BorrowerEventBase):
    type: Literal["opt_out"]
    channel: Literal["sms", "call", "all"]


class SmsReplyEvent(BorrowerEventBase):
    """A borrower's reply to a text (escalation.domain.replies): STOP and HELP keywords, or a message for an agent."""

    type: Literal["sms_reply"]
    text: ReplyText


class CeaseContactEvent(BorrowerEventBase):
    type: Literal["cease_contact"]


class HoldPlacedEvent(BorrowerEventBase):
    """A hold the core system learned of: the borrower has an attorney, is bankrupt, deceased, or in a moratorium."""

    type: Literal["hold_placed"]
    reason: Literal["attorney", "bankruptcy", "deceased", "breathing_space", "hardship", "paused"]
    until: Day | None = None  # last day of the hold; Breathing Space defaults to 60 days
    requested_by: Name | None = None  # who asked (an operator's pause), for the record

    def check(self) -> None:
        _not_before(self.until, self, "until")


class HoldLiftedEvent(BorrowerEventBase):
    type: Literal["hold_lifted"]
    reason: Literal["dispute", "cease_contact", "attorney", "bankruptcy", "deceased", "breathing_space", "hardship", "paused"]
    requested_by: Name | None = None


class CallOutcomeEvent(BorrowerEventBase):
    type: Literal["call_outcome"]
    outcome: Literal["reached", "no_answer", "refused", "wrong_number"]
    task_id: TaskId | None = None  # the call task it answers (its task_id), when known
    manual: bool | None = None  # entered by hand (the ops CLI): only from collections.ops (SENDERS below)


class ContactUpdatedEvent(BorrowerEventBase):
    """The lender's system has a new number for the borrower."""

    type: Literal["contact_updated"]
    phone: Phone


class VisitOutcomeEvent(BorrowerEventBase):
    type: Literal["visit_outcome"]
    outcome: Literal["met", "not_home", "refused"]
    manual: bool | None = None  # entered by hand (the ops CLI): only from collections.ops (SENDERS below)


class LegalDecisionEvent(BorrowerEventBase):
    type: Literal["legal_decision"]
    decision: Literal["approve", "reject"]
    reviewer: Name | None = None  # a display note the reviewer typed; who decided is `principal`


class NewAccountEvent(BorrowerEventBase):
    type: Literal["new_account"]
    account: NewAccount

    def check(self) -> None:
        if self.account.account_id != self.account_id:
            mismatch = f"account_id {self.account.account_id!r} does not match the event's account_id {self.account_id!r}"
            raise ContractError(f"account: {mismatch}")
        try:
            self.account.check()
        except ContractError as exc:
            raise ContractError(f"account.{exc}") from None


# In SCENARIOS.md's order (its tables, then "More event types"), then the extensions (holds).
_ORDER: tuple[type[BorrowerEventBase], ...] = (
    PaymentEvent,
    BalanceUpdateEvent,
    PromiseToPayEvent,
    DisputeOpenedEvent,
    DisputeResolvedEvent,
    OptOutEvent,
    CeaseContactEvent,
    CallOutcomeEvent,
    VisitOutcomeEvent,
    LegalDecisionEvent,
    NewAccountEvent,
    ContactUpdatedEvent,
    SmsReplyEvent,
    PaymentPlanAgreedEvent,
    HoldPlacedEvent,
    HoldLiftedEvent,
)


def _annotations(model: type[_Strict]) -> dict[str, Any]:
    return {f.name: f.type for f in msgspec.structs.fields(model)}


EVENT_MODELS: dict[str, type[BorrowerEventBase]] = {get_args(_annotations(m)["type"])[0]: m for m in _ORDER}
EVENT_TYPES: tuple[str, ...] = tuple(EVENT_MODELS)


_FIELDS: dict[type[_Strict], frozenset[str]] = {m: frozenset(m.__struct_fields__) for m in (*_ORDER, NewAccount, Address, Installment)}
_UNKNOWN_TYPE = "unknown event type {}; expected one of " + ", ".join(EVENT_TYPES)
_WORDS = {"str": "string", "bool": "boolean", "object": "dictionary", "array": "list"}
_REPR = reprlib.Repr()  # a sender's value in a message: bounded, never recursive (no keyword arguments before 3.12)
_REPR.maxlevel, _REPR.maxstring, _REPR.maxother = 2, 40, 40


_BASE_FIELDS = frozenset({"type", "event_id", "account_id", "occurred_at"})


def required_fields(model: type[BorrowerEventBase]) -> tuple[str, ...]:
    """The fields an event of this type must carry besides the ones every event has."""
    return tuple(f.name for f in msgspec.structs.fields(model) if f.required and f.name not in _BASE_FIELDS)


def field_choices(model: type[BorrowerEventBase]) -> dict[str, tuple[str, ...]]:
    """The fields of this type that take one of a few values, with those values."""
    return {name: choices for name in _annotations(model) if name not in _BASE_FIELDS and (choices := _choices(model, [name]))}


def parse_event(detail: Any) -> BorrowerEventBase:
    """The event in an EventBridge detail, as its type's struct (EVENT_MODELS); raises ContractError naming the field."""
    if not isinstance(detail, dict):
        raise ContractError("detail: must be a valid dictionary")
    if "type" not in detail:
        raise ContractError("type: missing (required)")
    tag = detail["type"]
    model = EVENT_MODELS.get(tag) if isinstance(tag, str) else None
    if model is None:
        raise ContractError("type: " + _UNKNOWN_TYPE.format(_printable(_REPR.repr(tag))))
    try:
        event = msgspec.convert(detail, model, dec_hook=_decode)
    except msgspec.ValidationError as exc:
        raise _contract_error(exc, model) from exc
    _refuse_unknown(detail, model, "")
    if isinstance(event, NewAccountEvent):
        _refuse_unknown_in_account(detail["account"], "account.")
    if isinstance(event, PaymentPlanAgreedEvent):
        for n, installment in enumerate(detail["installments"]):
            _refuse_unknown(installment, Installment, f"installments.{n}.")
    event.check()
    return event


def parse_account(raw: Any) -> NewAccount:
    """An account as the lender enrols it (a new_account event's `account`); raises ContractError naming the field."""
    if not isinstance(raw, dict):
        raise ContractError("account: must be a valid dictionary")
    try:
        account = msgspec.convert(raw, NewAccount, dec_hook=_decode)
    except msgspec.ValidationError as exc:
        raise _contract_error(exc, NewAccount) from exc
    _refuse_unknown_in_account(raw, "")
    account.check()
    return account


def _refuse_unknown_in_account(raw: dict[str, Any], prefix: str) -> None:
    _refuse_unknown(raw, NewAccount, prefix)
    if isinstance(raw.get("address"), dict):
        _refuse_unknown(raw["address"], Address, f"{prefix}address.")


def _refuse_unknown(given: dict[str, Any], model: type[_Strict], prefix: str) -> None:
    known = _FIELDS[model]
    for name in given:
        if name not in known:
            shown = _printable(str(name))
            raise ContractError(f"{prefix}{shown}: unexpected field" if shown else f"{prefix or 'detail.'}'': unexpected field (no name)")


def _contract_error(exc: msgspec.ValidationError, model: type[_Strict]) -> ContractError:
    """msgspec's "<problem> - at `$.a.b[0]`" as ours: "a.b.0: <reason>", in the contract's words."""
    problem, _, where = str(exc).partition(" - at `$")
    path = re.findall(r"\.(\w+)|\[(\d+)\]", where.rstrip("`"))
    loc = [name or index for name, index in path]
    if missing := re.fullmatch(r"Object missing required field `(\w+)`", problem):
        loc, reason = [*loc, missing[1]], "missing (required)"
    elif choices := _choices(model, loc):
        *rest, last = map(repr, choices)
        reason = f"must be {', '.join(rest)} or {last}" if rest else f"must be {last}"
    elif expected := re.match(r"Expected `(\w+)", problem):
        reason = f"must be a valid {_WORDS.get(expected[1], expected[1])}"
    else:  # a constrained kind's own words (its parse raised them)
        reason = problem
    return ContractError(f"{'.'.join(loc) or 'detail'}: {reason}")


def _choices(model: type[_Strict], loc: list[str]) -> tuple[str, ...]:
    """The allowed values when the field at `loc` is a choice (a Literal, perhaps optional); else ()."""
    kind: Any = model
    for part in loc:
        if not (isinstance(kind, type) and issubclass(kind, _Strict)):
            return ()
        kind = _without_none(_annotations(kind).get(part))
    return get_args(kind) if get_origin(kind) is Literal else ()


def _without_none(kind: Any) -> Any:
    """X for an optional field's X | None; any other type as it is."""
    rest = [arg for arg in get_args(kind) if arg is not type(None)]
    return rest[0] if get_origin(kind) in (Union, UnionType) and len(rest) == 1 else kind


def _printable(segment: str) -> str:
    """A field name as the sender wrote it, but on one line and short (it lands in logs and queues)."""
    shown = re.sub(r"[^\x20-\x7e]", "?", segment)
    return shown if len(shown) <= 40 else shown[:40] + "..."


def _plain(value: Any) -> Any:
    return value.plain()  # msgspec's enc_hook: a constrained value as its built-in type


def as_detail(event: BorrowerEventBase) -> dict[str, Any]:
    """The event as JSON-ready detail again (what parse_event reads): JSON types only (lists, not tuples)."""
    detail = msgspec.json.decode(msgspec.json.encode(event, enc_hook=_plain))
    for field in ("principal", "seal"):  # only the operators' events have them; others' details stay as they were
        if detail.get(field) is None:
            detail.pop(field, None)
    return detail


def to_domain(event: BorrowerEventBase) -> dict[str, Any]:
    """The plain dict escalation.domain.events.apply_event takes (JSON types; no event_id or occurred_at)."""
    detail = as_detail(event)
    del detail["event_id"], detail["occurred_at"]
    detail.pop("seal", None)  # checked at the door (escalation.service.inbox); not part of what the event says
    return {"type": detail.pop("type"), **detail}


# ---------------------------------------------------------------------- who may send what (issue 19)
# The bus's resource policy binds each source to its sender (template.yaml, BorrowerEventBus*Policy); the ingest
# binds event types to sources. collections.ops (the operators) alone may put a legal_decision, a pause (hold_placed
# or hold_lifted with reason "paused") and an outcome entered by hand ("manual": true); besides those, it may put only
# what an agent reports through the ops CLI: call and visit outcomes and the promise (or plan) made in the conversation,
# and the synthetic account `ops smoke` enrols (product "smoke").
# sms.inbound (the product's own forwarder) puts only sms_reply. Everything else comes from lender.core.
OPS_TYPES = frozenset(
    {"legal_decision", "hold_placed", "hold_lifted", "call_outcome", "visit_outcome", "promise_to_pay", "payment_plan_agreed"}
)
INBOUND_TYPES = frozenset({"sms_reply"})
SMOKE_PRODUCT = "smoke"  # `python -m ops smoke` enrols one synthetic account of this product from collections.ops


def operators_only(detail: dict[str, Any]) -> str | None:
    """What makes this event (a detail, or its parsed form's as_detail) the operators' alone; None if it is not."""
    kind = detail.get("type")
    if kind == "legal_decision":
        return "a legal_decision"
    if kind in ("hold_placed", "hold_lifted") and detail.get("reason") == "paused":
        return f"an operator's pause ({kind} with reason paused)"
    if kind in ("call_outcome", "visit_outcome") and detail.get("manual") is True:
        return f"a manually entered {kind}"
    return None


def default_source(detail: dict[str, Any]) -> str:
    """The source a sender puts this event with: collections.ops for the operators' own events, else lender.core."""
    return OPS_SOURCE if operators_only(detail) else SOURCE


def check_source(source: Any, event: BorrowerEventBase) -> None:
    """Raise ContractError ("source: ...") when the event may not come from this source (the envelope's `source`)."""
    detail = as_detail(event)
    said = _printable(_REPR.repr(source)) if source is not None else "an event with no source"
    if (what := operators_only(detail)) and source != OPS_SOURCE:
        raise ContractError(f"source: {what} must come from the operators' source {OPS_SOURCE}, not {said}")
    if source == OPS_SOURCE and event.principal is None:
        raise ContractError(f"principal: missing; {OPS_SOURCE} events carry the caller OperatorCommandsFunction authenticated")
    for field, what in (("principal", "name an authenticated caller"), ("seal", "carry the operators' seal")):
        if source != OPS_SOURCE and getattr(event, field) is not None:
            raise ContractError(f"{field}: only {OPS_SOURCE} events {what}, not {said}")
    smoke = isinstance(event, NewAccountEvent) and event.account.product == SMOKE_PRODUCT  # `ops smoke`'s synthetic account
    if source == OPS_SOURCE and event.type not in OPS_TYPES and not smoke:
        raise ContractError(f"source: {OPS_SOURCE} may not put {event.type} (only {', '.join(sorted(OPS_TYPES))}); it comes from {SOURCE}")
    if source == OPS_SOURCE and event.type in ("hold_placed", "hold_lifted") and (reason := detail.get("reason")) != "paused":
        raise ContractError(f"source: {OPS_SOURCE} places and lifts only pauses (reason paused); a {reason} hold comes from {SOURCE}")
    if source == INBOUND_SOURCE and event.type not in INBOUND_TYPES:
        raise ContractError(f"source: {INBOUND_SOURCE} puts only sms_reply, not {event.type}")


def envelope_example(detail: dict[str, Any], bus: str = BUS_NAME) -> dict[str, Any]:
    """An `aws events put-events --entries` entry that carries this detail."""
    return {"Source": SOURCE, "DetailType": detail["type"], "Detail": json.dumps(detail), "EventBusName": bus}
