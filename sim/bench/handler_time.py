"""Each handler's own CPU and deliberate waiting per invocation, measured one call at a time on a quiet stack."""

from __future__ import annotations

import importlib
import json
import statistics
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from ..local.stack import LocalStack
from .accounts import RUN_AS_OF, SEED, due_accounts_with_actions, load_accounts
from .calls import ApiCallCounter, Invocation
from .shape import daily_run_shape, handler_modules


@dataclass(frozen=True)
class HandlerTime:
    """A handler's own time per invocation (ms, medians), measured one call at a time."""

    code_cpu_ms: float  # computing, outside AWS calls
    idle_ms: float  # waiting on purpose (e.g. an SMS sender pacing itself)


def measure_code_cpu(n_accounts: int = 100, seed: int = SEED + 1) -> dict[str, HandlerTime]:
    """Each handler's own CPU and deliberate waiting per invocation, called one at a time on a quiet stack.

    The plan, each batch's assessment, every decision's dispatch function (as the ASL routes it) and
    the SMS senders on the outbox run in this thread with their modules already imported; the CPU spent inside AWS calls
    (moto answering) is left out. Functions not called here keep the run's own figure.
    """
    import boto3

    shape = daily_run_shape()
    with LocalStack() as stack:
        for module in set(handler_modules().values()):
            importlib.import_module(module)
        due_at = datetime.fromisoformat(RUN_AS_OF.replace("Z", "+00:00"))
        load_accounts([(a, due_at) for a in due_accounts_with_actions(n_accounts, RUN_AS_OF, seed)])
        plan_function = shape.plan
        with ApiCallCounter(stack) as counter:
            plan = stack.call_handler(plan_function, {"run_id": "calibrate", "as_of": RUN_AS_OF})
            with counter.tag(ApiCallCounter.HARNESS):
                body = boto3.client("s3").get_object(Bucket=plan["bucket"], Key=plan["manifest_key"])["Body"].read()
            for batch in json.loads(body):
                for decision in stack.call_handler(shape.assess, batch).get("decisions", []):
                    if decision.get("action") in shape.actions:
                        stack.call_handler(shape.actions[decision["action"]], decision)
            with counter.tag(ApiCallCounter.HARNESS):
                stack.poll_queues()  # the SMS senders, a batch of outbox messages per invocation as in AWS
    by_function: dict[str, list[Invocation]] = defaultdict(list)
    for inv in counter.invocations:
        by_function[inv.function].append(inv)
    return {
        f: HandlerTime(statistics.median(i.code_cpu_ms for i in v), statistics.median(i.idle_ms for i in v))
        for f, v in sorted(by_function.items())
    }
