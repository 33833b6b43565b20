"""Replay a scenario day by day through the local stack: the schedules of template.yaml, the scenario's events
delivered as the lender's core system would, its faults injected where AWS fails."""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from functools import partial
from typing import Any

from ..local.carrier import Carrier, borrower_replies
from ..local.faults import Injector
from ..local.stack import LocalStack
from ..local.template import run_instants as schedule_instants
from .files import Scenario, bus_detail, instant_of


def run_instants(stack: LocalStack, day: date) -> list[tuple[datetime, str]]:
    """When the daily-run schedules of template.yaml fire on a date: (UTC instant, schedule name)."""
    return schedule_instants(stack.template, day)


# ---------------------------------------------------------------------- replay
class Replay:
    """Replays a scenario through the local stack and exports what the system did."""

    def __init__(self, scenario: Scenario, stack: LocalStack, progress: Callable[[date, dict[str, int]], None] | None = None):
        self.scenario = scenario
        self.stack = stack
        self.progress = progress
        self.runs: list[dict[str, Any]] = []
        self.event_log: list[dict[str, Any]] = []
        self.injector = Injector(scenario.faults)  # the scenario's `faults` (sim/local/faults.py)
        # Delivery receipts, as the carrier and SNS's delivery-status logs would send them (sim/local/carrier.py).
        self.carrier = Carrier(stack, scenario.faults, self.injector.note)
        self.days: list[dict[str, Any]] = []  # one snapshot of the book per simulated day (days.jsonl; the report's charts)

    def enroll_accounts(self) -> None:
        """The scenario's accounts, enrolled at the start of its first day (as the lender's core system would)."""
        from escalation.config import Settings
        from escalation.service import configuration
        from escalation.service.ingest import enroll

        start_instant = datetime.combine(self.scenario.start, time(0), tzinfo=UTC)
        settings = replace(Settings.from_env(), default_profile=self.scenario.profile)
        config = configuration.deployed(settings)
        for raw in self.scenario.accounts:
            enroll(raw, start_instant, settings, config)

    def run_day(self, day: date) -> dict[str, int]:
        """Every scheduled run of one date, in time order, then the day's snapshot; what the runs did."""
        for instant, schedule in run_instants(self.stack, day):
            self._run(instant, schedule)
        self._end_of_day(day)
        return self.day_counts(day)

    @property
    def end(self) -> datetime:
        """The scenario's end: midnight UTC after its last day."""
        return datetime.combine(self.scenario.start + timedelta(days=self.scenario.days), time(0), tzinfo=UTC)

    def run(self) -> None:
        self.stack.deploy_configuration(self.scenario.configuration)  # the file's policies and strategy (else the default)
        self.enroll_accounts()
        timeline: list[tuple[datetime, int, Any]] = []
        for event in self.scenario.events:
            timeline.append((instant_of(event["at"]), 0, event))
        for instant, document in self.scenario.deployments:
            timeline.append((instant, -1, document))  # before an event or a run at the same instant
        for offset in range(self.scenario.days):
            day = self.scenario.start + timedelta(days=offset)
            for instant, schedule in run_instants(self.stack, day):
                timeline.append((instant, 1, (day, schedule)))
        timeline.sort(key=lambda t: (t[0], t[1]))
        end = self.end
        current_day: date | None = None
        armed: set[date] = set()
        self.injector.install(self.stack)
        try:
            for instant, kind, item in timeline:
                if kind <= 0 and instant >= end:
                    continue
                if kind == -1:
                    self.stack.deploy_configuration(item)
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
            self.carrier.deliver(end)  # receipts due by the end; later ones stay pending
            if current_day is not None:
                self._end_of_day(current_day)
        finally:
            self.injector.uninstall()

    def apply(self, event: dict[str, Any], instant: datetime) -> None:
        """Deliver one event the way its sender would (its `source`; by default escalation.contract.default_source:
        collections.ops for a legal decision, a pause or a manual outcome, else lender.core):

        * lender.core: the lender's core system, with PutEvents on the borrower bus;
        * collections.ops: a person, through OperatorCommandsFunction's URL, as the event's `principal` (see
          `_operators_command`); the function refuses what that person may not do, and puts the rest on the bus;
        * a borrower's reply: through two-way SMS, its topic and the forwarder (sim/local/carrier.py).
        The ingest refuses the operators' events from any source but collections.ops."""
        from escalation.contract import OPS_SOURCE, default_source

        self.carrier.deliver(instant)
        detail = bus_detail(event, instant, f"{self.scenario.name[:40]}#{len(self.event_log)}", self.scenario.profile)
        bus = self.stack.refs["BorrowerEventBus"]
        source = event["source"] if "source" in event else default_source(detail)  # collections.ops for decisions, pauses, manual outcomes
        entry = {"Source": source, "DetailType": event["type"], "Detail": json.dumps(detail), "EventBusName": bus}
        if event["type"] == "sms_reply":
            inbound_id = hashlib.sha256(detail["event_id"].encode()).hexdigest()[:32]
            send = partial(borrower_replies, self.stack, detail["account_id"], detail["text"], instant, inbound_id)
        elif source == OPS_SOURCE:
            send = partial(self._operators_command, detail, event.get("principal"))
        else:
            send = partial(self.stack.put_events, [entry])
        answer = send()
        refused = answer if isinstance(answer, str) else None  # the operators' path answers with its reason for refusing
        if self.injector.on(instant.date(), "duplicate_event"):
            send()  # the sender sends it again: the same event id
            self.injector.note("duplicate_event")
        self.stack.poll_queues()
        rejected = [r["reason"] for r in self.stack.queue_messages("RejectedEventsQueue")] + ([refused] if refused else [])
        note = "rejected: " + "; ".join(rejected) if rejected else "applied"
        self._wait_for_pending_reviews()  # a decision, a payment or a hold moves a review on
        self.carrier.collect(instant)  # a payment's confirmation, a reply's help text
        logged = {"at": instant.isoformat(), "account_id": event.get("account_id"), "type": event["type"], "note": note}
        logged |= {"principal": p} if (p := event.get("principal")) else {}
        self.event_log.append(logged | ({"effect": effect} if (effect := self._effect(event, instant)) and not rejected else {}))

    def _operators_command(self, detail: dict[str, Any], principal: str | None) -> str | None:
        """A person's command through OperatorCommandsFunction; returns the function's reason if it refused.

        The scenario's `principal` is the caller AWS authenticated; the harness names its role among the stack's
        reviewers' (a legal decision) or operators' roles (the rest), as a lender names its Identity Center roles
        (ExtraReviewerRoles / ExtraOperatorRoles). Without one, the stack's own role's sessions act: a decision naming
        a `reviewer` is that person's; one naming nobody stands for the review's decision (SCENARIOS.md's examples
        predate four eyes): as many distinct reviewers as the account's profile requires approve, or one rejects. An
        operator's event without a principal is one operator's."""
        from escalation.contract import Principal

        reviewing = detail["type"] == "legal_decision"
        if principal is not None:
            try:
                role = {Principal.parse(principal).role}
                if reviewing:
                    self.stack.admit_roles(reviewers=role)
                else:
                    self.stack.admit_roles(operators=role)
            except ValueError:
                pass  # not a role's session (an IAM user): the function refuses it, with the reason
            callers = [principal]
        elif reviewing and detail.get("reviewer"):  # a named reviewer (the lab's lab-1, lab-2...): that one person
            callers = [self.stack.session_of("ReviewerRole", re.sub(r"[^A-Za-z0-9+=,.@_-]", "-", detail["reviewer"])[:64].ljust(2, "-"))]
        elif reviewing:
            needed = self._approvals_needed(detail["account_id"]) if detail.get("decision") == "approve" else 1
            callers = [self.stack.session_of("ReviewerRole", f"scenario-reviewer-{n}") for n in range(1, needed + 1)]
        else:
            callers = [self.stack.session_of("OperatorRole", "scenario-operator")]
        reasons = []
        for n, caller in enumerate(callers):
            body = detail | ({"event_id": f"{detail['event_id'][:120]}-{n}"} if n else {})
            answer = self.stack.operator_command(body, caller)
            if answer["statusCode"] >= 300:
                reasons.append(answer["body"]["reason"])
            self.stack.poll_queues()  # each approval applied before the next is asked for
        return "; ".join(reasons) or None

    def _approvals_needed(self, account_id: str) -> int:
        """The approvals the account's waiting review still needs: its profile's legal_approvals, less the people who
        approved already (at least one: with no review waiting, the function says so)."""
        from escalation.aws import dynamo
        from escalation.domain import legal
        from escalation.service.context import profile_of

        account = dynamo.load(account_id)
        if account is None:
            return 1
        return max(1, profile_of(account).legal_approvals - len(legal.approvers(account)))

    def _effect(self, event: dict[str, Any], instant: datetime) -> str | None:
        """What the event did to the account, in the ingest's words (the account's last event, if it is this one)."""
        from escalation.aws import dynamo

        last = dynamo.last_event(str(event.get("account_id")))
        prefix = f"{instant.astimezone(UTC).isoformat()} {event['type']}: "
        return last[len(prefix) :] if last and last.startswith(prefix) else None

    def _run(self, instant: datetime, schedule: str) -> None:
        self.carrier.deliver(instant)  # the receipts that came in since: a failing number is closed before the run
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
        self.carrier.collect(instant)

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
        """A simulated day is over: its audit entries are archived (the contacts table's stream, as ArchiveAuditFunction
        takes it in AWS within a minute), progress reported, then the book recorded as it stands (accounts by status
        and stage)."""
        from escalation.aws import dynamo

        self.stack.drain_streams()
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


def _poll(check: Callable[[], bool], failure: str, timeout: float = 30) -> None:
    import time as _time

    deadline = _time.monotonic() + timeout
    while not check():
        if _time.monotonic() > deadline:
            raise RuntimeError(failure)
        _time.sleep(0.01)
