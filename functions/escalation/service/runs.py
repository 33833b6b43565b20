"""The daily run's logic: plan the due accounts, assess them in batches, summarize.

Each function is what one state of the daily-run state machine does; handlers only
parse the state's input and call one of these.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any

from ..aws import dynamo, manifests
from ..config import Settings
from ..domain.ladder import Context, decide, next_check, promise_expired
from ..domain.model import Account, Status
from ..domain.windows import as_utc
from .context import context_for
from .dispatch import recover_stale_claims


def plan(run_id: str, as_of: str, settings: Settings) -> dict[str, Any]:
    """Query every due-index shard up to the run's instant and write the manifest of batches."""
    until = as_utc(as_of)
    ids = list(dynamo.due_account_ids(until))
    size = settings.batch_size
    batches = [
        {"run_id": run_id, "as_of": as_of, "batch": n, "account_ids": ids[i : i + size]} for n, i in enumerate(range(0, len(ids), size))
    ]
    key = f"runs/{run_id}/manifest.json"
    manifests.write_json(settings.manifest_bucket, key, batches)
    return {
        "run_id": run_id,
        "as_of": as_of,
        "bucket": settings.manifest_bucket,
        "manifest_key": key,
        "due": len(ids),
        "batches": len(batches),
    }


def assess(run_id: str, as_of: str, batch: int, account_ids: list[str], settings: Settings) -> dict[str, Any]:
    """Decide for every account of a batch. Actions go on to dispatch; accounts with none are rescheduled."""
    now = as_utc(as_of)
    decisions: list[dict[str, Any]] = []
    reasons: Counter[str] = Counter()
    for account in dynamo.load_many(account_ids):
        ctx = context_for(account, now)
        stale = {k: v for k, v in account.claims.items() if v == "claimed" and k.split("#", 1)[0] < ctx.today.isoformat()}
        if stale and recover_stale_claims(account.with_changes(claims=stale), run_id, settings, as_of):
            reasons["recovered_crashed_dispatch"] += len(stale)
            account = dynamo.load(account.account_id) or account
        if account.status is Status.PROMISE and promise_expired(account, ctx.today):
            account = _break_promise(account, ctx)
            if account is None:
                reasons["changed_during_run"] += 1
                continue
            reasons["promise_broken"] += 1
        chosen = decide(account, ctx)
        actions = [d for d in chosen if d.action is not None]
        for skip in (d for d in chosen if d.action is None):
            reasons[skip.reason] += 1
        if not actions:
            dynamo.reschedule(account.account_id, account.event_seq, next_check(account, ctx, ctx.today + timedelta(days=1)))
            decisions.append({"account_id": account.account_id, "action": "skip", "reasons": [d.reason for d in chosen]})
            continue
        decisions += [
            {
                "account_id": account.account_id,
                "action": d.action.value,
                "rule": d.rule,
                "stage": d.stage.value,
                "key": d.key,
                "event_seq": account.event_seq,
                "run_id": run_id,
                "as_of": as_of,
            }
            for d in actions
        ]
    summary = {
        "batch": batch,
        "assessed": len(account_ids),
        "actions": dict(Counter(d["action"] for d in decisions)),
        "skip_reasons": dict(reasons),
    }
    manifests.write_json(settings.manifest_bucket, f"runs/{run_id}/batches/{batch:05d}.json", summary)
    return {"decisions": decisions}


def _break_promise(account: Account, ctx: Context) -> Account | None:
    """The promised date plus one day has passed unpaid: the ladder resumes where it stood."""
    resumed = account.with_changes(
        status=Status.ACTIVE, promised_date=None, promised_amount=None, broken_promises=account.broken_promises + 1
    )
    try:
        dynamo.save_event_fields(resumed, account.event_seq, ctx.now)
    except dynamo.ClaimRefused:
        return None
    return resumed.with_changes(event_seq=account.event_seq + 1)


def summarize(run_id: str, as_of: str, due: int, settings: Settings) -> dict[str, Any]:
    """Aggregate the batch summaries into the run report (S3) and return it."""
    actions: Counter[str] = Counter()
    reasons: Counter[str] = Counter()
    assessed = 0
    for part in manifests.read_all(settings.manifest_bucket, f"runs/{run_id}/batches/"):
        assessed += part["assessed"]
        actions.update(part["actions"])
        reasons.update(part["skip_reasons"])
    report = {"run_id": run_id, "as_of": as_of, "due": due, "assessed": assessed, "actions": dict(actions), "skip_reasons": dict(reasons)}
    manifests.write_json(settings.manifest_bucket, f"runs/{run_id}/report.json", report)
    return report
