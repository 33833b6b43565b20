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
