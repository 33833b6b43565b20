"""OperatorCommandsFunction (issue 19): the caller AWS authenticated decides what a command may do, and a refused
command puts nothing on the bus. Through the handler, as its function URL (AWS_IAM) delivers requests."""

from datetime import UTC, datetime

import pytest

from sim.local.stack import function_url_event
from tests.support import enroll

AT = datetime(2026, 3, 1, 6, tzinfo=UTC)


@pytest.fixture(scope="module")
def stack():
    from sim.local.stack import LocalStack

    with LocalStack() as stack:
        for n, account_id in enumerate(("OPS-1", "OPS-2")):
            raw = {
                "account_id": account_id,
                "phone": f"+86138004390{n:02d}",
                "balance": "900.00",
                "currency": "CNY",
                "due_date": "2026-03-02",
            }
            assert enroll(raw, AT)
        yield stack


@pytest.fixture
def reviewer(stack):
    return stack.session_of("ReviewerRole", "li.wei")


@pytest.fixture
def operator(stack):
    return stack.session_of("OperatorRole", "ops.alice")


def send(stack, body, principal):
    answer = stack.operator_command(body, principal)
    stack.poll_queues()
    return answer["statusCode"], answer["body"]


def state(account_id: str):
    from escalation.aws import dynamo

    account = dynamo.load(account_id)
    return (account.status, dict(account.holds), account.legal_state, dict(account.legal_approvals), account.event_seq)


def applied_events(account_id: str):
    from escalation.aws import dynamo

    return [e for e in dynamo.all_events() if e.account_id == account_id]


def test_an_operators_pause_is_applied_and_recorded_with_the_authenticated_principal(stack, operator):
    status, body = send(stack, {"type": "hold_placed", "account_id": "OPS-1", "reason": "paused", "requested_by": "a typed note"}, operator)
    assert status == 202 and body["status"] == "accepted"
    [accepted] = body["events"]
    assert accepted["principal"] == operator and accepted["type"] == "hold_placed"
    assert "paused" in state("OPS-1")[1]
    [entry] = [e for e in applied_events("OPS-1") if e.event_id == accepted["event_id"]]
    assert entry.principal == operator  # who paused: the session AWS authenticated, not the typed note
    assert entry.fields["requested_by"] == "a typed note" and "principal" not in entry.fields


@pytest.mark.parametrize(
    ("principal", "reason"),
    [
        ("arn:aws:iam::123456789012:user/li.wei", "must be an assumed-role session ARN"),
        ("arn:aws:iam::123456789012:root", "must be an assumed-role session ARN"),
        ("", "principal: (not an ARN)"),
        ("li.wei", "must be an assumed-role session ARN"),
    ],
)
def test_a_malformed_principal_is_refused_and_nothing_changes(stack, principal, reason):
    before = state("OPS-2")
    status, body = send(stack, {"type": "hold_placed", "account_id": "OPS-2", "reason": "paused"}, principal or None)
    assert status == 403 and body["status"] == "refused" and reason in body["reason"]
    assert state("OPS-2") == before


def test_a_decision_from_a_principal_outside_the_reviewers_role_is_refused(stack, operator):
    before = state("OPS-2")
    status, body = send(stack, {"type": "legal_decision", "account_id": "OPS-2", "decision": "approve"}, operator)
    assert status == 403
    assert body["reason"].startswith(f"principal: role {stack.refs['OperatorRole']} may not decide legal reviews")
    assert state("OPS-2") == before


def test_a_reviewer_may_not_pause_an_account(stack, reviewer):
    status, body = send(stack, {"type": "hold_placed", "account_id": "OPS-2", "reason": "paused"}, reviewer)
    assert status == 403 and "may not put hold_placed" in body["reason"]


def test_an_approval_for_an_account_with_no_review_is_refused(stack, reviewer):
    before = state("OPS-2")
    status, body = send(stack, {"type": "legal_decision", "account_id": "OPS-2", "decision": "approve", "reviewer": "li"}, reviewer)
    assert (status, body["reason"]) == (409, "account_id: no legal review is waiting for a decision on OPS-2")
    assert state("OPS-2") == before


