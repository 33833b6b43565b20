"""What a replayed scenario writes (docs/SCENARIOS.md): the audit trail, the tasks queued for agents and partners,
the accounts, the summary, the runs, the events, what people did (operator_actions.jsonl), the days, the logs, and
report.html."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .replay import Replay

# tasks.jsonl's `queue` -> the queue of template.yaml (its messages: schemas/*-task.schema.json).
TASK_QUEUES = {"call": "CallQueue", "visit": "VisitQueue", "legal_referral": "LegalReferralQueue"}


def export(replay: Replay, out: Path) -> dict[str, Any]:
    from escalation.aws import dynamo, numbers

    out.mkdir(parents=True, exist_ok=True)
    archived, receipts = archived_audit(replay.stack)  # the audit trail, from the archive (as an auditor would read it)
    contacts = sorted(archived, key=lambda c: (c.at, c.account_id, c.key))
    end = replay.end  # receipts: what the carrier said by the end of the run
    records = [contact_json(c, receipts.get((c.account_id, c.key)), end) for c in contacts]
    (out / "contacts.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    (out / "tasks.jsonl").write_text("".join(json.dumps(t, ensure_ascii=False) + "\n" for t in queued_tasks(replay)), encoding="utf-8")
    accounts = sorted(numbers.attach(dynamo.all_accounts()), key=lambda a: a.account_id)
    (out / "accounts.json").write_text(json.dumps([account_json(a) for a in accounts], ensure_ascii=False, indent=2), encoding="utf-8")
    by_action = Counter(c.action.value for c in contacts)
    summary = {
        "name": replay.scenario.name,
        "days": replay.scenario.days,
        "accounts": len(accounts),
        "contacts": {a: by_action.get(a, 0) for a in ("sms", "call", "visit", "legal_review", "legal_referral")},
        "paid": sum(1 for a in accounts if a.status.value == "paid"),
        "statuses": dict(Counter(a.status.value for a in accounts)),
        "runs": len(replay.runs),
        "sms_published": len(replay.stack.sms_sent()),  # what the provider accepted: equals the sms contacts
        "sms_delivery": sms_delivery(records),  # by profile: the carrier's receipts by the end of the run
        # Why accounts were not contacted when assessed, summed over the runs (each run's report: runs.jsonl).
        "skip_reasons": dict(sum((Counter(r.get("skip_reasons", {})) for r in replay.runs), Counter())),
        "faults_injected": dict(replay.injector.injected),
        "handler_errors": replay.stack.handler_errors,
    }
    (out / "summary.json").write_text(json.dumps(summary, indent=2), encoding="utf-8")
    (out / "runs.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in replay.runs), encoding="utf-8")
    (out / "events.jsonl").write_text("".join(json.dumps(e, ensure_ascii=False) + "\n" for e in replay.event_log), encoding="utf-8")
    actions = "".join(json.dumps(a, ensure_ascii=False) + "\n" for a in operator_actions(replay.stack))
    (out / "operator_actions.jsonl").write_text(actions, encoding="utf-8")
    # What the functions logged (masked by their formatter, escalation.logs), one record per line.
    logs = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in replay.stack.log_records())
    (out / "logs.jsonl").write_text(logs, encoding="utf-8")
    (out / "days.jsonl").write_text("".join(json.dumps(d) + "\n" for d in replay.days), encoding="utf-8")
    from ..report import write_report

    write_report(out)
    return summary


def archived_audit(stack: Any) -> tuple[list[Any], dict[tuple[str, str], dict[str, Any]]]:
    """Every contact, and every delivery receipt by (account id, contact key), as the audit archive holds them.

    The contacts table's stream is drained first (what was written since the last day ended). The table itself
    keeps entries for AuditTableDays only; the archive (escalation.service.archive) keeps them for their profile's
    retention, so this is the export a deployed stack could make of any period (there, with Athena)."""
    from escalation.aws import dynamo
    from escalation.aws.archive import all_records

    stack.drain_streams()
    s3, bucket = stack.client("s3"), stack.refs["AuditArchiveBucket"]
    contacts = [dynamo.contact_of_record(r) for r in all_records(s3, bucket, "contact")]
    receipts = {
        (r["account_id"], r["contact_key"]): {"delivery": r["delivery"], "reason": r["reason"], "at": r["at"]}
        for r in all_records(s3, bucket, "receipt")
    }
    return contacts, receipts


def operator_actions(stack: Any) -> list[dict[str, Any]]:
    """What people did (legal decisions, pauses, outcomes entered by hand), as the audit archive holds it: each applied
    operators' event with the caller AWS authenticated, its time and what it did, oldest first (issue 19)."""
    from escalation.aws.archive import all_records

    s3, bucket = stack.client("s3"), stack.refs["AuditArchiveBucket"]
    found = [r for r in all_records(s3, bucket, "event") if r.get("principal")]
    keys = ("at", "principal", "account_id", "type", "effect", "fields")
    return [{k: json.loads(r[k]) if k == "fields" else r[k] for k in keys} for r in sorted(found, key=lambda r: (r["at"], r["key"]))]


