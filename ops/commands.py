"""What the ops commands do, against any set of the stack's resources (deployed or local).

`Ops` takes the stack's resources by logical id (template.yaml's names) -> physical id, and a
boto3 session. Reviewers' decisions, operators' pauses and the outcomes agents report
(`outcome call|visit`) go through OperatorCommandsFunction (ops/operator_door.py): signed with the
caller's own credentials, so the identity recorded is the one AWS authenticated, and put on the
borrower bus as `collections.ops` events, validated and applied once like the lender's own.
"""

from __future__ import annotations

import json
import time as _time
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from escalation.contract import CallOutcomeEvent, ContractError, PromiseToPayEvent, VisitOutcomeEvent, field_choices, parse_event
from escalation.domain.events import MAX_PROMISE_DAYS
from escalation.domain.model import Stage, audit_entry_kind, furthest
from escalation.domain.phones import mask_phone
from escalation.domain.receipts import delivery_of
from escalation.domain.windows import local_day, zones_for

from .operator_door import DoorRefused, LocalDoor, OperatorDoor, SignedUrlDoor

# Outcomes agents and field teams report (`outcome call|visit`): the event type, the outcomes the contract takes,
# and the one that is a conversation, in which a promise to pay can be made.
OUTCOME_EVENTS = {"call": "call_outcome", "visit": "visit_outcome"}
OUTCOMES = {"call": field_choices(CallOutcomeEvent)["outcome"], "visit": field_choices(VisitOutcomeEvent)["outcome"]}
PROMISE_OUTCOMES = {"call": "reached", "visit": "met"}
# Logical ids the commands use; a deployed stack is asked for their physical ids.
RESOURCES = (
    "AccountsTable",
    "ContactsTable",
    "NumbersTable",
    "BorrowerEventBus",
    "LegalReviewStateMachine",
    "DailyRunStateMachine",
    "ManifestBucket",
)
OUTPUTS = ("OperatorCommandsUrl",)  # the stack's outputs the commands use


class OpsError(Exception):
    """A command cannot proceed; the message says why and what to do."""


def stack_resources(session: Any, stack_name: str) -> dict[str, str]:
    """Logical id -> physical id of a deployed stack's resources."""
    cfn = session.client("cloudformation")
    found: dict[str, str] = {}
    for page in cfn.get_paginator("list_stack_resources").paginate(StackName=stack_name):
        found |= {r["LogicalResourceId"]: r["PhysicalResourceId"] for r in page["StackResourceSummaries"]}
    missing = [r for r in RESOURCES if r not in found]
    if missing:
        raise OpsError(f"stack {stack_name!r} has no {', '.join(missing)}: is it this product's stack?")
    [stack] = cfn.describe_stacks(StackName=stack_name)["Stacks"]
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", []) if o["OutputKey"] in OUTPUTS}
    return found | outputs | {"AWS::StackName": stack_name}


# Where a local stack (make local, sim/local_server.py) publishes its resources (it has no CloudFormation stack),
# and its simulated clock: the last day it ran.
LOCAL_RESOURCES_PARAMETER = "/collections-escalation/{stack}/resources"
LOCAL_CLOCK_PARAMETER = "/collections-escalation/{stack}/clock"
AFTER_THE_DAYS_RUNS = time(21)  # UTC: after the last scheduled run of a day (10:00 in Honolulu is 20:00Z)
# Days back `timeline` reads the audit archive at most: it lists the profile's objects from that day on and reads each
# (every account's entries of each day). Longer histories, or many accounts: Athena (docs/OPERATIONS.md).
ARCHIVE_MAX_DAYS = 400


def local_stack_resources(session: Any, endpoint_url: str, stack_name: str) -> dict[str, str]:
    """Logical id -> physical id of a local stack's resources, as it published them on its endpoint."""
    ssm = session.client("ssm", endpoint_url=endpoint_url)
    try:
        value = ssm.get_parameter(Name=LOCAL_RESOURCES_PARAMETER.format(stack=stack_name))["Parameter"]["Value"]
    except ssm.exceptions.ParameterNotFound:
        raise OpsError(f"no local stack {stack_name!r} at {endpoint_url}: is `make local` running?") from None
    return json.loads(value)


