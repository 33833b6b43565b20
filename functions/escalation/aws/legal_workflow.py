"""The legal-review state machine and its task tokens: the only module that drives it."""

from __future__ import annotations

import json
import re

from .clients import client


def start_review(state_machine_arn: str, account_id: str, key: str, payload: dict) -> str:
    """Start one review; the execution name is derived from the idempotency key, so a retry is a no-op."""
    name = re.sub(r"[^A-Za-z0-9_-]", "-", f"{account_id}-{key}")[:80]
    try:
        return client("stepfunctions").start_execution(
            stateMachineArn=state_machine_arn, name=name, input=json.dumps(payload, default=str)
        )["executionArn"]
    except client("stepfunctions").exceptions.ExecutionAlreadyExists:
        return f"{state_machine_arn.replace(':stateMachine:', ':execution:')}:{name}"


def decide(task_token: str, decision: str, reviewer: str, decided_at: str) -> None:
    output = {"decision": decision, "reviewer": reviewer, "decided_at": decided_at}
    client("stepfunctions").send_task_success(taskToken=task_token, output=json.dumps(output))


def heartbeat(task_token: str) -> bool:
    """Keep a waiting review alive; False if its execution already ended (timed out or decided)."""
    sfn = client("stepfunctions")
    try:
        sfn.send_task_heartbeat(taskToken=task_token)
    except (sfn.exceptions.TaskTimedOut, sfn.exceptions.TaskDoesNotExist, sfn.exceptions.InvalidToken):
        return False
    return True


def end_without_decision(task_token: str, error: str, cause: str) -> bool:
    """End a waiting review with a named error (ReviewExpired, ReviewWithdrawn) the state machine catches."""
    sfn = client("stepfunctions")
    try:
        sfn.send_task_failure(taskToken=task_token, error=error, cause=cause[:256])
    except (sfn.exceptions.TaskTimedOut, sfn.exceptions.TaskDoesNotExist, sfn.exceptions.InvalidToken):
        return False
    return True
