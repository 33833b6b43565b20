"""Scenario files (../shared/SCENARIOS.md): validate, replay day by day on the local stack, export.

    python -m sim.scenario SCENARIO.json OUT_DIR

Exit 0 when the scenario ran; 2 with a one-line reason on stderr when the file is invalid
or the run broke. Nothing runs until the whole file is valid.
"""

from __future__ import annotations

import functools
import json
import re
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from escalation.domain.phones import profile_of_number
from escalation.domain.profiles import profile_for

from .faults import Injector, validate_fault
from .stack import SENDERS_FILE, LocalStack
from .template import resources_of_type

PROFILES = ("CN", "US", "EU")
# The keys of a scenario file (SCENARIOS.md). Strategies (`policies`, `strategy`) are described there but
# not supported by this version: a file that carries them is refused rather than run on the default ladder.
TOP_LEVEL = ("name", "start_date", "days", "profile", "accounts", "events", "faults")
NOT_SUPPORTED = ("policies", "strategy")
# Keys every event may have besides its type's fields: when it happens, who it is about, who sends it.
EVENT_KEYS = ("at", "type", "account_id", "event_id", "source", "principal")
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


# ---------------------------------------------------------------------- validation
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
        if key in NOT_SUPPORTED:
            raise fail(_shown_key(key), "strategies in scenario files are not supported by this version")
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
    return Scenario(str(raw.get("name", where)), start, days, profile, accounts, events, faults)


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
    from escalation.contract import EVENT_MODELS, ContractError, parse_event

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
    source = event.get("source", "lender.core")
    if source not in SOURCES:
        raise fail(f"{item}.source", f"must be one of {', '.join(SOURCES)}")
    if "principal" in event and (source != "collections.ops" or not isinstance(event["principal"], str) or not event["principal"]):
        raise fail(f"{item}.principal", "only an event from collections.ops names a principal (the caller AWS authenticated)")
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


# ---------------------------------------------------------------------- schedule
def run_instants(stack: LocalStack, day: date) -> list[tuple[datetime, str]]:
    """When the daily-run schedules of template.yaml fire on a date: (UTC instant, schedule name)."""
    machine = resources_of_type(stack.template, "AWS::Serverless::StateMachine")["DailyRunStateMachine"]
    out = []
    for name, event in machine["Properties"].get("Events", {}).items():
        props = event["Properties"]
        minute, hour = re.match(r"cron\((\d+) (\d+) ", props["ScheduleExpression"]).groups()  # type: ignore[union-attr]
        local = datetime.combine(day, time(int(hour), int(minute)), tzinfo=ZoneInfo(props.get("ScheduleExpressionTimezone", "UTC")))
        out.append((local.astimezone(UTC), name))
    return sorted(out)


