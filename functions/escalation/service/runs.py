"""The daily run's logic: plan the due accounts, assess them in batches, summarize.

Each function is what one state of the daily-run state machine does; handlers only
parse the state's input and call one of these.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit

from ..aws import dynamo, manifests, numbers, sms_outbox
from ..config import Settings
from ..domain import calendar
from ..domain.ladder import Context, decide, next_check, next_look
from ..domain.model import Account
from ..domain.strategy import NO_ARM, Configuration
from ..domain.windows import as_utc
from ..observability import count, count_by
from . import configuration
from .context import context_for
from .dispatch import count_dispatches
from .due_shards import shards_to_read
from .legal import tend_review
from .queued import claim_and_queue, record_queued
from .recovery import recover_stale_claims


def plan(run_id: str, as_of: str, settings: Settings) -> dict[str, Any]:
    """Pin the run's lender configuration, query every due-index shard up to the run's instant, write the manifest."""
    config = configuration.snapshot(run_id, settings)
    until = as_utc(as_of)
    ids = dynamo.due_account_ids(until, shards_to_read(settings.manifest_bucket, dynamo.DUE_SHARDS))
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
        "configuration": config.version,
    }


def assess(run_id: str, as_of: str, batch: int, account_ids: list[str], settings: Settings) -> dict[str, Any]:
    """Decide for every account of a batch: load, decide, emit. Accounts with no action are rescheduled;
    SMS go to the outbox for the paced senders; calls, visits and legal reviews go on to the Map's dispatch states.
    """
    now = as_utc(as_of)
    config = configuration.for_run(run_id, settings.manifest_bucket)
    decisions: list[dict[str, Any]] = []
    reasons: Counter[str] = Counter()
    accounts = {a.account_id: a for a in _load(account_ids, now, run_id, as_of, settings, config, reasons)}
    for account in accounts.values():
        decisions += _decide(account, context_for(account, now, config), run_id, as_of, reasons)
    _emit(run_id, batch, len(account_ids), decisions, reasons, settings)
    # Calls and visits are claimed and queued last, after every other write of the assessment (queued.py says why).
    queued, settled = claim_and_queue(accounts, decisions, settings, config)
    legal = [d for d in decisions if d["action"] == "legal_review"]
    return {"run_id": run_id, "batch": batch, "decisions": queued + legal, "settled": settled}


def _load(
    account_ids: list[str], now: datetime, run_id: str, as_of: str, settings: Settings, config: Configuration, reasons: Counter[str]
) -> list[Account]:
    """The batch's accounts with their numbers' records, as the passing days leave them (promises, holds, reviews)."""
    ready = []
    for account in dynamo.load_many(account_ids, records=numbers.statuses):
        ctx = context_for(account, now, config)
        # Recovery, kept apart from deciding: a dispatch that crashed on an earlier day left its claim.
        if recovered := recover_stale_claims(account, ctx.today, run_id, settings, config, as_of):
            reasons["recovered_crashed_dispatch"] += recovered
            account = numbers.attach_one(dynamo.load(account.account_id) or account)
        try:
            ready.append(_apply_the_calendar(account, ctx, config, reasons))
        except dynamo.AccountChanged:
            reasons["changed_during_run"] += 1  # an event landed meanwhile; it rescheduled the account
    return ready


def _decide(account: Account, ctx: Context, run_id: str, as_of: str, reasons: Counter[str]) -> list[dict[str, Any]]:
    """The account's decisions as the run hands them on; with none, the account moves to its next check."""
    chosen = decide(account, ctx)
    reasons.update(d.reason for d in chosen if d.action is None)
    actions = [d for d in chosen if d.action is not None]
    strategy = f"{ctx.policy.name}/{account.arm or NO_ARM}"  # the run report's figures per strategy and arm
    if not actions:
        why = f"{ctx.today.isoformat()}: {', '.join(sorted({d.reason for d in chosen})) or 'nothing due'}"
        dynamo.reschedule(account.account_id, account.event_seq, next_check(account, ctx, next_look(chosen, ctx)), why)
        return [{"account_id": account.account_id, "action": "skip", "reasons": [d.reason for d in chosen], "strategy": strategy}]
    return [
        {
            "account_id": account.account_id,
            "action": d.action.value,
            "rule": d.rule,
            "stage": d.stage.value,
            "key": d.key,
            "event_seq": account.event_seq,
            "run_id": run_id,
            "as_of": as_of,
            "profile": account.profile,  # for metrics only; no personal data in the state
            "strategy": strategy,
        }
        for d in actions
        if d.action is not None
    ]


