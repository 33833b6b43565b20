"""The borrower-event contract: what the lender's core system puts on the EventBridge bus (issue 3).

``source`` "lender.core", ``detail-type`` = the event type, ``detail`` = {type, event_id (idempotency key), account_id,
occurred_at (ISO 8601 with a UTC offset: when it happened in the world), the type's fields from shared/SCENARIOS.md}.
Amounts: decimal text or JSON numbers, 0 <= x < 10^12, <= 2 decimal places (payments, promises > 0); dates YYYY-MM-DD
(a promise's not before the event's date); phones E.164. Unknown fields are refused: ContractError names the field.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Annotated, Any, Literal, get_args
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers
from pydantic import AfterValidator, BaseModel, BeforeValidator, Field, TypeAdapter, ValidationError, ValidationInfo, field_validator

from .domain.profiles import profile_for
from .domain.windows import require_common_daytime

SOURCE = "lender.core"
OPS_SOURCE = "collections.ops"  # the ops CLI: reviewers' decisions and operator holds
BUS_NAME = "borrower-events"


class ContractError(ValueError):
    """An event outside the contract: "<field path>: <reason>" for the first problem; __cause__ is pydantic's error."""


def _iso(kind: type[date], pattern: str, example: str) -> Any:
    def parse(value: Any) -> Any:  # text must be ISO 8601; other JSON types fail pydantic's strict check
        try:
            if isinstance(value, str):  # fromisoformat("") fails: only the pattern's forms are parsed
                value = kind.fromisoformat(value if re.fullmatch(pattern, value) else "")
            if isinstance(value, datetime) and value.utcoffset() is not None:
                value = value.astimezone(UTC)  # the instant, in UTC (overflows near the years 1 and 9999)
        except (ValueError, OverflowError):
            raise ValueError(f"expected {kind.__name__} like {example}") from None
        if isinstance(value, datetime) and value.utcoffset() is None:
            raise ValueError("must have a UTC offset: a time without one is ambiguous")
        return value

    return BeforeValidator(parse)


