"""Scenario files (docs/SCENARIOS.md): read one and refuse, naming the file, the item and the field, anything
the product's event contract would refuse. Nothing runs until the whole file is valid."""

from __future__ import annotations

import functools
import json
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from escalation.domain.phones import profile_of_number
from escalation.domain.profiles import profile_for

from ..local.faults import validate_fault
from ..local.stack import SENDERS_FILE

PROFILES = ("CN", "US", "EU")
# The keys of a scenario file (docs/SCENARIOS.md). `policies`, `strategy` and `senders` make the lender
# configuration deployed before the first day; `deployments` deploy changes to it at given instants.
TOP_LEVEL = ("name", "start_date", "days", "profile", "accounts", "events", "faults", "policies", "strategy", "senders", "deployments")
CONFIGURATION_KEYS = ("policies", "strategy", "senders")
# Keys every event may have besides its type's fields: when it happens, who it is about, who sends it.
EVENT_KEYS = ("at", "type", "account_id", "event_id", "source", "principal")
AWS_PRINCIPAL = re.compile(r"arn:aws[a-z-]*:(iam|sts)::[0-9]{12}:[A-Za-z0-9+=,.@_/-]+")  # a user, a role, a session
SOURCES = ("lender.core", "collections.ops")  # escalation.contract.SOURCE, OPS_SOURCE


def _event_fields() -> dict[str, tuple[str, ...]]:
    """Each event type's required fields, and the choices of its enumerated ones: the contract's, for the fuzzers and docs."""
    from escalation.contract import EVENT_MODELS, required_fields

    return {kind: required_fields(model) for kind, model in EVENT_MODELS.items()}


def _enums() -> dict[tuple[str, str], tuple[str, ...]]:
    from escalation.contract import EVENT_MODELS, field_choices

    return {(kind, name): choices for kind, model in EVENT_MODELS.items() for name, choices in field_choices(model).items()}


EVENT_FIELDS: dict[str, tuple[str, ...]] = _event_fields()
ENUMS: dict[tuple[str, str], tuple[str, ...]] = _enums()
# The due dates escalation.contract.Day accepts (the years 2000-2199): the ladder's date arithmetic relies on them.
DUE_DATES = (date(2000, 1, 1), date(2199, 12, 31))


class ScenarioError(ValueError):
    """The scenario file is invalid; the message names the file, the item and the field."""


@dataclass(frozen=True)
class Scenario:
    name: str
    start: date
    days: int
    profile: str
    accounts: list[dict[str, Any]]
    events: list[dict[str, Any]]
    faults: list[dict[str, Any]]
    # The lender configuration deployed before the first day, and (instant, configuration) deployments after it.
    configuration: dict[str, Any] = field(default_factory=dict)
    deployments: list[tuple[datetime, dict[str, Any]]] = field(default_factory=list)


def load_scenario(path: Path) -> Scenario:
    where = path.name
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ScenarioError(f"{where}: file not found") from None
    except json.JSONDecodeError as exc:
        raise ScenarioError(f"{where}: not valid JSON ({exc.msg} at line {exc.lineno})") from None
    except ValueError as exc:  # e.g. an integer literal longer than Python will read
        raise ScenarioError(f"{where}: not readable JSON ({str(exc)[:80]})") from None
    if not isinstance(raw, dict):
        raise ScenarioError(f"{where}: top level must be an object")
    return validate(raw, where)


