"""`python -m ops preview`: what the daily runs of a date will do, decided by the runs' own code, with nothing sent or written.

The runs of the date are walked in time order (the schedules of template.yaml, as the local harness fires them).
Each run takes the accounts its plan would take — the due index, every shard the plan reads, up to the run's
instant — and each account is decided as the run's assessment decides it: the lender configuration deployed now
(AppConfig, as `config show` reads it), `escalation.service.context.context_for`, the passing of days applied as
the run applies it (promises lapse, dated holds end, a waiting legal review expires, goes ahead or is withdrawn),
then `escalation.domain.ladder.decide`. Nothing is written: the calendar's changes are kept in memory, a crashed
dispatch's claim is only counted, and an account with no action is moved in memory to its next check (as the run
would move it), so an account outside its window at one run may be decided at a later run of the same date.

Reads only: CloudFormation's stack parameters (deployed stacks), the run-file bucket's due-shard state,
AppConfig's deployed version, the due index (Query), the accounts and numbers tables (BatchGetItem). Phone
numbers are read (the contact windows and the numbers' records need them) and never shown.

What it cannot foresee: borrower events before the runs (payments, promises, holds, outcomes), the days before
the date (a date after tomorrow is previewed as if nothing ran meanwhile), and what a dispatch finds when it
re-checks at send time. An account contacted by one run is not assessed again later that day.
"""

from __future__ import annotations

import json
import os
from collections import Counter, defaultdict
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import cache
from typing import Any

from sim.local.template import load_template, run_instants  # yaml only: no moto, no stack

from . import configuration
from .commands import Ops, OpsError

DEFAULT_SAMPLE = 10
# The stack parameters a decision depends on beyond the configuration, and where the functions get them.
STACK_PARAMETERS = ("DueShards", "ProfileOverrides")
BATCH_GET = 100  # keys per BatchGetItem


@cache
def _template() -> dict[str, Any]:
    return load_template()


def _iso(instant: datetime | None) -> str | None:
    """An instant as the due index stores it (escalation.aws.dynamo), so that text comparisons agree with the plan's Query."""
    return None if instant is None else instant.astimezone(UTC).isoformat().replace("+00:00", "Z")


# ---------------------------------------------------------------------- what the runs read
def deployed_configuration(ops: Ops) -> tuple[Any, str]:
    """The lender configuration deployed now and its AppConfig version (as `config show` finds it); OpsError if none."""
    try:
        found = configuration.deployed(ops.client("appconfig"), ops.resources)
    except configuration.ConfigurationRefused as exc:
        raise OpsError(str(exc)) from None
    if found is None:
        raise OpsError(configuration.NOTHING_DEPLOYED)
    return found[0], found[1]


def stack_parameters(ops: Ops, stack: str | None) -> tuple[dict[str, str], list[str]]:
    """DueShards and ProfileOverrides as the functions have them, and notes on any assumed.

    A local stack publishes its parameters with its resources; a deployed stack's are CloudFormation's; missing
    either way, template.yaml's defaults are assumed (and said).
    """
    found = {k: str(ops.resources[k]) for k in STACK_PARAMETERS if k in ops.resources}
    notes = []
    if len(found) < len(STACK_PARAMETERS) and stack and not ops.endpoint_url:
        try:
            described = ops.client("cloudformation").describe_stacks(StackName=stack)["Stacks"][0]
            found = {
                p["ParameterKey"]: p["ParameterValue"] for p in described.get("Parameters", []) if p["ParameterKey"] in STACK_PARAMETERS
            }
            found |= {k: str(ops.resources[k]) for k in STACK_PARAMETERS if k in ops.resources}
        except Exception as exc:  # noqa: BLE001 - no permission, say: the defaults are assumed and said
            notes.append(f"stack parameters not read ({type(exc).__name__})")
    defaults = _template().get("Parameters", {})
    for name in STACK_PARAMETERS:
        if name not in found:
            found[name] = str(defaults[name]["Default"])
            if name == "ProfileOverrides" and not ops.endpoint_url:
                notes.append(f"ProfileOverrides assumed {found[name]} (template default)")
    return found, notes


def shards_to_read(ops: Ops, configured: int) -> int:
    """The shards the plan reads: the configured count, or the largest it remembers using (read, never written)."""
    from escalation.service.due_shards import STATE_KEY

    s3 = ops.client("s3")
    try:
        recorded = json.loads(s3.get_object(Bucket=ops.resources["ManifestBucket"], Key=STATE_KEY)["Body"].read())
    except s3.exceptions.NoSuchKey:
        return configured
    return max(configured, int(recorded["shards"])) if isinstance(recorded, dict) and "shards" in recorded else configured