def _emit(run_id: str, batch: int, assessed: int, decisions: list[dict[str, Any]], reasons: Counter[str], settings: Settings) -> None:
    """Texts to the outbox, the batch's summary to the run files."""
    count_by("Decisions", Counter((d["action"], d["profile"]) for d in decisions if d["action"] != "skip"), ("action", "profile"))
    count_by("Skips", Counter((reason,) for reason in reasons.elements()), ("reason",))
    texts = [d for d in decisions if d["action"] == "sms"]
    # SMS leave the run here: the senders work through the outbox at the SMS rate, so the run's
    # length does not depend on it. Posting before the batch summary: a refused post fails the
    # assessment, which the Map retries (a text posted twice is sent once: the claim decides).
    sms_outbox.post(settings.sms_outbox_url, texts)
    summary = {
        "batch": batch,
        "assessed": assessed,
        "actions": dict(Counter(d["action"] for d in decisions)),
        "strategies": _by_strategy(decisions),
        "sms_queued": len(texts),
        "skip_reasons": dict(reasons),
    }
    manifests.write_json(settings.manifest_bucket, f"runs/{run_id}/batches/{batch:05d}.json", summary)


def _by_strategy(decisions: list[dict[str, Any]]) -> dict[str, dict[str, int]]:
    """Decisions by "policy/arm", then action ("skip": assessed, nothing sent); an account counts once per action."""
    counts: dict[str, Counter[str]] = {}
    for d in decisions:
        counts.setdefault(d["strategy"], Counter())[d["action"]] += 1
    return {strategy: dict(actions) for strategy, actions in sorted(counts.items())}


def record_outcomes(run_id: str, batch: int, outcomes: list[dict[str, Any]], settings: Settings) -> dict[str, Any]:
    """Record the calls and visits the batch's branches queued, then what each dispatch of the batch did; failed ones
    (caught per account) are listed by account and error.

    A failed account stays due, so the next run retries it; the run report lists it meanwhile.
    """
    if any(isinstance(o, dict) and o.get("outcome") == "queued" for o in outcomes):
        recorded = iter(record_queued(outcomes, settings, configuration.for_run(run_id, settings.manifest_bucket)))
        outcomes = [next(recorded) if isinstance(o, dict) and o.get("outcome") == "queued" else o for o in outcomes]
    counts = Counter(str(o.get("outcome", "unknown")) for o in outcomes if isinstance(o, dict))
    failed = [
        {"account_id": o.get("account_id"), "error": (o.get("error") or {}).get("Error", "unknown")}
        for o in outcomes
        if isinstance(o, dict) and o.get("outcome") == "failed"
    ]
    count_dispatches(outcomes)
    part = {"batch": batch, "outcomes": dict(counts), "failed": failed}
    manifests.write_json(settings.manifest_bucket, f"runs/{run_id}/outcomes/{batch:05d}.json", part)
    return {"batch": batch, "outcomes": dict(counts), "failed": len(failed)}


def _apply_the_calendar(account: Account, ctx: Context, config: Configuration, reasons: Counter[str]) -> Account:
    """What the passing of days does before deciding (escalation.domain.calendar), each change written as it comes."""
    for what, changed in calendar.dated_changes(account, ctx.profile, ctx.today):
        account = _save(account, changed, ctx)
        reasons[what] += 1
    account, review = tend_review(account, ctx.now, config)
    if review:
        reasons[review] += 1
    return account


def _save(before: Account, after: Account, ctx: Context) -> Account:
    dynamo.save_event_fields(before, after, ctx.now)
    return after.with_changes(event_seq=before.event_seq + 1)


def summarize(run_id: str, as_of: str, due: int, settings: Settings) -> dict[str, Any]:
    """Aggregate the batch summaries into the run report (S3) and return it."""
    actions: Counter[str] = Counter()
    reasons: Counter[str] = Counter()
    strategies: dict[str, Counter[str]] = {}
    assessed = sms_queued = 0
    for part in manifests.read_all(settings.manifest_bucket, f"runs/{run_id}/batches/"):
        assessed += part["assessed"]
        sms_queued += part.get("sms_queued", 0)
        actions.update(part["actions"])
        reasons.update(part["skip_reasons"])
        for strategy, counts in part.get("strategies", {}).items():
            strategies.setdefault(strategy, Counter()).update(counts)
    outcomes: Counter[str] = Counter()
    failed: list[dict[str, Any]] = []
    for part in manifests.read_all(settings.manifest_bucket, f"runs/{run_id}/outcomes/"):
        outcomes.update(part["outcomes"])
        failed += part["failed"]
    report = {
        "run_id": run_id,
        "as_of": as_of,
        "due": due,
        "assessed": assessed,
        "actions": dict(actions),
        "strategies": {strategy: dict(counts) for strategy, counts in sorted(strategies.items())},  # "policy/arm" -> action -> decisions
        "sms_queued": sms_queued,  # SMS posted to the outbox: the senders' outcomes are in their metrics and the contact log
        "outcomes": dict(outcomes),  # calls, visits, reviews: sent, skipped (re-checked at send time), duplicate, recovered, failed
        "failed": failed,  # accounts whose dispatch failed after retries: still due, retried by the next run
        "skip_reasons": dict(reasons),
    }
    manifests.write_json(settings.manifest_bucket, f"runs/{run_id}/report.json", report)
    count("AccountsDue", due)
    count("FailedAccounts", len(failed))
    if settings.clock == "wall":  # a simulation's clock is the scheduled instant: no duration to speak of
        count("RunDurationSeconds", (datetime.now(UTC) - as_utc(as_of)).total_seconds(), MetricUnit.Seconds)
    return report
