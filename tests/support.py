"""Helpers the handler and end-to-end tests share (fixtures live in conftest.py)."""

from __future__ import annotations

import fnmatch
import functools
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest


def enroll(raw: dict[str, Any], at: datetime, default_profile: str = "CN") -> bool:
    """Enrol an account on the running local stack as the ingest function would (the deployed lender configuration)."""
    from escalation.config import Settings
    from escalation.service import configuration
    from escalation.service.ingest import enroll as enroll_raw

    settings = replace(Settings.from_env(), default_profile=default_profile)
    return enroll_raw(raw, at, settings, configuration.deployed(settings))


def ingest(event: dict[str, Any], at: datetime) -> str:
    """Apply a borrower event (domain form) on the running local stack as the ingest function would."""
    from escalation.config import Settings
    from escalation.service import configuration
    from escalation.service.ingest import ingest as ingest_event

    settings = Settings.from_env()
    return ingest_event(event, at, settings, configuration.deployed(settings))


def record_batch(stack: Any, run_id: str, outcomes: list[dict[str, Any]], settled: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """RecordOutcomes on a batch's outcomes, as the daily run's Map hands them over."""
    return stack.call_handler("RecordOutcomesFunction", {"run_id": run_id, "batch": 0, "outcomes": outcomes, "settled": settled or []})


def send_text(stack: Any, request: dict[str, Any]) -> dict[str, Any]:
    """One outbox message through the sender's batch path (a batch of one): its outcome, or the error it raised."""
    import importlib

    from escalation.service.dispatch import Request
    from escalation.service.texting import send_texts

    app = importlib.import_module("send_sms.app")
    app.SETTINGS = stack.function_settings("SendSmsFunction", app.NEEDS)
    [outcome] = send_texts([Request.parse(request)], app.SETTINGS)
    if isinstance(outcome, Exception):
        raise outcome
    return outcome


def utc(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)


def local_date(contact: dict[str, Any]) -> date:
    return datetime.fromisoformat(contact["local_time"]).date()


class ScenarioOutput:
    """`make scenario`'s files for one run: contacts, accounts, events, runs and the summary."""

    def __init__(self, out: Path, summary: dict[str, Any]) -> None:
        self.out = out
        self.summary = summary
        self.contacts = _lines(out / "contacts.jsonl")
        self.events = _lines(out / "events.jsonl")
        self.runs = _lines(out / "runs.jsonl")
        self.accounts = {a["account_id"]: a for a in json.loads((out / "accounts.json").read_text(encoding="utf-8"))}
        self.tasks = _lines(out / "tasks.jsonl")  # {"queue": "call" | "visit" | "legal_referral", "message": {...}}
        self.operator_actions = _lines(out / "operator_actions.jsonl")  # what people did, from the audit archive

    def of(self, account_id: str, action: str | None = None, purpose: str | None = None) -> list[dict[str, Any]]:
        return [
            c
            for c in self.contacts
            if c["account_id"] == account_id and (action is None or c["action"] == action) and (purpose is None or c["purpose"] == purpose)
        ]

    def after(self, account_id: str, instant: str) -> list[dict[str, Any]]:
        """The account's contacts strictly after `instant` (an ISO UTC string, as a scenario's events give it)."""
        return [c for c in self.of(account_id) if utc(c["at"]) > utc(instant)]

    def days(self, account_id: str, action: str | None = None) -> list[date]:
        return [local_date(c) for c in self.of(account_id, action)]

    def notes(self, account_id: str, kind: str | None = None) -> list[str]:
        """Each event's delivery: "applied", or "rejected: <reason>"."""
        return [e["note"] for e in self.events if e["account_id"] == account_id and (kind is None or e["type"] == kind)]

    def effects(self, account_id: str, kind: str | None = None) -> list[str]:
        """What each applied event did to the account, in the ingest's words."""
        return [e.get("effect", "") for e in self.events if e["account_id"] == account_id and (kind is None or e["type"] == kind)]

    def run_notes(self) -> dict[str, int]:
        """Every reason the runs counted (skips, and what the calendar did), summed."""
        total: dict[str, int] = {}
        for r in self.runs:
            for reason, n in r.get("skip_reasons", {}).items():
                total[reason] = total.get(reason, 0) + n
        return total


# The published schema of each queue's messages (docs/CONTRACTS.md, "Task messages").
SCHEMAS = Path(__file__).resolve().parents[1] / "schemas"
TASK_SCHEMAS = {
    "call": "call-task.schema.json",
    "reply": "reply-task.schema.json",  # the call queue's other kind: a borrower's reply for an agent
    "visit": "visit-task.schema.json",
    "legal_referral": "legal-referral-task.schema.json",
}


@functools.cache
def task_validators() -> dict[str, Any]:
    """queue -> a Draft 2020-12 validator of its messages (formats checked), with the shared definitions registered."""
    from jsonschema import Draft202012Validator
    from referencing import Registry, Resource

    documents = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(SCHEMAS.glob("*.schema.json"))]
    registry = Registry().with_resources([(d["$id"], Resource.from_contents(d)) for d in documents])
    by_id = {d["$id"].rsplit("/", 1)[1]: d for d in documents}
    return {
        queue: Draft202012Validator(by_id[name], registry=registry, format_checker=Draft202012Validator.FORMAT_CHECKER)
        for queue, name in TASK_SCHEMAS.items()
    }