def due_entries(ops: Ops, until: datetime, shards: int) -> dict[str, str]:
    """Account id -> its place in the due index (due_at), for every account due by `until` (the plan's Query, per shard)."""
    from escalation.aws.dynamo import DueIndex

    ddb = ops.client("dynamodb")
    paginator = ddb.get_paginator("query")  # made before the threads (client creation is not thread-safe)

    def shard(n: int) -> list[tuple[str, str]]:
        pages = paginator.paginate(
            TableName=ops.resources["AccountsTable"],
            IndexName=DueIndex.Meta.index_name,
            KeyConditionExpression="due_shard = :shard AND due_at <= :until",
            ExpressionAttributeValues={":shard": {"S": f"DUE#{n}"}, ":until": {"S": _iso(until)}},
            ProjectionExpression="account_id, due_at",
        )
        return [(i["account_id"]["S"], i["due_at"]["S"]) for page in pages for i in page.get("Items", [])]

    with ThreadPoolExecutor(max_workers=min(shards, 16)) as pool:
        return {account_id: at for found in pool.map(shard, range(shards)) for account_id, at in found}


def batch_get(ops: Ops, table: str, key: str, values: list[str]) -> list[dict[str, Any]]:
    """The raw items of those keys (BatchGetItem, consistent, unprocessed keys asked again)."""
    import time as _time

    ddb, items = ops.client("dynamodb"), []
    for i in range(0, len(values), BATCH_GET):
        request: dict[str, Any] = {table: {"Keys": [{key: {"S": v}} for v in values[i : i + BATCH_GET]], "ConsistentRead": True}}
        for attempt in range(10):
            response = ddb.batch_get_item(RequestItems=request)
            items += response.get("Responses", {}).get(table, [])
            request = response.get("UnprocessedKeys") or {}
            if not request:
                break
            _time.sleep(min(2.0, 0.05 * 2**attempt))
        if request:
            raise OpsError(f"{table}: DynamoDB left keys unread after 10 attempts (throttled?); try again, or use --limit")
    return items


@dataclass
class Loaded:
    """An account as the run loads it (its number's record attached), with its waiting review's task token."""

    account: Any
    token: str | None


def load_accounts(ops: Ops, account_ids: list[str]) -> dict[str, Loaded]:
    """The accounts with their numbers' records, as escalation.aws.dynamo / numbers turn the items into the domain's."""
    from escalation.aws import dynamo, numbers
    from escalation.domain.numbers import NumberStatus

    loaded = {}
    for raw in batch_get(ops, ops.resources["AccountsTable"], "account_id", account_ids):
        item = dynamo.AccountItem.from_raw_data(raw)
        loaded[item.account_id] = Loaded(dynamo.to_account(item), item.legal_task_token)
    phones = sorted({entry.account.phone for entry in loaded.values()})
    records = {}
    for raw in batch_get(ops, ops.resources["NumbersTable"], "phone", phones):
        number = numbers.to_status(numbers.NumberItem.from_raw_data(raw))
        records[number.phone] = number
    for entry in loaded.values():
        entry.account = entry.account.with_changes(number=records.get(entry.account.phone, NumberStatus(entry.account.phone)))
    return loaded


# ---------------------------------------------------------------------- the run's assessment, in memory
def calendar_applied(account: Any, ctx: Any, config: Any, token: str | None) -> tuple[Any, str | None, list[str]]:
    """What the passing of days does before deciding (escalation.domain.calendar: the run's own steps), in memory:
    the account as the run would leave it, its waiting review's task token after it, and what happened.

    None of the writes (the run saves each change, and tells the review workflow). A waiting review's heartbeat
    is assumed to succeed.
    """
    from escalation.domain import calendar
    from escalation.service.context import context_for

    notes = []
    for what, changed in calendar.dated_changes(account, ctx.profile, ctx.today):
        account = changed
        notes.append(what)
    review = context_for(account, ctx.now, config)
    step = calendar.review_step(account, review.profile, review.today, token)
    if step is None:
        return account, token, notes
    # An expired, handed-over or withdrawn review spends the workflow's token; a waiting one keeps it.
    spent = step.kind in (calendar.EXPIRED, calendar.HAND_OVER, calendar.WITHDRAWN)
    return step.account, None if spent else token, [*notes, step.note]