# ---------------------------------------------------------------------- replay
class Replay:
    """Replays a scenario through the local stack and exports what the system did."""

    def __init__(self, scenario: Scenario, stack: LocalStack, progress: Callable[[date, dict[str, int]], None] | None = None):
        self.scenario = scenario
        self.stack = stack
        self.progress = progress
        self.runs: list[dict[str, Any]] = []
        self.event_log: list[dict[str, Any]] = []
        self.injector = Injector(scenario.faults)  # the scenario's `faults` (sim/faults.py)
        self.days: list[dict[str, Any]] = []  # one snapshot of the book per simulated day (days.jsonl; the report's charts)

    def enroll_accounts(self) -> None:
        """The scenario's accounts, enrolled at the start of its first day (as the lender's core system would)."""
        from escalation.config import Settings
        from escalation.service.ingest import enroll

        start_instant = datetime.combine(self.scenario.start, time(0), tzinfo=UTC)
        settings = replace(Settings.from_env(), default_profile=self.scenario.profile)
        for raw in self.scenario.accounts:
            enroll(raw, start_instant, settings)

    def run_day(self, day: date) -> dict[str, int]:
        """Every scheduled run of one date, in time order, then the day's snapshot; what the runs did."""
        for instant, schedule in run_instants(self.stack, day):
            self._run(instant, schedule)
        self._end_of_day(day)
        return self.day_counts(day)

    def run(self) -> None:
        self.enroll_accounts()
        timeline: list[tuple[datetime, int, Any]] = []
        for event in self.scenario.events:
            timeline.append((_instant(event["at"], ScenarioError), 0, event))
        for offset in range(self.scenario.days):
            day = self.scenario.start + timedelta(days=offset)
            for instant, schedule in run_instants(self.stack, day):
                timeline.append((instant, 1, (day, schedule)))
        timeline.sort(key=lambda t: (t[0], t[1]))
        end = datetime.combine(self.scenario.start + timedelta(days=self.scenario.days), time(0), tzinfo=UTC)
        current_day: date | None = None
        armed: set[date] = set()
        self.injector.install(self.stack)
        try:
            for instant, kind, item in timeline:
                if kind == 0 and instant >= end:
                    continue
                fault_day = instant.date() if kind == 0 else item[0]
                if fault_day not in armed:
                    armed.add(fault_day)
                    self.injector.arm(fault_day)
                if kind == 0:
                    self.apply(item, instant)
                    continue
                day, schedule = item
                if current_day is not None and day != current_day:
                    self._end_of_day(current_day)
                current_day = day
                self._run(instant, schedule)
            if current_day is not None:
                self._end_of_day(current_day)
        finally:
            self.injector.uninstall()

    def apply(self, event: dict[str, Any], instant: datetime) -> None:
        """Deliver one event the way the lender's core system would: PutEvents on the borrower bus."""
        detail = bus_detail(event, instant, f"{self.scenario.name[:40]}#{len(self.event_log)}", self.scenario.profile)
        bus = self.stack.refs["BorrowerEventBus"]
        source = event.get("source", "lender.core")
        entry = {"Source": source, "DetailType": event["type"], "Detail": json.dumps(detail), "EventBusName": bus}
        self.stack.put_events([entry])
        if self.injector.on(instant.date(), "duplicate_event"):
            self.stack.put_events([entry])  # the core system sends it again: the same event id
            self.injector.note("duplicate_event")
        self.stack.poll_queues()
        rejected = self.stack.queue_messages("RejectedEventsQueue")
        note = "rejected: " + "; ".join(r["reason"] for r in rejected) if rejected else "applied"
        self._wait_for_pending_reviews()  # a decision, a payment or a hold moves a review on
        logged = {"at": instant.isoformat(), "account_id": event.get("account_id"), "type": event["type"], "note": note}
        self.event_log.append(logged | ({"effect": effect} if (effect := self._effect(event, instant)) and not rejected else {}))

    def _effect(self, event: dict[str, Any], instant: datetime) -> str | None:
        """What the event did to the account, in the ingest's words (the account's last event, if it is this one)."""
        from escalation.aws import dynamo

        last = dynamo.last_event(str(event.get("account_id")))
        prefix = f"{instant.astimezone(UTC).isoformat()} {event['type']}: "
        return last[len(prefix) :] if last and last.startswith(prefix) else None

    def _run(self, instant: datetime, schedule: str) -> None:
        as_of = instant.isoformat().replace("+00:00", "Z")
        name = f"{schedule}-{instant.strftime('%Y%m%dT%H%M')}"
        payload = {"as_of": as_of, "group": schedule}
        names = [name]
        if self.injector.on(instant.date(), "concurrent_run"):
            names.append(f"{name}-twin")  # the scheduler delivered the same run twice, at once
            self.injector.note("concurrent_run")
        started = [
            self.stack.sfn.start_execution(stateMachineArn=self.stack.arn("DailyRunStateMachine"), name=n, input=json.dumps(payload))
            for n in names
        ]
        for n, execution in zip(names, started, strict=True):
            self._finish_run(n, as_of, self.stack.wait_for(execution["executionArn"]))
        if self.injector.on(instant.date(), "rerun"):
            self.injector.note("rerun")  # the same date's schedule fires again right after it finished
            rerun = f"{name}-rerun"
            self._finish_run(rerun, as_of, self.stack.run_state_machine("DailyRunStateMachine", payload, name=rerun))
        self._wait_for_pending_reviews()

    def _finish_run(self, name: str, as_of: str, result: dict[str, Any]) -> None:
        if result["status"] != "SUCCEEDED":
            raise RuntimeError(f"run {name} {result['status']}: {result.get('cause', '')[:300]}")
        self.stack.poll_queues()  # the SMS senders work through what the run posted to the outbox
        report = json.loads(result.get("output") or "{}")
        self.runs.append({"run_id": name, "as_of": as_of, **report})

    def _wait_for_pending_reviews(self) -> None:
        """Legal reviews run on their own: wait until each waits for a decision (its task token parked on the
        account) or has finished. A token spent (decided, withdrawn) is cleared from the account at once."""
        from escalation.aws import dynamo

        sfn = self.stack.sfn
        arn = self.stack.arn("LegalReviewStateMachine")
        for execution in sfn.list_executions(stateMachineArn=arn, statusFilter="RUNNING")["executions"]:
            execution_arn = execution["executionArn"]
            account_id = json.loads(sfn.describe_execution(executionArn=execution_arn)["input"])["account_id"]

            def settled(account_id: str = account_id, execution_arn: str = execution_arn) -> bool:
                status = sfn.describe_execution(executionArn=execution_arn)["status"]
                return status != "RUNNING" or dynamo.legal_token(account_id) is not None

            _poll(settled, f"legal review of {account_id} never waited")

    def _end_of_day(self, day: date) -> None:
        """A simulated day is over: report progress, then record the book as it stands (accounts by status and stage)."""
        from escalation.aws import dynamo

        if self.progress:
            self.progress(day, self.day_counts(day))
        accounts = dynamo.all_accounts()
        initial = {a["account_id"]: a for a in self.scenario.accounts} | {
            e["account"]["account_id"]: e["account"] for e in self.scenario.events if e["type"] == "new_account"
        }
        owed: Counter[str] = Counter()
        recovered: Counter[str] = Counter()
        for a in accounts:
            owed[a.currency] += a.amount_due
            if a.account_id in initial:
                start = initial[a.account_id]
                recovered[a.currency] += Decimal(str(start["balance"])) + Decimal(str(start.get("fees", "0"))) - a.amount_due
        snapshot = {
            "date": day.isoformat(),
            "accounts": len(accounts),
            "status": dict(Counter(a.status.value for a in accounts)),
            "stage": dict(Counter(a.stage.value for a in accounts)),
            "owed": {c: str(v) for c, v in sorted(owed.items())},  # balance + fees still owed, by currency
            "recovered": {c: str(v) for c, v in sorted(recovered.items())},  # owed at enrolment minus owed now
        }
        self.days.append(snapshot)

    def day_counts(self, day: date) -> dict[str, int]:
        runs = [r for r in self.runs if r["as_of"][:10] == day.isoformat()]
        counts: Counter[str] = Counter()
        for r in runs:
            counts["due"] += int(r.get("due", 0))
            counts.update(r.get("actions", {}))
        return dict(counts)

    # ------------------------------------------------------------------ export
    def export(self, out: Path) -> dict[str, Any]:
        from escalation.aws import dynamo, numbers

        out.mkdir(parents=True, exist_ok=True)
        contacts = sorted(dynamo.all_contacts(), key=lambda c: (c.at, c.account_id, c.key))
        with (out / "contacts.jsonl").open("w", encoding="utf-8") as fh:
            for c in contacts:
                fh.write(json.dumps(contact_json(c), ensure_ascii=False) + "\n")
        accounts = sorted(numbers.attach(dynamo.all_accounts()), key=lambda a: a.account_id)
        (out / "accounts.json").write_text(json.dumps([account_json(a) for a in accounts], ensure_ascii=False, indent=2), encoding="utf-8")
        by_action = Counter(c.action.value for c in contacts)
        summary = {
            "name": self.scenario.name,
            "days": self.scenario.days,
            "accounts": len(accounts),
            "contacts": {a: by_action.get(a, 0) for a in ("sms", "call", "visit", "legal_review", "legal_referral")},
            "paid": sum(1 for a in accounts if a.status.value == "paid"),
            "statuses": dict(Counter(a.status.value for a in accounts)),
            "runs": len(self.runs),
            "sms_published": len(self.stack.sms_sent()),  # what the provider accepted: equals the sms contacts
            # Why accounts were not contacted when assessed, summed over the runs (each run's report: runs.jsonl).
            "skip_reasons": dict(sum((Counter(r.get("skip_reasons", {})) for r in self.runs), Counter())),
            "faults_injected": dict(self.injector.injected),
            "handler_errors": self.stack.handler_errors,
        }
        (out / "summary.json").write_text(json.dumps(summary, indent=2), encoding="utf-8")
        (out / "runs.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in self.runs), encoding="utf-8")
        (out / "events.jsonl").write_text("".join(json.dumps(e, ensure_ascii=False) + "\n" for e in self.event_log), encoding="utf-8")
        # What the functions logged (masked by their formatter, escalation.logs), one record per line.
        logs = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in self.stack.log_records())
        (out / "logs.jsonl").write_text(logs, encoding="utf-8")
        (out / "days.jsonl").write_text("".join(json.dumps(d) + "\n" for d in self.days), encoding="utf-8")
        from .report import write_report

        write_report(out)
        return summary


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