def task_problems(queue: str, message: Any) -> list[str]:
    """Where a message breaks its queue's published schema ("<path>: <problem>"); [] when it follows it."""
    if queue == "call" and isinstance(message, dict) and message.get("kind") == "reply":
        queue = "reply"
    errors = task_validators()[queue].iter_errors(message)
    return sorted(f"{'/'.join(map(str, e.absolute_path)) or '(message)'}: {e.message}" for e in errors)


def _lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def ops_for(stack: Any, session: Any = None, person: str | None = None) -> Any:
    """The ops CLI's commands on a LocalStack in this process: their commands reach OperatorCommandsFunction as its
    URL would deliver them, as `person`'s session of the stack's reviewers' or operators' role (default: this OS user)."""
    import boto3

    from ops.commands import Ops
    from ops.operator_door import HarnessDoor
    from sim.local.stack import REGION

    session = session or boto3.Session(region_name=REGION)
    return Ops(dict(stack.refs), session, door=HarnessDoor(stack, session, person))


def iam_requests(service: str, operation: str, params: dict[str, Any], named: dict[str, str]) -> list[tuple[str, str]]:
    """One API call as the (IAM action, resource) pairs it is authorized on, resources by logical id."""
    if service == "dynamodb":
        if operation == "BatchGetItem":
            return [("dynamodb:BatchGetItem", named[t]) for t in params["RequestItems"]]
        if operation == "TransactWriteItems":  # authorized per item, as the item's own action
            items = [(kind, request) for entry in params["TransactItems"] for kind, request in entry.items()]
            return [(f"dynamodb:{kind}Item", named[request["TableName"]]) for kind, request in items]
        table = named[params["TableName"]]
        return [(f"dynamodb:{operation}", f"{table}/index/{params['IndexName']}" if params.get("IndexName") else table)]
    if service == "s3":
        bucket = named[params["Bucket"]]
        if operation == "ListObjectsV2":
            if bucket == "ManifestBucket":  # the functions' statement's s3:prefix condition
                assert fnmatch.fnmatchcase(params.get("Prefix", ""), "runs/*"), params
            return [("s3:ListBucket", bucket)]
        if operation == "PutObject" and params.get("ObjectLockMode"):  # a retention set on put is authorized as both
            return [(f"s3:{action}", f"{bucket}/{params['Key']}") for action in ("PutObject", "PutObjectRetention")]
        return [(f"s3:{operation}", f"{bucket}/{params['Key']}")]
    if service == "sqs":  # SendMessageBatch is authorized as sqs:SendMessage
        return [(f"sqs:{operation.removesuffix('Batch')}", named[params["QueueUrl"]])]
    if service == "sns":
        target = named[params["TopicArn"]] if "TopicArn" in params else "*"  # an SMS to a number has no ARN
        return [(f"sns:{operation}", target)]
    if service == "events":  # PutEvents is authorized on the bus each entry names
        return [("events:PutEvents", named[bus]) for bus in sorted({e["EventBusName"] for e in params["Entries"]})]
    if service == "kms":  # the operators' seal: GenerateMac / VerifyMac on the key named by id
        return [(f"kms:{operation}", named[params["KeyId"]])]
    if service == "appconfigdata":  # the data plane is authorized as appconfig:<operation> on the configuration
        return [(f"appconfig:{operation}", "LenderConfigProfile")]
    if service == "states":
        if "executionArn" in params:  # an execution: "<machine>:execution:<name>"
            machine, _, name = params["executionArn"].replace(":execution:", ":stateMachine:").rpartition(":")
            return [(f"states:{operation}", f"{named[machine]}:execution:{name}")]
        if "stateMachineArn" in params:
            return [(f"states:{operation}", named[params["stateMachineArn"]])]
        # Task tokens: only the legal review waits for one (.waitForTaskToken).
        return [(f"states:{operation}", "LegalReviewStateMachine")]
    return [(f"{service}:{operation}", "?")]


def resource_names(stack: Any) -> dict[str, str]:
    """Physical name, URL, id or ARN -> the template's logical id, for every resource of a LocalStack (iam_requests)."""
    named = {str(physical): logical for logical, physical in stack.refs.items() if logical in stack.template["Resources"]}
    return named | {str(value): logical for (logical, attr), value in stack.attrs.items() if attr == "Arn"}


@contextmanager
def cli_calls(stack: Any) -> Iterator[list[tuple[str, str]]]:
    """The AWS calls the ops CLI makes itself while it runs a command, as (IAM action, resource) pairs: on this thread,
    outside the functions it reaches (their calls are their roles'), without the local door's STS calls (deployed, the
    request is signed with the caller's credentials instead)."""
    from botocore.client import BaseClient

    from ops import cli
    from sim.local.stack import LocalStack

    calls: list[tuple[str, str]] = []
    named = resource_names(stack)
    make_api_call, call_handler, run, me = BaseClient._make_api_call, LocalStack.call_handler, cli.run, threading.get_ident()
    state = {"command": 0, "function": 0}

    def recording(self: Any, operation: str, params: dict[str, Any]) -> Any:
        service = self.meta.service_model.endpoint_prefix
        if threading.get_ident() == me and state["command"] and not state["function"] and service != "sts":
            calls.extend(iam_requests(service, operation, params, named))
        return make_api_call(self, operation, params)

    def within(key: str, call: Any) -> Any:
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            state[key] += 1
            try:
                return call(*args, **kwargs)
            finally:
                state[key] -= 1

        return wrapped

    patch = pytest.MonkeyPatch()
    patch.setattr(BaseClient, "_make_api_call", recording)
    patch.setattr(LocalStack, "call_handler", within("function", call_handler))
    patch.setattr(cli, "run", within("command", run))
    try:
        yield calls
    finally:
        patch.undo()