@dataclass
class Outcome:
    """An account's outcome for the date: the run that decided it and what it decided."""

    account_id: str
    policy: str
    arm: str
    run: datetime
    actions: list[Any]
    skips: list[Any]
    why: str
    notes: list[str] = field(default_factory=list)


def walk(loaded: dict[str, Loaded], due: dict[str, str], runs: list[datetime], config: Any) -> tuple[dict[str, Outcome], Counter[str]]:
    """Every run of the date in time order, as the plan and the assessment would take and decide each account."""
    from escalation.domain.ladder import decide, next_check, next_look
    from escalation.service.context import context_for
    from escalation.service.recovery import stale_claims

    pending: dict[str, str | None] = dict(due)
    outcomes: dict[str, Outcome] = {}
    calendar: Counter[str] = Counter()
    noted: dict[str, list[str]] = defaultdict(list)
    recovered: set[str] = set()
    for now in runs:
        until = _iso(now) or ""
        for account_id in sorted(a for a, at in pending.items() if at is not None and at <= until):
            entry = loaded.get(account_id)
            if entry is None:  # in the index, not in the table (removed meanwhile): the run would find nothing either
                pending.pop(account_id)
                continue
            ctx = context_for(entry.account, now, config)
            if account_id not in recovered and (stale := stale_claims(entry.account, ctx.today)):
                recovered.add(account_id)
                calendar["would_recover_crashed_dispatch"] += len(stale)
            entry.account, entry.token, notes = calendar_applied(entry.account, ctx, config, entry.token)
            calendar.update(n for n in notes if n not in noted[account_id])
            noted[account_id] += [n for n in notes if n not in noted[account_id]]
            ctx = context_for(entry.account, now, config)
            chosen = decide(entry.account, ctx)
            actions = [d for d in chosen if d.action is not None]
            skips = [d for d in chosen if d.action is None]
            assignment = config.assignment_of(entry.account)
            outcomes[account_id] = Outcome(
                account_id,
                ctx.policy.name,
                assignment.arm,
                now,
                actions,
                skips,
                _why(entry.account, ctx, actions, skips),
                noted[account_id],
            )
            if actions:
                pending.pop(account_id)  # the dispatch moves it: not assessed again this date
            else:
                pending[account_id] = _iso(next_check(entry.account, ctx, next_look(chosen, ctx)))
    return outcomes, calendar


def _why(account: Any, ctx: Any, actions: list[Any], skips: list[Any]) -> str:
    """For people: each action's rule (its days, cadence and condition), or why nothing is done."""
    from escalation.domain.expressions import ALWAYS

    day = (ctx.today - account.due_date).days
    rules = {r.name: r for r in ctx.policy.rules}
    parts = []
    for d in actions:
        rule = rules.get(d.rule)
        if rule is None:
            parts.append(f"{d.rule}: {d.action.value} (the account's state, not a ladder rule)")
            continue
        span = f"days {rule.start}..{'' if rule.end is None else rule.end}" + (f" every {rule.every}" if rule.every else " once")
        condition = f"; when {rule.condition}" if rule.condition != ALWAYS else ""
        parts.append(f"{rule.name}: {d.action.value} on day {day:+d} ({span}{condition})")
    parts += [f"skipped: {d.reason}" if d.rule == "-" else f"{d.rule} skipped: {d.reason}" for d in skips]
    return "; ".join(parts) or f"nothing due on day {day:+d}"


@contextmanager
def _profile_overrides(value: str) -> Iterator[None]:
    """The lender's profile overrides as the functions have them (escalation.service.context reads the environment)."""
    before = os.environ.get("PROFILE_OVERRIDES")
    os.environ["PROFILE_OVERRIDES"] = value
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("PROFILE_OVERRIDES", None)
        else:
            os.environ["PROFILE_OVERRIDES"] = before