@pytest.mark.parametrize(
    ("body", "status", "reason"),
    [
        ("{not json", 400, "body: not JSON"),
        (
            {"type": "legal_decision", "account_id": "OPS-2", "decision": "approve", "principal": "arn:aws:sts::1:x"},
            400,
            "principal: set from",
        ),
        ({"type": "legal_decision", "account_id": "NOBODY", "decision": "approve"}, 404, "account_id: unknown account 'NOBODY'"),
        ({"type": "legal_decision", "account_id": "OPS-2", "decision": "maybe"}, 400, "decision"),
        ([], 400, "body: expected a command or a list of 1 to 10"),
        ({}, 400, "type: expected one of payment, "),  # a bad command is a 400 naming the field, before any role check
        ({"type": "legal_decision", "account_id": "OPS-2", "decision": "approve", "seal": "x"}, 400, "seal: set from"),
    ],
)
def test_bad_commands_are_refused_with_the_reason(stack, reviewer, body, status, reason):
    import json

    before = state("OPS-2")
    answer = stack.call_handler(
        "OperatorCommandsFunction", function_url_event(json.dumps(body) if not isinstance(body, str) else body, reviewer)
    )
    stack.poll_queues()
    assert answer["statusCode"] == status and reason in json.loads(answer["body"])["reason"]
    assert state("OPS-2") == before


def test_a_list_of_commands_is_put_whole_or_not_at_all(stack, operator):
    """An outcome and the promise made in it: the promise is outside the contract, so neither is put."""
    before = state("OPS-2")
    outcome = {"type": "call_outcome", "account_id": "OPS-2", "outcome": "reached", "manual": True}
    promise = {"type": "promise_to_pay", "account_id": "OPS-2", "amount": "-5", "promised_date": "2026-03-05"}
    status, body = send(stack, [outcome, promise], operator)
    assert status == 400 and body["reason"].startswith("[1] amount")
    assert state("OPS-2") == before


def test_only_post_is_a_command(stack, operator):
    assert stack.call_handler("OperatorCommandsFunction", function_url_event("{}", operator, method="GET"))["statusCode"] == 405


def test_a_retried_command_is_one_event_and_ids_live_in_the_callers_namespace(stack, operator):
    """The CLI's own event id, retried after a timeout, is the same event (the ingest keeps one); the same id from
    another person, or one the core system uses, is another event: a caller cannot take someone else's id."""
    command = {"type": "hold_placed", "account_id": "OPS-1", "reason": "paused", "event_id": "ops-cli-42"}
    first = send(stack, command, operator)[1]["events"][0]["event_id"]
    again = send(stack, command, operator)[1]["events"][0]["event_id"]
    other = send(stack, command, stack.session_of("OperatorRole", "ops.bob"))[1]["events"][0]["event_id"]
    assert first == again != other and first.startswith("ops-") and first != "ops-cli-42"
    assert sum(1 for e in applied_events("OPS-1") if e.event_id == first) == 1


def test_a_decision_on_a_review_still_opening_is_refused_rather_than_accepted_and_then_rejected(stack, reviewer):
    """The review's workflow parks its token moments after the review opens; the ingest refuses a decision before that,
    so the function says so at once instead of answering 202 for an event the ingest will reject."""
    from escalation.aws import dynamo

    dynamo.AccountItem("OPS-2").update(actions=[dynamo.AccountItem.legal_state.set("pending")])
    try:
        status, body = send(stack, {"type": "legal_decision", "account_id": "OPS-2", "decision": "approve"}, reviewer)
        assert status == 409 and "its workflow has not parked its token yet" in body["reason"]
        assert stack.queue_messages("RejectedEventsQueue") == []  # nothing was put
    finally:
        dynamo.AccountItem("OPS-2").update(actions=[dynamo.AccountItem.legal_state.remove()])