def _valid(test: Any, what: str) -> Any:  # test: str -> truthy
    def check(value: str) -> str:
        try:
            if test(value):
                return value
        except (phonenumbers.NumberParseException, ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a directory, e.g. "America"
            pass
        raise ValueError(f"must be {what}")

    return Annotated[str, AfterValidator(check)]


Id = _valid(re.compile(r"[A-Za-z0-9._:-]{1,64}").fullmatch, "1-64 letters, digits or . _ : -")
EventId = _valid(re.compile(r"[A-Za-z0-9._:-]{1,128}").fullmatch, "1-128 letters, digits or . _ : -")
Name = _valid(re.compile(r"\S.{0,63}").fullmatch, "1-64 characters")
Currency = _valid(re.compile(r"[A-Z]{3}").fullmatch, "an ISO 4217 code like CNY")
Locale = _valid(re.compile(r"[A-Za-z]{2,3}([-_][A-Za-z0-9]{1,8}){0,3}").fullmatch, "a BCP 47 locale like zh-CN")
Zone = _valid(lambda v: re.fullmatch(r"[A-Za-z0-9_+-]+(/[A-Za-z0-9_+-]+){0,2}", v) and ZoneInfo(v), "an IANA time zone like Asia/Shanghai")
# Strictly E.164 (no spaces, dashes or other digits): the number is stored and compared as written.
E164 = re.compile(r"\+[1-9][0-9]{6,14}")
Phone = _valid(lambda v: E164.fullmatch(v) and phonenumbers.is_possible_number(phonenumbers.parse(v)), "an E.164 number")
_CENTS = AfterValidator(lambda v: abs(v).quantize(Decimal("0.01")))  # exact (<= 2 places, < 10^12): "100.00", not "1E+2" or "-0"
Money = Annotated[Decimal, Field(ge=0, lt=10**12, decimal_places=2), _CENTS]
PositiveMoney = Annotated[Decimal, Field(gt=0, lt=10**12, decimal_places=2), _CENTS]
EARLIEST, LATEST = datetime(2000, 1, 1, tzinfo=UTC), datetime(2200, 1, 1, tzinfo=UTC)


def _plausible(value: datetime) -> datetime:
    if not EARLIEST <= value < LATEST:
        raise ValueError(f"must be between {EARLIEST.year} and {LATEST.year}")
    return value


def _plausible_day(value: date) -> date:
    if not EARLIEST.date() <= value < LATEST.date():
        raise ValueError(f"must be between {EARLIEST.year} and {LATEST.year}")
    return value


Day = Annotated[date, _iso(date, r"[0-9]{4}-[0-9]{2}-[0-9]{2}", "2026-03-04"), Field(strict=True), AfterValidator(_plausible_day)]
Instant = Annotated[datetime, _iso(datetime, r"[0-9]{4}-.+", "2026-03-04T06:00:00Z"), Field(strict=True), AfterValidator(_plausible)]


class _Strict(BaseModel):
    model_config = {"extra": "forbid", "frozen": True}


class NewAccount(_Strict):
    account_id: Id
    phone: Phone
    balance: Money
    fees: Money = Decimal("0.00")
    currency: Currency
    due_date: Day
    profile: Literal["CN", "US", "EU"] | None = None
    timezone: Annotated[Zone | None, Field(validate_default=True)] = None
    locale: Locale | None = None
    product: Name = "default"
    sms_consent: Annotated[bool, Field(strict=True)] = True
    emergency_contacts: tuple[Phone, ...] = ()

    @field_validator("timezone")
    def _derivable(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None and "phone" in info.data:
            require_common_daytime(info.data["phone"], None, profile_for(info.data.get("profile") or "CN"))
        return value


class BorrowerEventBase(_Strict):
    event_id: EventId
    account_id: Id
    occurred_at: Instant


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

    @field_validator("promised_date")
    def _not_before_event(cls, value: date, info: ValidationInfo) -> date:
        # The UTC date can be a day ahead of the borrower's; the account's local date is checked when applied.
        if "occurred_at" in info.data and value < info.data["occurred_at"].date() - timedelta(days=1):
            raise ValueError(f"{value} is before the event ({info.data['occurred_at'].date()} UTC)")
        return value


class DisputeOpenedEvent(BorrowerEventBase):
    type: Literal["dispute_opened"]


class DisputeResolvedEvent(BorrowerEventBase):
    type: Literal["dispute_resolved"]


class OptOutEvent(BorrowerEventBase):
    type: Literal["opt_out"]
    channel: Literal["sms", "call", "all"]


class CeaseContactEvent(BorrowerEventBase):
    type: Literal["cease_contact"]


class HoldPlacedEvent(BorrowerEventBase):
    """A hold the core system learned of: the borrower has an attorney, is bankrupt, deceased, or in a moratorium."""

    type: Literal["hold_placed"]
    reason: Literal["attorney", "bankruptcy", "deceased", "breathing_space", "hardship", "paused"]
    until: Day | None = None  # last day of the hold; Breathing Space defaults to 60 days
    requested_by: Name | None = None  # who asked (an operator's pause), for the record

    @field_validator("until")
    def _not_before_event(cls, value: date | None, info: ValidationInfo) -> date | None:
        if value is not None and "occurred_at" in info.data and value < info.data["occurred_at"].date() - timedelta(days=1):
            raise ValueError(f"{value} is before the event ({info.data['occurred_at'].date()} UTC)")
        return value


class HoldLiftedEvent(BorrowerEventBase):
    type: Literal["hold_lifted"]
    reason: Literal["dispute", "cease_contact", "attorney", "bankruptcy", "deceased", "breathing_space", "hardship", "paused"]
    requested_by: Name | None = None


class CallOutcomeEvent(BorrowerEventBase):
    type: Literal["call_outcome"]
    outcome: Literal["reached", "no_answer", "refused", "wrong_number"]


class VisitOutcomeEvent(BorrowerEventBase):
    type: Literal["visit_outcome"]
    outcome: Literal["met", "not_home", "refused"]


class LegalDecisionEvent(BorrowerEventBase):
    type: Literal["legal_decision"]
    decision: Literal["approve", "reject"]
    reviewer: Name = "reviewer"


class NewAccountEvent(BorrowerEventBase):
    type: Literal["new_account"]
    account: NewAccount

    @field_validator("account")  # a field validator, not a model one, so that the error names a field
    def _same_account(cls, value: NewAccount, info: ValidationInfo) -> NewAccount:
        if value.account_id != info.data.get("account_id", value.account_id):
            raise ValueError(f"account_id {value.account_id!r} does not match the event's account_id {info.data['account_id']!r}")
        return value


_SOME = PaymentEvent | BalanceUpdateEvent | PromiseToPayEvent | DisputeOpenedEvent | DisputeResolvedEvent | OptOutEvent
_MORE = CeaseContactEvent | CallOutcomeEvent | VisitOutcomeEvent | LegalDecisionEvent | NewAccountEvent
_HOLDS = HoldPlacedEvent | HoldLiftedEvent  # extensions beyond SCENARIOS.md's table
BorrowerEvent = Annotated[_SOME | _MORE | _HOLDS, Field(discriminator="type")]  # in SCENARIOS.md's order, then extensions
EVENT_MODELS: dict[str, type[BaseModel]] = {get_args(m.model_fields["type"].annotation)[0]: m for m in get_args(get_args(BorrowerEvent)[0])}
EVENT_TYPES: tuple[str, ...] = tuple(EVENT_MODELS)
_ADAPTER: TypeAdapter[Any] = TypeAdapter(BorrowerEvent)
_REASONS = {"missing": "missing (required)", "union_tag_not_found": "missing (required)", "extra_forbidden": "unexpected field"}
_REASONS["union_tag_invalid"] = "unknown event type {tag!r:.42}; expected one of " + ", ".join(EVENT_TYPES)


def _contract_error(exc: ValidationError) -> ContractError:
    first = exc.errors(include_url=False, include_input=False)[0]
    loc, kind = first["loc"], first["type"]
    if kind.startswith("union_tag"):  # no "type", or an unknown one
        loc = ("type",)
    elif loc and loc[0] in EVENT_TYPES:  # the discriminated union's tag segment
        loc = loc[1:]
    words = re.sub(r"^(Value error, |(Decimal input|Input|String) should )", lambda m: "must " if m[2] else "", first["msg"])
    reason = _REASONS[kind].format(**first.get("ctx", {})) if kind in _REASONS else words
    return ContractError(f"{'.'.join(_printable(str(part)) for part in loc) or 'detail'}: {reason}")


def _printable(segment: str) -> str:
    """A field name as the sender wrote it, but on one line and short (it lands in logs and queues)."""
    shown = re.sub(r"[^\x20-\x7e]", "?", segment)
    return shown if len(shown) <= 40 else shown[:40] + "..."


def parse_event(detail: dict[str, Any]) -> BorrowerEvent:
    """The event in an EventBridge detail; raises ContractError naming the field."""
    try:
        return _ADAPTER.validate_python(detail)
    except ValidationError as exc:
        raise _contract_error(exc) from exc


def to_domain(event: BorrowerEvent) -> dict[str, Any]:
    """The plain dict escalation.domain.events.apply_event takes (JSON types; no event_id or occurred_at)."""
    return {"type": event.type, **event.model_dump(mode="json", exclude={"type", "event_id", "occurred_at"})}


def envelope_example(detail: dict[str, Any], bus: str = BUS_NAME) -> dict[str, Any]:
    """An `aws events put-events --entries` entry that carries this detail."""
    return {"Source": SOURCE, "DetailType": detail["type"], "Detail": json.dumps(detail), "EventBusName": bus}