def contact_json(c: Any) -> dict[str, Any]:
    record = {
        "account_id": c.account_id,
        "action": c.action.value,
        "stage": c.stage.value,
        "purpose": c.purpose,
        "at": c.at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        "local_time": c.local_time.isoformat(),
        "to": c.to,
        "text": c.text,
        "run_id": c.run_id,
        "policy": c.policy_version.split("@", 1)[0],
        "policy_version": c.policy_version,
        "arm": "-",  # champion/challenger experiments are not run by this version
        "profile": c.profile,
        "key": c.key,  # the idempotency key: local day#action#rule
        "provider_id": c.provider_id,  # SNS message id, SQS message id, or "unconfirmed" after a crash
        "expires_at": c.expires_at.astimezone(UTC).isoformat().replace("+00:00", "Z") if c.expires_at else None,  # call and visit tasks
        "approved_by": c.decided_by,  # legal_referral: the reviewer(s)
    }
    return {k: v for k, v in record.items() if v is not None}


def account_json(a: Any) -> dict[str, Any]:
    return {
        "account_id": a.account_id,
        "status": a.status.value,
        "stage": a.stage.value,
        "balance": str(a.balance),
        "fees": str(a.fees),
        "currency": a.currency,
        "profile": a.profile,
        "hold_reason": a.hold_reason,
        "holds": {reason: until.isoformat() if until else None for reason, until in sorted(a.holds.items())},
        "opted_out": sorted(a.opted_out),
        # The channels closed on the account's number (for every account that carries it), and why.
        "closed_channels": {channel: closure.why.value for channel, closure in sorted(a.number.closed.items())},
        "legal_state": a.legal_state.value if a.legal_state else None,
        "legal_note": a.legal_note,
        "broken_promises": a.broken_promises,
        "kept_promises": a.kept_promises,
    }


def _poll(check: Callable[[], bool], failure: str, timeout: float = 30) -> None:
    import time as _time

    deadline = _time.monotonic() + timeout
    while not check():
        if _time.monotonic() > deadline:
            raise RuntimeError(failure)
        _time.sleep(0.01)


def run_scenario(path: Path, out: Path) -> dict[str, Any]:
    scenario = load_scenario(path)
    with LocalStack() as stack:
        replay = Replay(scenario, stack)
        replay.run()
        summary = replay.export(out)
    for error in summary["handler_errors"]:
        print(f"handler error: {error}", file=sys.stderr)
    return summary


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python -m sim.scenario SCENARIO.json OUT_DIR", file=sys.stderr)
        return 2
    try:
        summary = run_scenario(Path(argv[0]), Path(argv[1]))
    except ScenarioError as exc:
        print(f"invalid scenario: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # noqa: BLE001 - one line for the operator, not a traceback
        print(f"scenario run broke: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