def validate(raw: dict[str, Any], where: str) -> Scenario:
    """The scenario, if every value is one the product's event contract accepts; else ScenarioError naming the field.

    Accounts and events are checked by the contract itself (escalation.contract), so a file is refused
    for exactly what the lender's own systems would be refused for, before anything runs.
    """

    def fail(item: str, message: str) -> ScenarioError:
        return ScenarioError(f"{where}: {item}: {message}")

    for key in raw:
        if key not in TOP_LEVEL:
            raise fail(_shown_key(key), f"unknown top-level key; expected {', '.join(TOP_LEVEL)}")
    start = _date(raw.get("start_date"), lambda m: fail("start_date", m))
    days = raw.get("days")
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= 3660:
        raise fail("days", "must be an integer from 1 to 3660")
    profile = raw.get("profile", "CN")
    if profile not in PROFILES:
        raise fail("profile", f"must be one of {', '.join(PROFILES)}")
    accounts_raw = raw.get("accounts", [])
    if not isinstance(accounts_raw, list):
        raise fail("accounts", "must be a list")
    accounts = [_account(a, f"accounts[{i}]", fail, profile) for i, a in enumerate(accounts_raw)]
    known = Counter(a["account_id"] for a in accounts)
    events_raw = raw.get("events", [])
    if not isinstance(events_raw, list):
        raise fail("events", "must be a list")
    events = []
    for i, event in enumerate(events_raw):
        event = _event(event, f"events[{i}]", fail, profile, known)
        if event["type"] == "new_account":
            known[event["account_id"]] += 1
        events.append(event)
    duplicated = sorted(a for a, n in known.items() if n > 1)
    if duplicated:
        raise fail("accounts", f"duplicate account_id {duplicated[0]!r}")
    faults = raw.get("faults", [])
    if not isinstance(faults, list):
        raise fail("faults", "must be a list")
    for i, fault in enumerate(faults):
        if not isinstance(fault, dict) or "kind" not in fault:
            raise fail(f"faults[{i}]", "must be an object with a 'kind'")
        _date(fault.get("date"), lambda m, i=i: fail(f"faults[{i}].date", m))
        validate_fault(fault, f"faults[{i}]", fail)
    events.sort(key=lambda e: _instant(e["at"], lambda m: fail("events", m)))
    configuration = _configuration(raw, where)
    deployments = _deployments(raw.get("deployments", []), configuration, where, fail)
    return Scenario(str(raw.get("name", where)), start, days, profile, accounts, events, faults, configuration, deployments)


def _configuration(raw: dict[str, Any], where: str, base: dict[str, Any] | None = None) -> dict[str, Any]:
    """The lender configuration the file's policies, strategy and senders make (the local lender's senders by
    default), checked by the functions' own loader: refused naming the field, as `ops config deploy` would."""
    from escalation.domain.strategy import Configuration, ConfigurationError

    from ..local.stack import LOCAL_CONFIGURATION

    document = dict(base or LOCAL_CONFIGURATION) | {k: raw[k] for k in CONFIGURATION_KEYS if k in raw}
    try:
        Configuration.from_dict(document)
    except ConfigurationError as exc:
        raise ScenarioError(f"{where}: {exc}") from None
    return document


def _deployments(
    raw: Any, first: dict[str, Any], where: str, fail: Callable[[str, str], ScenarioError]
) -> list[tuple[datetime, dict[str, Any]]]:
    """Each deployment: {"at": instant, and any of policies, strategy, senders}; what it omits stays as it was."""
    if not isinstance(raw, list):
        raise fail("deployments", "must be a list")
    out, current = [], first
    for i, item in enumerate(raw):
        if not isinstance(item, dict) or "at" not in item:
            raise fail(f"deployments[{i}]", "must be an object with 'at' and any of policies, strategy, senders")
        unknown = [k for k in item if k not in ("at", *CONFIGURATION_KEYS)]
        if unknown:
            raise fail(f"deployments[{i}].{unknown[0]}", "unknown key; expected at, policies, strategy, senders")
        instant = _instant(item["at"], lambda m, i=i: fail(f"deployments[{i}].at", m))
        current = _configuration(item, f"{where}: deployments[{i}]", current)
        out.append((instant, current))
    return sorted(out, key=lambda d: d[0])


def _account(raw: Any, item: str, fail: Callable[[str, str], ScenarioError], default_profile: str) -> dict[str, Any]:
    """An account as the contract enrols it, and one the product can text in the borrower's own language."""
    from escalation.contract import ContractError, parse_account

    if not isinstance(raw, dict):
        raise fail(item, "must be an object")
    try:
        parse_account(raw)
    except ContractError as exc:
        raise _at(item, exc, fail) from None
    profile = raw.get("profile") or profile_of_number(raw["phone"]) or default_profile
    locale = raw.get("locale") or profile_for(profile).default_locale
    try:
        local_senders().sender_for_locale(profile, raw.get("product", "default"), locale)
    except ValueError as exc:
        raise fail(f"{item}.locale", str(exc)) from None
    return dict(raw)