@dataclass
class Ops:
    resources: dict[str, str]
    session: Any
    endpoint_url: str | None = None  # a local stack's (make local); None: AWS
    door: OperatorDoor | None = None  # how commands reach OperatorCommandsFunction; None: found from the stack
    person: str | None = None  # a local stack: whose session of its role acts (default: this OS user)

    def operator_door(self) -> OperatorDoor:
        if self.door is None:
            if self.endpoint_url:
                host, _, port = self.endpoint_url.rstrip("/").rpartition(":")
                self.door = LocalDoor(self.session, self.endpoint_url, f"{host}:{int(port) + 1}", self.resources, self.person)
            elif "OperatorCommandsUrl" in self.resources:
                self.door = SignedUrlDoor(self.session, self.resources["OperatorCommandsUrl"])
            else:
                raise OpsError("the stack has no OperatorCommandsUrl output: deploy this version of the stack first")
        return self.door

    def client(self, service: str) -> Any:
        return self.session.client(service, endpoint_url=self.endpoint_url) if self.endpoint_url else self.session.client(service)

    def now(self) -> datetime:
        """When an operator's decision happens: now; on a local stack, the evening of its last simulated day."""
        if self.endpoint_url:
            ssm, stack = self.client("ssm"), self.resources.get("AWS::StackName", "local")
            try:
                day = ssm.get_parameter(Name=LOCAL_CLOCK_PARAMETER.format(stack=stack))["Parameter"]["Value"]
                return datetime.combine(date.fromisoformat(day), AFTER_THE_DAYS_RUNS, tzinfo=UTC)
            except ssm.exceptions.ParameterNotFound:
                pass
        return datetime.now(UTC)

    # ------------------------------------------------------------------ legal reviews
    def pending_reviews(self) -> list[dict[str, Any]]:
        """Legal reviews waiting for a person: one row per running review execution."""
        sfn = self.client("stepfunctions")
        rows = []
        arn = self.resources["LegalReviewStateMachine"]
        pages = sfn.get_paginator("list_executions").paginate(stateMachineArn=arn, statusFilter="RUNNING")
        for page in pages:
            for execution in page["executions"]:
                review = json.loads(sfn.describe_execution(executionArn=execution["executionArn"])["input"])
                rows.append(
                    {
                        "account_id": review.get("account_id"),
                        "amount_due": review.get("amount_due"),
                        "currency": review.get("currency"),
                        "requested_at": review.get("requested_at"),
                        "execution": execution["name"],
                    }
                )
        return sorted(rows, key=lambda r: (r["requested_at"] or "", r["account_id"] or ""))

    def decide(self, account_id: str, decision: str, note: str | None = None) -> dict[str, Any]:
        """Approve or reject the waiting review of one account, as the caller AWS authenticates (a legal_decision
        through OperatorCommandsFunction). `note` is a display note kept beside that identity, never instead of it."""
        if decision not in ("approve", "reject"):
            raise OpsError(f"decision: expected approve or reject, got {decision!r}")
        account = self.account(account_id)
        if account.get("legal_state") != "pending" or not account.get("legal_task_token"):
            raise OpsError(f"account {account_id}: no legal review is waiting (legal_state: {account.get('legal_state') or 'none'})")
        fields = {"decision": decision} | ({"reviewer": note.strip()} if note and note.strip() else {})
        detail = self._put_event("legal_decision", account_id, fields)
        return {"account_id": account_id, "decision": decision, "principal": detail["principal"], "note": fields.get("reviewer"),
                "event_id": detail["event_id"]}  # fmt: skip

    def _put_event(self, detail_type: str, account_id: str, fields: dict[str, Any]) -> dict[str, Any]:
        [detail] = self._put_events([self._detail(detail_type, account_id, self.now(), fields)])
        return detail

    @staticmethod
    def _detail(detail_type: str, account_id: str, at: datetime, fields: dict[str, Any], event_id: str | None = None) -> dict[str, Any]:
        event_id = event_id or f"ops-{uuid.uuid4().hex}"
        return {"type": detail_type, "event_id": event_id, "account_id": account_id, "occurred_at": at.isoformat(), **fields}

    def _put_events(self, details: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Send the events, in this order, as one command list through OperatorCommandsFunction: it puts all of them
        on the borrower bus in one PutEvents call, or none. Returns them with the principal the function recorded."""
        try:
            accepted = self.operator_door().send(details if len(details) > 1 else details[0])
        except DoorRefused as refused:
            raise OpsError(f"refused: {refused}") from None
        # The function names each event: the id it put it under (the CLI's own id, in the caller's namespace) and who.
        return [d | {"event_id": a["event_id"], "principal": a["principal"]} for d, a in zip(details, accepted["events"], strict=True)]

    # ------------------------------------------------------------------ outcomes agents and field teams report
    def outcome(
        self, kind: str, account_id: str, outcome: str, task_id: str | None = None, promise: tuple[str, str] | None = None
    ) -> list[dict[str, Any]]:
        """Report a call's or a visit's outcome (`call_outcome` / `visit_outcome`), and a promise to pay made in it
        (`promise_to_pay`, after the outcome), as the agents' own tooling would: events on the bus.

        Every event is checked against the product's contract (escalation.contract) and the account must be
        enrolled before anything is put; then all of them go in one PutEvents call, in order. Returns the events put.
        """
        if kind not in OUTCOME_EVENTS:
            raise OpsError(f"outcome: expected call or visit, got {kind!r}")
        if task_id is not None and kind != "call":
            raise OpsError("task: only a call outcome names the task it answers")
        at = self.now()
        # "manual": entered by hand, so the ingest takes it only from the operators' source (escalation.contract.check_source).
        fields: dict[str, Any] = {"outcome": outcome, "manual": True} | ({"task_id": task_id} if task_id is not None else {})
        details = [self._detail(OUTCOME_EVENTS[kind], account_id, at, fields)]
        _check(details[0], "")
        promised: PromiseToPayEvent | None = None
        if promise is not None:
            if outcome != PROMISE_OUTCOMES[kind]:
                only = f"{kind} {PROMISE_OUTCOMES[kind]}"
                raise OpsError(f"promise: a promise to pay is made in a conversation: only with {only}, not {kind} {outcome}")
            amount, promised_date = promise
            # At the same instant as the outcome, and after it in the audit log (keyed by instant, then event id).
            promise_id = f"{details[0]['event_id']}-promise"
            details.append(self._detail("promise_to_pay", account_id, at, {"amount": amount, "promised_date": promised_date}, promise_id))
            promised = _check(details[1], "promise ")
            details[1]["amount"] = str(promised.amount)  # as the ledger writes it: 500 -> "500.00"
        account = self.account(account_id)  # enrolled? (else: not enrolled)
        if promised is not None:
            # The ingest refuses a promise before the borrower's own today or more than MAX_PROMISE_DAYS ahead: so does
            # this, rather than put an outcome whose promise would then be rejected.
            today = local_day(at, zones_for(account["phone"], account.get("timezone")))
            if promised.promised_date < today:
                raise OpsError(f"promise promised_date: {promised.promised_date} is in the past (the borrower's today is {today})")
            if promised.promised_date > today + timedelta(days=MAX_PROMISE_DAYS):
                raise OpsError(f"promise promised_date: {promised.promised_date} is more than {MAX_PROMISE_DAYS} days ahead")
        return self._put_events(details)

    # ------------------------------------------------------------------ pausing an account
    def pause(self, account_id: str, note: str | None = None, until: str | None = None) -> dict[str, Any]:
        """Stop all contact with an account (a `paused` hold) until resumed, or through `until` (YYYY-MM-DD). Who paused
        it is the caller AWS authenticated; `note` (`--by`) is kept beside it as requested_by."""
        self.account(account_id)  # exists?
        fields: dict[str, Any] = {"reason": "paused"} | _note(note)
        if until:
            fields["until"] = until
        detail = self._put_event("hold_placed", account_id, fields)
        return {"account_id": account_id, "paused": True, "until": until, "event_id": detail["event_id"], "principal": detail["principal"]}

    def resume(self, account_id: str, note: str | None = None) -> dict[str, Any]:
        """Lift an operator's pause; other holds (disputes, bankruptcy...) stay."""
        account = self.account(account_id)
        if "paused" not in (account.get("holds") or {}):
            raise OpsError(f"account {account_id}: not paused (holds: {', '.join(account.get('holds') or {}) or 'none'})")
        detail = self._put_event("hold_lifted", account_id, {"reason": "paused"} | _note(note))
        return {"account_id": account_id, "paused": False, "event_id": detail["event_id"], "principal": detail["principal"]}

    # ------------------------------------------------------------------ verifying a stack
    def smoke(self, phone: str, wait_seconds: float = 600) -> dict[str, Any]:
        """One synthetic account through the real path: enrolled by an event, due tomorrow (its pre-due text is due
        now, inside the window), a daily run started now, then paused so that it is never contacted again.

        The text really goes to `phone`: use the team's own test phone. The account stays (nothing deletes an
        account or its audit record); its product is "smoke".
        """
        from escalation.domain.phones import profile_of_number

        now = self.now()
        account_id = f"SMOKE-{now:%Y%m%dT%H%M%S}"
        profile = profile_of_number(phone)
        if profile is None:
            raise OpsError(f"phone: {phone!r} is not a CN, US or EU/UK number (E.164, e.g. +12125550100)")
        currency = {"CN": "CNY", "US": "USD", "EU": "EUR"}[profile]
        account = {"account_id": account_id, "phone": phone, "balance": "1.00", "currency": currency,
                   "due_date": (now + timedelta(days=1)).date().isoformat(), "product": "smoke"}  # fmt: skip
        self._put_event("new_account", account_id, {"account": account})
        self._wait(lambda: self._item(account_id) is not None, wait_seconds, f"{account_id} was not enrolled (see RejectedEventsQueue)")
        sfn, name = self.client("stepfunctions"), f"smoke-{account_id}"
        run = sfn.start_execution(
            stateMachineArn=self.resources["DailyRunStateMachine"],
            name=name,
            input=json.dumps({"as_of": now.isoformat(), "group": "smoke"}),
        )
        self._wait(
            lambda: sfn.describe_execution(executionArn=run["executionArn"])["status"] != "RUNNING",
            wait_seconds,
            f"run {name} still running",
        )
        status = sfn.describe_execution(executionArn=run["executionArn"])["status"]
        contacted = self._wait(lambda: self.timeline(account_id)["contacts"], wait_seconds / 4, None)
        self.pause(account_id, "smoke")
        return {
            "account_id": account_id,
            "run": name,
            "status": status,
            "contacts": self.timeline(account_id)["contacts"] if contacted else [],
        }

    def _item(self, account_id: str) -> dict[str, Any] | None:
        try:
            return self.account(account_id)
        except OpsError:
            return None

    @staticmethod
    def _wait(check: Any, seconds: float, failure: str | None) -> Any:
        deadline = _time.monotonic() + seconds
        while not (result := check()):
            if _time.monotonic() > deadline:
                if failure:
                    raise OpsError(failure)
                return result
            _time.sleep(1)
        return result

    # ------------------------------------------------------------------ daily runs
    def runs_on(self, day: str) -> list[dict[str, Any]]:
        """The daily runs started on a UTC date, each with its report (or its failure)."""
        try:
            wanted = datetime.fromisoformat(day).date()
        except ValueError:
            raise OpsError(f"date: expected YYYY-MM-DD, got {day!r}") from None
        sfn, s3 = self.client("stepfunctions"), self.client("s3")
        rows = []
        arn = self.resources["DailyRunStateMachine"]
        for page in sfn.get_paginator("list_executions").paginate(stateMachineArn=arn):
            for execution in page["executions"]:
                described = sfn.describe_execution(executionArn=execution["executionArn"])
                as_of = json.loads(described.get("input") or "{}").get("as_of", "")
                if as_of[:10] != wanted.isoformat():
                    continue
                row: dict[str, Any] = {"run": execution["name"], "status": execution["status"], "as_of": as_of}
                try:
                    body = s3.get_object(Bucket=self.resources["ManifestBucket"], Key=f"runs/{execution['name']}/report.json")["Body"]
                    row["report"] = json.loads(body.read())
                except s3.exceptions.NoSuchKey:
                    row["report"] = None
                rows.append(row)
        return sorted(rows, key=lambda r: (r["as_of"], r["run"]))

    def redrive(self, run: str) -> dict[str, Any]:
        """Run a failed or incomplete daily run again: Step Functions' redrive where it can, else a new run of the same date.

        Either is safe: every side effect is claimed per (account, day, action, rule), so what the
        first attempt did is not done again (docs/RELIABILITY.md).
        """
        sfn = self.client("stepfunctions")
        arn = self.resources["DailyRunStateMachine"].replace(":stateMachine:", ":execution:") + f":{run}"
        try:
            described = sfn.describe_execution(executionArn=arn)
        except sfn.exceptions.ExecutionDoesNotExist:
            raise OpsError(f"run {run}: no such execution of the daily run") from None
        if described["status"] == "RUNNING":
            raise OpsError(f"run {run} is still running")
        try:
            sfn.redrive_execution(executionArn=arn)
            return {"run": run, "redriven": True, "how": "redrive"}
        except Exception:  # noqa: BLE001 - not redrivable (or not supported): start the same date again
            name = f"{run[:60]}-redo-{uuid.uuid4().hex[:8]}"
            started = sfn.start_execution(stateMachineArn=self.resources["DailyRunStateMachine"], name=name, input=described["input"])
            return {"run": run, "redriven": True, "how": "new run", "execution": started["executionArn"].rsplit(":", 1)[-1]}

    # ------------------------------------------------------------------ what did we send, and why
    def account(self, account_id: str) -> dict[str, Any]:
        item = (
            self.client("dynamodb")
            .get_item(TableName=self.resources["AccountsTable"], Key={"account_id": {"S": account_id}}, ConsistentRead=True)
            .get("Item")
        )
        if item is None:
            raise OpsError(f"account {account_id}: not enrolled")
        return plain(item)

    def timeline(self, account_id: str, reveal: bool = False, since: str | None = None) -> dict[str, Any]:
        """The account as it stands and every entry of its audit log, oldest first, each contact with its rule.

        Recent entries come from the contacts table (it keeps AuditTableDays); older ones from the audit archive, read
        for the account's profile from `since` on (default: 30 days before its due date, the delinquency), at most
        ARCHIVE_MAX_DAYS back (further back, or for many accounts: Athena, docs/OPERATIONS.md "Audit archive")."""
        account = self.account(account_id)
        ddb = self.client("dynamodb")
        contacts: list[dict[str, Any]] = []
        query = {"TableName": self.resources["ContactsTable"], "KeyConditionExpression": "account_id = :a"}
        query["ExpressionAttributeValues"] = {":a": {"S": account_id}}
        for page in ddb.get_paginator("query").paginate(**query):
            contacts += [plain(i) for i in page["Items"]]
        archived, history = self._archived(account, since)
        in_table = {c["key"] for c in contacts}
        contacts += [r for r in archived if r["key"] not in in_table]  # an entry is in both until the table's TTL
        # The audit log holds the account's contacts and, keyed "event#...", the borrower events applied to it.
        entries: dict[str, list[dict[str, Any]]] = {"contact": [], "event": [], "receipt": []}
        for item in sorted(contacts, key=lambda c: c.get("at", "")):
            entries[audit_entry_kind(item["key"])].append(item)
        contacts, events = entries["contact"], entries["event"]
        receipts = {r["contact_key"]: r for r in entries["receipt"]}
        for c in contacts:
            if c["action"] == "sms":  # the carrier's word on it (a receipt), else pending, or unknown after 72 hours
                receipt = receipts.get(c["key"])
                c["delivery"] = delivery_of(
                    receipt and receipt["delivery"], datetime.fromisoformat(c["at"].replace("Z", "+00:00")), self.now()
                ).value
                if receipt and receipt["delivery"] == "failed":
                    c["delivery_reason"] = receipt["reason"]
        # The stage is the furthest any contact reached (escalation.aws.dynamo keeps each one reached).
        account["stage"] = furthest(*(Stage(s) for s in [account.get("stage", "pre_due"), *account.pop("stages", [])])).value
        number = ddb.get_item(TableName=self.resources["NumbersTable"], Key={"phone": {"S": account["phone"]}}, ConsistentRead=True)
        account["closed_channels"] = {ch: v for ch, v in plain(number.get("Item", {})).items() if ch != "phone"}
        if not reveal:
            for c in contacts:
                c["to"] = mask_phone(c["to"]) if c.get("to") else c.get("to")
            account["phone"] = mask_phone(account["phone"]) if account.get("phone") else account.get("phone")
            account["emergency_contacts"] = [mask_phone(p) for p in account.get("emergency_contacts", [])]
        account.pop("legal_task_token", None)
        return {"account": account, "contacts": contacts, "events": [_event_entry(e, reveal) for e in events], "archive": history}

    def _archived(self, account: dict[str, Any], since: str | None) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        """The account's entries in the audit archive from `since` on, and what was read."""
        from escalation.aws.archive import records_between

        bucket = self.resources.get("AuditArchiveBucket")
        if not bucket:
            return [], {"read": False, "why": "this stack has no audit archive"}
        try:
            first = date.fromisoformat(since) if since else date.fromisoformat(account["due_date"]) - timedelta(days=30)
        except ValueError:
            raise OpsError(f"--since: expected a date (YYYY-MM-DD), got {since!r}") from None
        first = max(first, self.now().date() - timedelta(days=ARCHIVE_MAX_DAYS - 1))
        records = records_between(self.client("s3"), bucket, account.get("profile", ""), first, None, account["account_id"])
        entries = [{k: v for k, v in r.items() if k != "kind"} for r in records]
        return entries, {"read": True, "from": first.isoformat(), "entries": len(entries)}


def _note(note: str | None) -> dict[str, str]:
    """A typed name, kept as requested_by beside the authenticated principal (a display note, not an identity)."""
    return {"requested_by": note.strip()} if note and note.strip() else {}


def _check(detail: dict[str, Any], what: str) -> Any:
    """The event as the contract reads it; an OpsError naming the field ("<what><field>: <reason>") if it is outside it."""
    try:
        return parse_event(detail)
    except ContractError as exc:
        raise OpsError(f"{what}{exc}") from None


def _event_entry(item: dict[str, Any], reveal: bool) -> dict[str, Any]:
    fields = json.loads(item.get("fields") or "{}")
    if not reveal and fields.get("phone"):  # contact_updated carries the new number
        fields["phone"] = mask_phone(fields["phone"])
    if not reveal and fields.get("text"):  # a borrower's reply: their own words
        fields["text"] = f"({len(fields['text'])} characters; --reveal shows them)"
    return {"at": item["at"], "type": item["type"], "effect": item["effect"], "fields": fields, "key": item["key"]}


def plain(item: dict[str, Any]) -> dict[str, Any]:
    """A DynamoDB item as plain JSON values."""
    from boto3.dynamodb.types import TypeDeserializer

    des = TypeDeserializer()
    return {k: _json(des.deserialize(v)) for k, v in item.items()}


def _json(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _json(v) for k, v in value.items()}
    if isinstance(value, list | set | tuple):
        return [_json(v) for v in value]
    if hasattr(value, "as_integer_ratio") and not isinstance(value, bool | int | float):  # Decimal
        return int(value) if value == int(value) else str(value)
    return value