# ---------------------------------------------------------------------- the command
def preview(
    ops: Ops, day: str | None = None, sample: int = DEFAULT_SAMPLE, limit: int | None = None, stack: str | None = None
) -> dict[str, Any]:
    """What the daily runs of `day` (YYYY-MM-DD, UTC; default: the day after the stack's clock) would do; writes nothing."""
    now = ops.now()
    if day is None:
        wanted = now.date() + timedelta(days=1)
    else:
        try:
            wanted = date.fromisoformat(day)
        except ValueError:
            raise OpsError(f"date: expected YYYY-MM-DD, got {day!r}") from None
    if sample < 0 or (limit is not None and limit < 1):
        raise OpsError("sample: expected 0 or more; limit: expected 1 or more")
    scheduled = [instant for instant, _ in run_instants(_template(), wanted)]
    runs = [instant for instant in scheduled if instant > now]
    if not runs:
        raise OpsError(f"date: the runs of {wanted} have all started (the stack's clock is {_iso(now)}): see `runs report {wanted}`")
    config, version = deployed_configuration(ops)
    parameters, notes = stack_parameters(ops, stack)
    shards = shards_to_read(ops, int(parameters["DueShards"]))
    due = due_entries(ops, runs[-1], shards)
    order = sorted(due, key=lambda a: (due[a], a))
    if limit is not None and len(order) > limit:
        notes.append(f"capped: {limit} of {len(order)} due accounts examined (--limit)")
        due = {a: due[a] for a in order[:limit]}
    if len(runs) < len(scheduled):
        notes.append(f"{len(scheduled) - len(runs)} run(s) of {wanted} already started: not previewed")
    if wanted > now.date() + timedelta(days=1):
        notes.append("the runs before this date are not previewed: accounts they would move are shown as they stand")
    with _profile_overrides(parameters["ProfileOverrides"]):
        loaded = load_accounts(ops, sorted(due))
        outcomes, calendar = walk(loaded, due, runs, config)
    return summarize(wanted, runs, config.version, version, len(due), outcomes, calendar, sample, notes)


def summarize(
    day: date,
    runs: list[datetime],
    version: str,
    appconfig_version: str,
    due: int,
    outcomes: dict[str, Outcome],
    calendar: Counter[str],
    sample: int,
    notes: list[str],
) -> dict[str, Any]:
    actions: Counter[str] = Counter()
    by_rule: Counter[str] = Counter()
    by_policy: dict[str, Counter[str]] = defaultdict(Counter)
    by_arm: dict[str, Counter[str]] = defaultdict(Counter)
    by_run: dict[str, Counter[str]] = defaultdict(Counter)
    skips: Counter[str] = Counter()
    for o in outcomes.values():
        taken = [d.action.value for d in o.actions] or ["skip"]
        actions.update(a for a in taken if a != "skip")
        by_rule.update(d.rule for d in o.actions)
        for table, key in ((by_policy, o.policy), (by_arm, o.arm), (by_run, _iso(o.run) or "")):
            table[key].update(taken)
        skips.update(str(d.reason) for d in o.skips)
    contacted = sum(1 for o in outcomes.values() if o.actions)
    return {
        "date": day.isoformat(),
        "runs": [_iso(r) for r in runs],
        "configuration": version,
        "appconfig_version": appconfig_version,
        "due": due,
        "accounts": {"contacted": contacted, "not_contacted": len(outcomes) - contacted},
        "actions": dict(sorted(actions.items())),
        "by_rule": dict(sorted(by_rule.items())),
        "by_policy": {k: dict(sorted(v.items())) for k, v in sorted(by_policy.items())},
        "by_arm": {k: dict(sorted(v.items())) for k, v in sorted(by_arm.items())},
        "by_run": {k: dict(sorted(v.items())) for k, v in sorted(by_run.items())},
        "skips": dict(sorted(skips.items())),
        "calendar": dict(sorted(calendar.items())),
        "sample": [_sampled(o) for o in _sample(outcomes, sample)],
        "notes": notes,
    }


def _sample(outcomes: dict[str, Outcome], n: int) -> list[Outcome]:
    """n accounts, taking each kind of decision in turn (sms, call, ..., skip), each kind by account id."""
    kinds: dict[str, list[Outcome]] = defaultdict(list)
    for o in sorted(outcomes.values(), key=lambda o: o.account_id):
        kinds["+".join(d.action.value for d in o.actions) or "skip"].append(o)
    queues = [kinds[k] for k in sorted(kinds)]
    chosen: list[Outcome] = []
    while len(chosen) < n and any(queues):
        for queue in queues:
            if queue and len(chosen) < n:
                chosen.append(queue.pop(0))
    return chosen


def _sampled(o: Outcome) -> dict[str, Any]:
    row: dict[str, Any] = {"account_id": o.account_id, "policy": o.policy, "arm": o.arm, "run": _iso(o.run)}
    if o.actions:
        row |= {"decision": "+".join(d.action.value for d in o.actions), "rule": "+".join(d.rule for d in o.actions)}
    else:
        row |= {"decision": "skip", "reasons": sorted({str(d.reason) for d in o.skips})}
    why = o.why if not o.notes else f"{', '.join(o.notes)}; {o.why}"
    return row | {"why": why}
