"""The plan over 100k accounts: PlanRun timed once over a loaded accounts table, a share of it due."""

from __future__ import annotations

import importlib
import random
import time
from datetime import datetime, timedelta
from typing import Any

from ..local.stack import LocalStack
from .accounts import RUN_AS_OF, SEED, load_accounts, realistic_accounts
from .calls import ApiCallCounter, calls_by_operation
from .shape import handler_modules

PLAN_ACCOUNTS = 100_000
# Share of the book the due index returns on a given day: reminders D+1..6, calls every 3 days and
# SMS every 7 in follow-up, promises and holds waiting — about a third of overdue accounts on any day.
PLAN_DUE_FRACTION = 0.3


def measure_plan(n_accounts: int = PLAN_ACCOUNTS, due_fraction: float = PLAN_DUE_FRACTION, seed: int = SEED) -> dict[str, Any]:
    """Load `n_accounts` (a share due now, the rest later or not in the index), then time PlanRun once."""
    rng = random.Random(seed)  # noqa: S311 - reproducible synthetic data
    now = datetime.fromisoformat(RUN_AS_OF.replace("Z", "+00:00"))
    with LocalStack() as stack:
        rows = []
        for account in realistic_accounts(n_accounts, seed=seed):
            roll = rng.random()
            if account.status.value == "hold" and not account.holds.get("hardship"):
                rows.append((account, None))  # an open-ended hold is out of the due index
            elif roll < due_fraction:
                rows.append((account, now - timedelta(minutes=rng.randint(0, 600))))
            else:
                rows.append((account, now + timedelta(hours=rng.randint(1, 24 * 10))))
        load_seconds = load_accounts(rows)
        importlib.import_module(handler_modules()["PlanRunFunction"])  # a warm container: cold starts are measured apart
        with ApiCallCounter(stack) as counter:
            started = time.perf_counter()
            result = stack.call_handler("PlanRunFunction", {"run_id": "bench-plan", "as_of": RUN_AS_OF})
            seconds = time.perf_counter() - started
        return {
            "plan_seconds": seconds,
            "load_seconds": load_seconds,
            "accounts": n_accounts,
            "due": result["due"],
            "batches": result["batches"],
            "due_shards": int(stack.params["DueShards"]),
            "calls": calls_by_operation(counter.product_calls()),
            # The plan's own CPU (PynamoDB items, the manifest's JSON) per due account, outside AWS calls: what
            # PlanRun costs on AWS at a given memory size (docs/SCALING.md).
            "code_cpu_ms_per_due_account": counter.invocations[0].code_cpu_ms / max(result["due"], 1),
        }
