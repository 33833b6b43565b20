"""Decisions per second: the ladder and guardrails (`decide` + `next_check`) on realistic accounts, pure Python, one core."""

from __future__ import annotations

import gc
import time
from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from .accounts import RUN_AS_OF, SEED, decision_context, realistic_accounts

DECISION_ACCOUNTS = 5_000
DECISION_SECONDS = 3.0


def measure_decisions(n_accounts: int = DECISION_ACCOUNTS, seconds: float = DECISION_SECONDS, seed: int = SEED) -> dict[str, Any]:
    """`decide` + `next_check` per account, repeated over the book for at least `seconds`, one core.

    Timed by this process's CPU clock, not the wall clock: "per second of one core" is what the
    figure means, and it should not depend on what else the machine runs meanwhile. The objects
    alive before timing (moto, the harness, the book) are frozen out of the garbage collector:
    walking them is this process's cost, not the domain's (a Lambda's heap is a fraction of it).
    """
    from escalation.domain.ladder import decide, next_check

    now = datetime.fromisoformat(RUN_AS_OF.replace("Z", "+00:00"))
    accounts = realistic_accounts(n_accounts, seed=seed)
    pairs = [(a, decision_context(a, now)) for a in accounts]
    outcomes: Counter[str] = Counter()
    for account, ctx in pairs:  # one untimed pass: what the book decides
        chosen = decide(account, ctx)
        next_check(account, ctx, ctx.today + timedelta(days=1))
        outcomes.update(d.action.value if d.action else f"skip:{d.reason}" for d in chosen)
    gc.collect()
    gc.freeze()
    try:
        evaluated, started = 0, time.process_time()
        while (elapsed := time.process_time() - started) < seconds or evaluated == 0:
            for account, ctx in pairs:
                decide(account, ctx)
                next_check(account, ctx, ctx.today + timedelta(days=1))
            evaluated += len(pairs)
        with_context, started = 0, time.process_time()
        while time.process_time() - started < seconds / 3 or with_context == 0:
            for account in accounts:
                ctx = decision_context(account, now)
                decide(account, ctx)
                next_check(account, ctx, ctx.today + timedelta(days=1))
            with_context += len(accounts)
        context_rate = with_context / (time.process_time() - started)
    finally:
        gc.unfreeze()
    return {
        "decisions_per_second": evaluated / elapsed,
        "decisions_per_second_with_context": context_rate,
        "accounts": n_accounts,
        "profiles": dict(Counter(a.profile for a in accounts)),
        "outcomes": dict(outcomes.most_common()),
    }