def sms_delivery(records: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Texts by profile and delivery, with the delivery rate: delivered / (delivered + failed + unknown), as
    report.html's Delivery section counts them (sim.report.delivery.Tally)."""
    from ..report.delivery import Tally

    by_profile: dict[str, Tally] = {}
    for r in records:
        if r["action"] == "sms" and r.get("delivery"):
            by_profile.setdefault(r["profile"], Tally()).add(r)
    return {
        profile: {k: t.states[k] for k in ("delivered", "failed", "pending", "unknown")}
        | {"delivery_rate": round(t.rate, 4) if t.rate is not None else None}
        for profile, t in sorted(by_profile.items())
    }


def queued_tasks(replay: Replay) -> list[dict[str, Any]]:
    """Every message on the call, visit and legal-referral queues, as sent: {"queue", "message"}, in the order queued.

    Nothing consumes these queues in the harness (agents and the legal partner are outside the product), so at
    the end of the run each still holds every message the product sent to it (reading hides them for a while:
    the run is over by then)."""
    tasks = [{"queue": queue, "message": m} for queue, logical in TASK_QUEUES.items() for m in replay.stack.queue_messages(logical)]
    return sorted(tasks, key=lambda t: _instant(t["message"].get("queued_at")))  # stable: each queue's own order on ties


def _instant(value: Any) -> datetime:
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00")).astimezone(UTC)
    except ValueError:
        return datetime.min.replace(tzinfo=UTC)


def contact_json(c: Any, receipt: dict[str, Any] | None = None, end: datetime | None = None) -> dict[str, Any]:
    """A contact as contacts.jsonl has it; a text with its parts and delivery (its receipt's, else pending, or
    unknown 72 hours after it was sent without one) as of `end`."""
    from escalation.domain.receipts import delivery_of

    sms = c.action.value == "sms"
    record = {
        "account_id": c.account_id,
        "action": c.action.value,
        "stage": c.stage.value,
        "purpose": c.purpose,
        "at": c.at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        "local_time": c.local_time.isoformat(),
        "to": c.to,
        "text": c.text,
        "run_id": c.run_id,
        "policy": c.policy or c.policy_version.split("@", 1)[0],
        "policy_version": c.policy_version,
        "arm": c.arm or "-",
        "profile": c.profile,
        "key": c.key,  # the idempotency key: local day#action#rule
        "provider_id": c.provider_id,  # SNS message id, SQS message id, or "unconfirmed" after a crash
        "expires_at": c.expires_at.astimezone(UTC).isoformat().replace("+00:00", "Z") if c.expires_at else None,  # call and visit tasks
        "approved_by": c.decided_by,  # legal_referral: the reviewer(s)
        "parts": c.parts if sms else None,
        "delivery": delivery_of(receipt and receipt["delivery"], c.at, end).value if sms and end else None,
        "delivery_reason": receipt["reason"] if receipt and receipt["delivery"] == "failed" else None,
    }
    return {k: v for k, v in record.items() if v is not None}


def account_json(a: Any) -> dict[str, Any]:
    return {
        "account_id": a.account_id,
        "status": a.status.value,
        "stage": a.stage.value,
        "balance": str(a.balance),
        "fees": str(a.fees),
        "currency": a.currency,
        "profile": a.profile,
        "due_date": a.due_date.isoformat(),
        "timezone": a.timezone,
        "product": a.product,
        "segment": a.segment,
        "policy": a.policy,
        "arm": a.arm or "-",
        "experiment": a.experiment,
        "hold_reason": a.hold_reason,
        "holds": {reason: until.isoformat() if until else None for reason, until in sorted(a.holds.items())},
        "opted_out": sorted(a.opted_out),
        # The channels closed on the account's number (for every account that carries it), and why.
        "closed_channels": {channel: closure.why.value for channel, closure in sorted(a.number.closed.items())},
        "legal_state": a.legal_state.value if a.legal_state else None,
        "legal_note": a.legal_note,
        "broken_promises": a.broken_promises,
        "kept_promises": a.kept_promises,
        "plan": {day.isoformat(): str(amount) for day, amount in a.plan.items()},
        "kept_plans": a.kept_plans,
        "broken_plans": a.broken_plans,
    }