def _event(event: Any, item: str, fail: Callable[[str, str], ScenarioError], profile: str, known: Counter[str]) -> dict[str, Any]:
    """An event whose detail the contract accepts, about a known account, from a known sender."""
    from escalation.contract import EVENT_MODELS, ContractError, Principal, default_source, parse_event

    if not isinstance(event, dict):
        raise fail(item, "must be an object")
    kind = event.get("type")
    if not isinstance(kind, str) or kind not in EVENT_MODELS:
        raise fail(f"{item}.type", f"unknown event type {_shown(kind)}; expected one of {', '.join(EVENT_MODELS)}")
    instant = _instant(event.get("at"), lambda m: fail(f"{item}.at", m))
    fields = set(EVENT_MODELS[kind].__struct_fields__) - {"event_id", "occurred_at"}
    for key in event:
        if key not in EVENT_KEYS and key not in fields:
            raise fail(f"{item}.{_shown_key(key)}", f"unexpected field for {kind}")
    source = event["source"] if "source" in event else default_source(event)
    if source not in SOURCES:
        raise fail(f"{item}.source", f"must be one of {', '.join(SOURCES)}")
    if "principal" in event:
        if source != "collections.ops":
            raise fail(f"{item}.principal", "only an event from collections.ops names a principal (the caller AWS authenticated)")
        if not isinstance(event["principal"], str) or not AWS_PRINCIPAL.fullmatch(event["principal"]):
            # An ARN that is not a role's session (an IAM user's) is the operators' path's to refuse, at run time.
            raise fail(f"{item}.principal", f"must be an AWS principal ARN, e.g. {Principal.what.split('like ', 1)[1]}")
    if kind == "new_account":
        if not isinstance(event.get("account"), dict):
            raise fail(f"{item}.account", "missing (required for new_account)" if "account" not in event else "must be an object")
        account = _account(event["account"], f"{item}.account", fail, profile)
        event = {**event, "account_id": account.get("account_id"), "account": account}
    elif not isinstance(event.get("account_id"), str) or event["account_id"] not in known:
        raise fail(f"{item}.account_id", f"unknown account {_shown(event.get('account_id'))}")
    try:
        parse_event(bus_detail(event, instant, "validation", profile))
    except ContractError as exc:
        raise _at(item, exc, fail) from None
    return event


def _at(item: str, exc: Exception, fail: Callable[[str, str], ScenarioError]) -> ScenarioError:
    """The contract's "field: reason" as the scenario's "item.field: reason"."""
    field, _, reason = str(exc).partition(": ")
    return fail(item if field == "detail" else f"{item}.{field}", reason)


@functools.cache
def local_senders() -> Any:
    """The sender identities the local stack runs with (infra/sender-identities.example.json)."""
    from escalation.domain.sender import Senders

    return Senders.parse(json.loads(SENDERS_FILE.read_text(encoding="utf-8")), SENDERS_FILE.name)


def _date(value: Any, fail: Callable[[str], ScenarioError]) -> date:
    try:
        return date.fromisoformat(value) if isinstance(value, str) and re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value) else _raise()
    except ValueError:
        raise fail(f"expected a date YYYY-MM-DD, got {value!r}") from None


def _instant(value: Any, fail: Callable[[str], ScenarioError]) -> datetime:
    try:
        instant = datetime.fromisoformat(str(value).replace("Z", "+00:00")) if isinstance(value, str) else _raise()
    except ValueError:
        raise fail(f"expected a UTC instant like 2026-03-04T06:00:00Z, got {value!r}") from None
    return instant if instant.tzinfo else instant.replace(tzinfo=UTC)


def _shown(value: Any) -> str:
    """A bad value, quoted for a one-line message (and cut short)."""
    try:
        text = repr(value)
    except ValueError:
        text = f"a {type(value).__name__} too long to print"
    text = re.sub(r"[^\x20-\x7e\u00a0-\uffff]", "?", text)
    return text if len(text) <= 60 else text[:60] + "..."


def _shown_key(key: Any) -> str:
    text = re.sub(r"[^\x20-\x7e]", "?", str(key))
    return text if len(text) <= 40 else text[:40] + "..."


def _raise() -> Any:
    raise ValueError


def instant_of(value: str) -> datetime:
    """An event's `at` (already validated), as a UTC-aware instant."""
    return _instant(value, ScenarioError)


def bus_detail(event: dict[str, Any], instant: datetime, event_id: str, default_profile: str) -> dict[str, Any]:
    """A scenario event as the borrower-event contract's detail (escalation.contract).

    The scenario's own keys (when, who sends it) are the envelope's, not the detail's. A new account
    takes the scenario's profile only when its number's country has none of its own: a profile that does
    not match the number is honoured only when set on the account.
    """
    detail = {k: v for k, v in event.items() if k not in ("at", "source", "principal")}
    detail["event_id"] = re.sub(r"[^A-Za-z0-9._:-]", "-", event.get("event_id") or event_id)[:128]
    detail["occurred_at"] = instant.isoformat()
    if event["type"] == "new_account" and isinstance(event.get("account"), dict):
        account = event["account"]
        if not account.get("profile") and profile_of_number(str(account.get("phone", ""))) is None:
            detail["account"] = {**account, "profile": default_profile}
    return detail
