"""Every AWS call the functions make is one their role allows (template.yaml, read by sim/local/iam.py).

moto enforces no IAM, so this records what each handler really calls while a short scenario runs
through the local stack — every function, including the legal path (reviewers' decisions through
OperatorCommandsFunction: approve, reject, a review withdrawn by a payment, a heartbeat), enrolment,
a rejected event and a crash recovered — and maps each call to its IAM action and resource.
tests/unit/test_security_template.py pins the grants to a table traced from the code; this test
checks that table against the code's behaviour
(a new call, a new S3 key layout or a new table access fails here before it fails in AWS).
"""

import json
import threading
from collections import defaultdict
from typing import Any

import pytest
from botocore.client import BaseClient

from sim.local import iam
from sim.local.stack import LocalStack
from sim.local.template import load_template, resources_of_type
from tests.support import iam_requests, resource_names

LATE_DUE, FIELD_DUE = "2026-01-02", "2026-02-01"  # D+58 and D+28 on 2026-03-01: legal review and field visit are near
REFUSE_TWICE = [("2026-03-01T00:30:00Z", "refused"), ("2026-03-01T00:40:00Z", "refused")]


def account(account_id: str, n: int, due: str, balance: str = "8000.00") -> dict[str, Any]:
    return {
        "account_id": account_id,
        "phone": f"+86138001381{n:02d}",
        "timezone": "Asia/Shanghai",
        "locale": "zh-CN",
        "profile": "CN",
        "balance": balance,
        "currency": "CNY",
        "due_date": due,
    }


def to_legal_review(account_id: str) -> list[dict[str, Any]]:
    """Two refusals and an attempted visit before the first run: the review opens at D+60 (2026-03-03)."""
    refusals = [{"at": at, "type": "call_outcome", "account_id": account_id, "outcome": o} for at, o in REFUSE_TWICE]
    return [*refusals, {"at": "2026-03-01T06:00:00Z", "type": "visit_outcome", "account_id": account_id, "outcome": "not_home"}]


SCENARIO = {
    "name": "every function, for the IAM check",
    "start_date": "2026-03-01",
    "days": 5,
    "profile": "CN",
    "accounts": [
        account("SMS", 1, "2026-03-03", balance="1200.00"),
        {
            "account_id": "US-CALL",
            "phone": "+12125550101",
            "timezone": "America/New_York",
            "profile": "US",
            "balance": "1200.00",
            "currency": "USD",
            "due_date": "2026-03-01",
        },
        account("VISIT", 2, FIELD_DUE),
        account("APPROVE", 3, LATE_DUE),
        account("REJECT", 4, LATE_DUE),
        account("WAITS-THEN-PAYS", 5, LATE_DUE),
    ],
    "events": [
        *[{"at": at, "type": "call_outcome", "account_id": "VISIT", "outcome": o} for at, o in REFUSE_TWICE],
        *to_legal_review("APPROVE"),
        *to_legal_review("REJECT"),
        *to_legal_review("WAITS-THEN-PAYS"),
        # No review waits yet: rejected (RejectedEventsQueue).
        {"at": "2026-03-02T06:00:00Z", "type": "legal_decision", "account_id": "APPROVE", "decision": "approve"},
        {"at": "2026-03-03T06:00:00Z", "type": "legal_decision", "account_id": "APPROVE", "decision": "approve"},
        {"at": "2026-03-03T06:00:00Z", "type": "legal_decision", "account_id": "REJECT", "decision": "reject"},
        # Waits through the 2026-03-04 run (heartbeat), then pays in full: the review is withdrawn.
        {"at": "2026-03-04T06:00:00Z", "type": "payment", "account_id": "WAITS-THEN-PAYS", "amount": "8000.00"},
        {"at": "2026-03-01T06:00:00Z", "type": "new_account", "account": account("NEW", 6, "2026-03-04", balance="900.00")},
        # A borrower texts back (two-way SMS, the forwarder, the bus): a task for an agent on the call queue.
        {"at": "2026-03-02T15:00:00Z", "type": "sms_reply", "account_id": "US-CALL", "text": "Can I pay next week?"},
    ],
    "faults": [{"date": "2026-03-04", "kind": "crash_before_record"}],
}

_current = threading.local()


