"""`python -m ops`: operate a deployed stack (or the local one, `make local`) from a terminal.

    python -m ops --stack collections-prod [--profile lender-ops] legal list
    python -m ops --endpoint-url http://localhost:5000 --stack local legal list
    python -m ops --stack collections-prod legal approve ACCOUNT [--reviewer "a note"]
    python -m ops --stack collections-prod legal reject ACCOUNT [--reviewer "a note"]
    python -m ops --stack collections-prod timeline ACCOUNT [--since 2026-01-01] [--reveal] [--json]
    python -m ops --stack collections-prod account pause ACCOUNT [--by "a note"] [--until 2026-04-30]
    python -m ops --stack collections-prod account resume ACCOUNT [--by "a note"]
    python -m ops --stack collections-prod outcome call ACCOUNT reached|no_answer|refused|wrong_number [--task TASK_ID]
    python -m ops --stack collections-prod outcome visit ACCOUNT met|not_home|refused
    python -m ops --stack collections-prod outcome call ACCOUNT reached --promise 500.00 2026-03-20   (also: visit ... met)
    python -m ops --stack collections-prod runs report 2026-03-04
    python -m ops --stack collections-prod runs redrive RUN
    python -m ops --stack collections-dev smoke --phone +12125550100
    python -m ops config validate deploy/dev.configuration.json          (offline: no --stack needed)
    python -m ops --stack collections-prod config deploy deploy/prod.configuration.json
    python -m ops --stack collections-prod config show
    python -m ops --stack collections-prod preview [--date 2026-03-05] [--sample 10] [--limit 5000]
    python -m ops --stack collections-prod figures [--since 2026-03-01] [--until 2026-03-31]
    python -m ops --stack collections-prod sms-receipts enable|check

The options (--stack, --profile, --region, --endpoint-url, --json) may come before or after the command.
Errors print one line on stderr and exit 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from escalation.domain.figures import figures_table

from . import configuration, figures, preview, receipts
from .commands import OUTCOME_EVENTS, OUTCOMES, PROMISE_OUTCOMES, Ops, OpsError, local_stack_resources, stack_resources


def _options(p: argparse.ArgumentParser, top: bool) -> argparse.ArgumentParser:
    """The options every command takes. On the commands themselves they default to "not given", so that a value given
    before the command is kept (argparse would otherwise reset it)."""

    def default(value: Any) -> Any:
        return value if top else argparse.SUPPRESS

    p.add_argument("--stack", default=default(None), help="CloudFormation stack name (as deployed by sam deploy); required")
    p.add_argument("--profile", default=default(None), help="AWS named profile (default: the environment's credentials)")
    p.add_argument("--region", default=default(None), help="AWS region (default: the profile's)")
    p.add_argument("--endpoint-url", default=default(None), help="the local stack's endpoint (make local), e.g. http://localhost:5000")
    p.add_argument("--json", action="store_true", default=default(False), help="print JSON instead of text")
    p.add_argument(
        "--as", dest="person", default=default(None),
        help="local stack only: act as this person's session of its reviewers' or operators' role (deployed: who your credentials say)",
    )  # fmt: skip
    return p


def parser() -> argparse.ArgumentParser:
    p = _options(argparse.ArgumentParser(prog="python -m ops", description="Operate the collections escalation orchestrator."), top=True)
    commands = p.add_subparsers(dest="command", required=True)
    add = commands.add_parser

    def leaf(group: Any, name: str, **kwargs: Any) -> argparse.ArgumentParser:
        return _options(group.add_parser(name, **kwargs), top=False)

    legal = add("legal", help="legal reviews waiting for a person").add_subparsers(dest="legal_command", required=True)
    leaf(legal, "list", help="reviews waiting for a decision, oldest first")
    for verb in ("approve", "reject"):
        cmd = leaf(legal, verb, help=f"{verb} the waiting review of an account")
        cmd.add_argument("account_id")
        cmd.add_argument("--reviewer", help="a display note beside your identity; who decides is the caller AWS authenticates")

    account = add("account", help="pause or resume contact with one account").add_subparsers(dest="account_command", required=True)
    pause = leaf(account, "pause", help="no contact until resumed (or through --until)")
    pause.add_argument("account_id")
    pause.add_argument("--by", help="a display note kept with the event; who paused it is the caller AWS authenticates")
    pause.add_argument("--until", help="last day of the pause, YYYY-MM-DD")
    resume = leaf(account, "resume", help="lift an operator's pause (other holds stay)")
    resume.add_argument("account_id")
    resume.add_argument("--by", help="a display note kept with the event; who resumed it is the caller AWS authenticates")

    outcome_help = "report a call's or a visit's outcome (and a promise made in it), for teams without their own tooling"
    outcome = add("outcome", help=outcome_help).add_subparsers(dest="outcome_command", required=True)
    for kind, what in (("call", "an agent's call: one dial attempt"), ("visit", "a field visit")):
        cmd = leaf(outcome, kind, help=f"the outcome of {what} (a {OUTCOME_EVENTS[kind]} event)")
        cmd.add_argument("account_id")
        cmd.add_argument("outcome", help=" | ".join(OUTCOMES[kind]))
        if kind == "call":
            task_help = "the call task it answers: the task_id (= idempotency_key) of the call queue's message"
            cmd.add_argument("--task", metavar="TASK_ID", help=task_help)
        conversation = f"{kind} {PROMISE_OUTCOMES[kind]}"
        promise_help = f"a promise to pay AMOUNT by DATE (YYYY-MM-DD) made in the conversation (only with {conversation})"
        cmd.add_argument("--promise", nargs=2, metavar=("AMOUNT", "DATE"), help=promise_help)

    runs = add("runs", help="daily runs: reports and redrive").add_subparsers(dest="runs_command", required=True)
    report = leaf(runs, "report", help="the runs of a date and their reports")
    report.add_argument("date", help="YYYY-MM-DD (the run's scheduled date, UTC)")
    redrive = leaf(runs, "redrive", help="run a failed run again (safe: side effects are claimed once)")
    redrive.add_argument("run", help="the run's execution name (see `runs report`)")

    smoke = _options(add("smoke", help="verify a stack: one synthetic account, a run, its text to PHONE, then paused"), top=False)
    smoke.add_argument("--phone", required=True, help="the team's own test phone (E.164): it receives the text")

    config_help = "the lender configuration: senders, policies, strategy"
    config = add("config", help=config_help).add_subparsers(dest="config_command", required=True)
    for verb, what in (("validate", "check a configuration file (offline)"), ("deploy", "validate and deploy a configuration file")):
        leaf(config, verb, help=what).add_argument("file", help="the configuration JSON (docs/POLICIES.md)")
    leaf(config, "show", help="the deployed configuration: version, policies, strategy map")

    ahead = _options(add("preview", help="what the daily runs of a date will do (sends and writes nothing)"), top=False)
    ahead.add_argument("--date", help="YYYY-MM-DD, UTC (default: tomorrow; on a local stack, the day after its clock)")
    ahead.add_argument("--sample", type=int, default=preview.DEFAULT_SAMPLE, help="accounts shown with their decision and why")
    ahead.add_argument("--limit", type=int, help="examine at most this many due accounts (a very large book from a laptop)")

    carrier = add("sms-receipts", help="the account's SMS settings for delivery receipts")
    carrier = carrier.add_subparsers(dest="receipts_command", required=True)
    leaf(carrier, "enable", help="have SNS log every SMS delivery status for the stack's receipt function")
    leaf(carrier, "check", help="say whether it does; changes nothing")

    book = _options(add("figures", help="figures per strategy and arm: contacts, rates, cures, rolls, recovery, cost"), top=False)
    book.add_argument("--since", help="YYYY-MM-DD: the book's first day (default: its earliest contact or event)")
    book.add_argument("--until", help="YYYY-MM-DD: the book's last day (default: today, UTC)")

    timeline = _options(add("timeline", help="what we sent a borrower, and why"), top=False)
    timeline.add_argument("account_id")
    timeline.add_argument("--reveal", action="store_true", help="show phone numbers unmasked")
    timeline.add_argument(
        "--since",
        metavar="YYYY-MM-DD",
        help="read the audit archive from this day (default: 30 days before the account's due date; at most 400 days back)",
    )
    return p


def run(args: argparse.Namespace, ops: Ops) -> Any:
    if args.command == "legal":
        if args.legal_command == "list":
            return ops.pending_reviews()
        return ops.decide(args.account_id, args.legal_command, args.reviewer)
    if args.command == "account":
        if args.account_command == "pause":
            return ops.pause(args.account_id, args.by, args.until)
        return ops.resume(args.account_id, args.by)
    if args.command == "outcome":
        promise = tuple(args.promise) if args.promise else None
        return ops.outcome(args.outcome_command, args.account_id, args.outcome, getattr(args, "task", None), promise)
    if args.command == "runs":
        return ops.runs_on(args.date) if args.runs_command == "report" else ops.redrive(args.run)
    if args.command == "smoke":
        return ops.smoke(args.phone)
    if args.command == "config":
        if args.config_command == "deploy":
            return configuration.deploy(ops.client("appconfig"), ops.resources, Path(args.file))
        return configuration.show(ops.client("appconfig"), ops.resources)
    if args.command == "preview":
        return preview.preview(ops, args.date, sample=args.sample, limit=args.limit, stack=args.stack)
    if args.command == "figures":
        return figures.figures(ops, args.since, args.until)
    if args.command == "sms-receipts":
        return receipts.sms_receipts(ops, enable=args.receipts_command == "enable")
    return ops.timeline(args.account_id, reveal=args.reveal, since=args.since)


def render(args: argparse.Namespace, result: Any) -> str:
    if args.json:
        return json.dumps(result, indent=2, ensure_ascii=False, default=str)
    if args.command == "legal" and args.legal_command == "list":
        if not result:
            return "no legal review is waiting"
        lines = [f"{'account':<20} {'amount due':>14} {'requested at':<26} execution"]
        for r in result:
            amount = f"{r['amount_due'] or ''} {r['currency'] or ''}"
            lines.append(f"{r['account_id']:<20} {amount:>14} {r['requested_at'] or '':<26} {r['execution']}")
        return "\n".join(lines)
    if args.command == "legal":
        note = f" (note: {result['note']})" if result.get("note") else ""
        return f"{result['decision']} sent for {result['account_id']} as {result['principal']}{note} (event {result['event_id']})"
    if args.command == "account":
        state = f"paused{' through ' + result['until'] if result.get('until') else ''}" if result["paused"] else "resumed"
        return f"{result['account_id']}: {state} as {result['principal']} (event {result['event_id']})"
    if args.command == "outcome":
        return _outcome_text(result)
    if args.command == "runs" and args.runs_command == "report":
        return _runs_text(result)
    if args.command == "runs":
        return f"run {result['run']}: {result['how']}" + (f" {result['execution']}" if result.get("execution") else "")
    if args.command == "config":
        return _configuration_text(result)
    if args.command == "preview":
        return _preview_text(result)
    if args.command == "sms-receipts":
        return receipts.render(result)
    if args.command == "figures":
        head = f"figures of {result['accounts']} account(s), {result['first_day']} to {result['last_day']}, per strategy and arm"
        return head + "\n" + (figures_table(result["groups"]) if result["groups"] else "no accounts")
    if args.command == "smoke":
        head = f"smoke account {result['account_id']}: run {result['run']} {result['status']}"
        lines = [f"{head}; {len(result['contacts'])} contact(s), then paused"]
        lines += [f"  {c['action']} {c['purpose']} to {c.get('to')} at {c['at']}: {c.get('text', '')}" for c in result["contacts"]]
        if not result["contacts"]:
            lines.append("  no contact yet: is the borrower's window open now (08:00-21:00 at the number), and the SMS sender running?")
        return "\n".join(lines)
    return _timeline_text(result)


def _outcome_text(events: list[dict[str, Any]]) -> str:
    outcome, *promise = events
    kind = outcome["type"].removesuffix("_outcome")
    task = f" answering task {outcome['task_id']}" if outcome.get("task_id") else ""
    line = f"{kind} outcome {outcome['outcome']} recorded for {outcome['account_id']}{task} (event {outcome['event_id']})"
    return line + "".join(f"; promise {p['amount']} by {p['promised_date']} (event {p['event_id']})" for p in promise)


def _configuration_text(result: dict[str, Any]) -> str:
    if result.get("version") is None:
        return result["note"]
    head = f"lender configuration {result['version']}"
    if result.get("appconfig_version"):
        head += f" (AppConfig version {result['appconfig_version']})"
    if "state" in result:
        head = f"deployment {result['deployment']} {result['state']}: {head}"
    lines = [head, f"  senders: {', '.join(result['senders']) or '-'}", "  policies:"]
    lines += [f"    {name:<20} {p['version']:<32} {', '.join(p['rules'])}" for name, p in result["policies"].items()]
    lines.append(f"  default policy: {result['default']}")
    lines += [f"  product {k}: {v}" for k, v in sorted(result["by_product"].items())]
    lines += [f"  segment {k}: {v}" for k, v in sorted(result["by_segment"].items())]
    for e in result["experiments"]:
        scope = ", ".join(f"{k} {e[k]}" for k in ("product", "segment") if e.get(k)) or "every account"
        lines.append(f"  experiment {e['name']} ({scope}): {e['champion']} vs {e['challenger']} at {e['challenger_share']}")
    return "\n".join(lines)


def _preview_text(p: dict[str, Any]) -> str:
    def counts(values: dict[str, Any]) -> str:
        return ", ".join(f"{k} {v}" for k, v in values.items()) or "none"

    def table(values: dict[str, dict[str, int]]) -> str:
        return "; ".join(f"{k}: {counts(v)}" for k, v in values.items()) or "none"

    runs = " ".join(r[11:16] + "Z" for r in p["runs"])
    lines = [f"preview of {p['date']}: runs {runs}, configuration {p['configuration']} (AppConfig version {p['appconfig_version']})"]
    a = p["accounts"]
    lines.append(f"  due {p['due']}: {a['contacted']} contacted, {a['not_contacted']} not; actions: {counts(p['actions'])}")
    lines.append(f"  by rule: {counts(p['by_rule'])}")
    lines.append(f"  by policy: {table(p['by_policy'])}")
    lines.append(f"  by arm: {table(p['by_arm'])}")
    lines.append(f"  by run: {table({k[11:16] + 'Z': v for k, v in p['by_run'].items()})}")
    lines.append(f"  skipped: {counts(p['skips'])}")
    if p["calendar"]:
        lines.append(f"  the calendar: {counts(p['calendar'])} (the runs write these; the preview only counts them)")
    lines += [f"  note: {n}" for n in p["notes"]]
    if p["sample"]:
        lines.append(f"  sample ({len(p['sample'])}):")
    for s in p["sample"]:
        lines.append(f"    {s['account_id']:<20} {s['policy']:<16} {s['arm']:<10} {s['run'][11:16]}Z  {s['decision']:<12} {s['why']}")
    return "\n".join(lines)


def _runs_text(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return "no daily run on that date"
    lines = []
    for r in rows:
        report = r["report"] or {}
        actions = ", ".join(f"{k} {v}" for k, v in sorted(report.get("actions", {}).items())) or "no actions"
        failed = report.get("failed") or []
        lines.append(f"{r['run']}  {r['status']:<9} as of {r['as_of']}  due {report.get('due', '?')}  {actions}")
        if report.get("sms_queued"):
            lines.append(f"    SMS to the outbox: {report['sms_queued']} (sent at SmsPerSecond; see the SmsBacklog alarm)")
        if report.get("skip_reasons"):
            lines.append("    skipped: " + ", ".join(f"{k} {v}" for k, v in sorted(report["skip_reasons"].items())))
        if failed:
            lines.append(f"    failed ({len(failed)}): " + ", ".join(f"{f['account_id']} ({f['error']})" for f in failed[:20]))
    return "\n".join(lines)


def _timeline_text(result: dict[str, Any]) -> str:
    a = result["account"]
    head = (
        f"account {a['account_id']} ({a.get('profile')}, {a.get('product')}): status {a.get('status')}, stage {a.get('stage')}, "
        f"balance {a.get('balance')} + fees {a.get('fees')} {a.get('currency')}, due {a.get('due_date')}, phone {a.get('phone')}"
    )
    facts = [f"  holds: {a['holds']}" if a.get("holds") else None, f"  opted out: {a['opted_out']}" if a.get("opted_out") else None]
    for channel, closure in sorted((a.get("closed_channels") or {}).items()):
        facts.append(f"  {channel} closed on this number: {closure.get('why')} since {closure.get('on')} ({closure.get('source') or '-'})")
    if a.get("promised_date"):
        facts.append(f"  promise: {a.get('promised_amount')} by {a['promised_date']} (paid toward it: {a.get('promise_paid', '0')})")
    if a.get("kept_promises") or a.get("broken_promises"):
        facts.append(f"  promises kept {a.get('kept_promises', 0)}, broken {a.get('broken_promises', 0)}")
    if a.get("open_calls"):
        facts.append(f"  call tasks open: {', '.join(f'{k} (until {v})' for k, v in sorted(a['open_calls'].items()))}")
    if a.get("legal_state"):
        approvals = f", approved by {', '.join(sorted(a['legal_approvals']))}" if a.get("legal_approvals") else ""
        facts.append(f"  legal review: {a['legal_state']}{approvals}" + (f" — {a['legal_note']}" if a.get("legal_note") else ""))
    if a.get("last_event"):
        facts.append(f"  last event: {a['last_event']}")
    if a.get("last_skip"):
        facts.append(f"  last assessment without a contact: {a['last_skip']}")
    lines = [head, *(f for f in facts if f), f"{len(result['contacts'])} contact(s):"]
    for c in result["contacts"]:
        extra = f" to {c['to']}" if c.get("to") else ""
        extra += f" approved by {c['decided_by']}" if c.get("decided_by") else ""
        extra += f" expires {c['task_expires_at']}" if c.get("task_expires_at") else ""
        extra += f" delivery {c['delivery']}" if c.get("delivery") else ""
        extra += f" ({c['delivery_reason']})" if c.get("delivery_reason") else ""
        lines.append(
            f"  {c.get('local_time', c.get('at'))}  {c['action']:<14} {c['purpose']:<16} stage {c['stage']:<9}"
            f" policy {c.get('policy_version')} profile {c.get('profile')}{extra}"
        )
        if c.get("text"):
            lines.append(f'      "{c["text"]}"')
    lines.append(f"{len(result.get('events', []))} borrower event(s) applied:")
    lines += [f"  {e['at']}  {e['type']:<18} {e['effect']}" for e in result.get("events", [])]
    history = result.get("archive") or {}
    if history.get("read"):
        lines.append(f"(the contacts table, and the audit archive from {history['from']}; earlier: --since, or Athena, docs/OPERATIONS.md)")
    return "\n".join(lines)


def main(argv: list[str] | None = None, ops: Ops | None = None) -> int:
    p = parser()
    args = p.parse_args(argv)
    offline = args.command == "config" and args.config_command == "validate"
    if not args.stack and not offline:
        p.error("the following arguments are required: --stack")
    if args.person and not args.endpoint_url:
        p.error("--as: only on the local stack (--endpoint-url); on AWS, sign in as the person (README, Security)")
    try:
        if offline:
            config, _ = configuration.validate_file(Path(args.file))
            result = configuration.summary(config)
            print(json.dumps(result, indent=2, ensure_ascii=False) if args.json else f"{args.file}: valid\n" + _configuration_text(result))
            return 0
        if ops is None:
            import boto3

            if args.endpoint_url and not args.profile:  # the local stack checks no credentials: any will do
                session = boto3.Session(aws_access_key_id="local", aws_secret_access_key="local", region_name=args.region or "us-east-1")  # noqa: S106
            else:
                session = boto3.Session(profile_name=args.profile, region_name=args.region)
            if args.endpoint_url:
                ops = Ops(local_stack_resources(session, args.endpoint_url, args.stack), session, args.endpoint_url, person=args.person)
            else:
                ops = Ops(stack_resources(session, args.stack), session)
        print(render(args, run(args, ops)))
    except (OpsError, configuration.ConfigurationRefused) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # AWS errors (credentials, throttling, missing stack): one line, not a traceback
        if type(exc).__module__.startswith(("botocore", "boto3")):
            print(f"error: {exc}", file=sys.stderr)
            return 2
        raise
    return 0