@pytest.fixture(scope="module")
def observed(tmp_path_factory) -> dict[str, list[tuple[str, str, str]]]:
    """Function -> the calls it made: (IAM action, resource, the API call's operation)."""
    from sim.scenarios import run_scenario

    calls: list[tuple[str, str, str, dict[str, Any]]] = []
    invoked: set[str] = set()
    stacks: list[LocalStack] = []
    make_api_call, call_handler, start = BaseClient._make_api_call, LocalStack.call_handler, LocalStack.start

    def recording(self: BaseClient, operation: str, params: dict[str, Any]) -> Any:
        function = getattr(_current, "function", None)
        if function:
            calls.append((function, self.meta.service_model.endpoint_prefix, operation, dict(params)))
        return make_api_call(self, operation, params)

    def attributed(self: LocalStack, logical: str, event: dict[str, Any]) -> Any:
        invoked.add(logical)  # a function may make no AWS call at all (the configuration validator)
        outer, _current.function = getattr(_current, "function", None), logical
        try:
            return call_handler(self, logical, event)
        finally:
            _current.function = outer

    def kept(self: LocalStack) -> None:
        stacks.append(self)
        start(self)

    patch = pytest.MonkeyPatch()
    # Every read of the deployed configuration goes to AppConfig (no cache), so that each function's own reads are seen.
    from escalation.aws import lender_config
    from sim.local import appconfig

    patch.setattr(lender_config, "MAX_AGE_SECONDS", 0)
    patch.setattr(appconfig, "enforce_poll_interval", False)
    patch.setattr(BaseClient, "_make_api_call", recording)
    patch.setattr(LocalStack, "call_handler", attributed)
    patch.setattr(LocalStack, "start", kept)
    try:
        work = tmp_path_factory.mktemp("iam")
        (work / "scenario.json").write_text(json.dumps(SCENARIO), encoding="utf-8")
        summary = run_scenario(work / "scenario.json", work / "out")
    finally:
        patch.undo()
    (stack,) = stacks
    named = resource_names(stack)
    out: dict[str, list[tuple[str, str, str]]] = defaultdict(list, {function: [] for function in invoked})
    for function, service, operation, params in calls:
        out[function] += [(action, resource, operation) for action, resource in iam_requests(service, operation, params, named)]
    out["__summary__"] = [("", "", json.dumps(summary["contacts"]))]
    return out


def test_the_scenario_exercises_every_function_and_path(observed):
    functions = set(resources_of_type(load_template(), "AWS::Serverless::Function"))
    assert functions <= set(observed)
    actions = {(f, a) for f, calls in observed.items() for a, _, _ in calls}
    for expected in [
        ("IngestEventsFunction", "dynamodb:PutItem"),  # enrolment; the event's audit entry
        ("IngestEventsFunction", "sqs:SendMessage"),  # a rejected event
        ("IngestEventsFunction", "states:SendTaskSuccess"),  # approve / reject
        ("IngestEventsFunction", "states:SendTaskFailure"),  # withdrawn by the payment
        ("AssessAccountsFunction", "states:SendTaskHeartbeat"),  # a review waiting through a run
        ("SendSmsFunction", "sns:Publish"),
        # The release: texts off the outbox, onto the send queue with their delays, then deleted from the outbox.
        ("ReleaseTextsFunction", "sqs:ReceiveMessage"),
        ("ReleaseTextsFunction", "sqs:SendMessage"),
        ("ReleaseTextsFunction", "sqs:DeleteMessage"),
        ("AssessAccountsFunction", "sqs:SendMessage"),  # the outbox; calls and visits, claimed and queued
        ("RecordOutcomesFunction", "dynamodb:PutItem"),  # their audit entries (in transactions)
        ("RequestLegalReviewFunction", "states:StartExecution"),
        ("AwaitLegalDecisionFunction", "sns:Publish"),
        ("ReferToLegalFunction", "sqs:SendMessage"),
        # Ingest closes a rejected review itself; ReturnToLadder reads it (its write is for Step Functions' own
        # timeouts, which the event file's test drives: tests/handlers/test_event_files.py).
        ("ReturnToLadderFunction", "dynamodb:GetItem"),
        ("SyncOptOutsFunction", "sns:ListPhoneNumbersOptedOut"),
        ("SyncOptOutsFunction", "dynamodb:UpdateItem"),  # moto's SNS lists a few numbers as opted out
        ("PlanRunFunction", "appconfig:GetLatestConfiguration"),  # the configuration in force, copied to the run
        ("PlanRunFunction", "s3:PutObject"),
        ("AssessAccountsFunction", "s3:GetObject"),  # the run's copy
        ("IngestEventsFunction", "appconfig:GetLatestConfiguration"),
        # People's commands (the scenario's legal decisions, as reviewers' sessions): the account, then the bus.
        ("OperatorCommandsFunction", "dynamodb:GetItem"),
        ("OperatorCommandsFunction", "events:PutEvents"),
        ("ForwardRepliesFunction", "dynamodb:Query"),  # the accounts that carry the replying number
        ("ForwardRepliesFunction", "events:PutEvents"),
        ("RecordDeliveryReceiptsFunction", "dynamodb:Query"),  # the text a receipt is about
        ("RecordDeliveryReceiptsFunction", "dynamodb:PutItem"),  # the receipt's entry
        # The contacts table's stream into the archive: locked objects (the harness drains the stream each day).
        ("ArchiveAuditFunction", "s3:PutObject"),
        ("ArchiveAuditFunction", "s3:PutObjectRetention"),
    ]:
        assert expected in actions, expected


def test_every_call_is_allowed_by_the_functions_role(observed):
    template = load_template()
    denied = {
        (function, action, resource, operation)
        for function, calls in observed.items()
        if function != "__summary__"
        for action, resource, operation in calls
        if not iam.allows(iam.grants(template, function), action, resource)
    }
    assert denied == set()
