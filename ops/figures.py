"""`python -m ops figures`: the figures per strategy and arm (escalation.domain.figures) of a stack's book, from its tables.

The same computation as report.html and `make compare`, on the same records: the accounts table (status, due date,
strategy, the promise and plan counters), the audit log's contacts and its applied borrower events (payments,
promises, call and visit outcomes; escalation.aws.dynamo.EventEntryItem). Reads only, with two Scans: meant for a
local stack, a pilot or a small book; at a million accounts read the archive instead (docs/OPERATIONS.md).

The book's first day is --since, else the day of its earliest contact or event; its last day is --until, else
today (UTC; on a local stack, its clock's day). Every account counts from the first day (the tables keep no
enrolment date): its AWS cost may be a few account-days high, which the cost per unit recovered cannot tell.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

from escalation.domain.figures import compute_figures
from escalation.domain.model import audit_entry_kind

from .commands import Ops, OpsError, plain


def _scan(ops: Ops, table: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for page in ops.client("dynamodb").get_paginator("scan").paginate(TableName=ops.resources[table], ConsistentRead=True):
        items += [plain(i) for i in page["Items"]]
    return items


def book_records(ops: Ops) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """(contacts, applied events, accounts) in the scenario export's shapes (docs/SCENARIOS.md), which figures read."""
    contacts, events = [], []
    for item in _scan(ops, "ContactsTable"):
        kind = audit_entry_kind(item["key"])
        if kind == "event":
            fields = json.loads(item.get("fields") or "{}")
            events.append(fields | {k: item.get(k) for k in ("account_id", "at", "type", "effect", "policy", "arm")} | {"note": "applied"})
        elif kind == "contact":  # (the other entries are delivery receipts)
            contacts.append(item)
    return contacts, events, _scan(ops, "AccountsTable")


def _day(value: str | None, name: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise OpsError(f"{name}: expected YYYY-MM-DD, got {value!r}") from None


def figures(ops: Ops, since: str | None = None, until: str | None = None, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    first, last = _day(since, "--since"), _day(until, "--until")
    contacts, events, accounts = book_records(ops)
    if first is None:
        days = [datetime.fromisoformat(r["at"]).astimezone(UTC).date() for r in (*contacts, *events)]
        first = min(days, default=last or ops.now().date())
    last = last or ops.now().date()
    if last < first:
        raise OpsError(f"--until: {last} is before the first day {first}")
    try:
        groups = compute_figures(contacts, events, accounts, first, last, overrides=overrides)
    except ValueError as exc:  # a refused rate override
        raise OpsError(str(exc)) from None
    return {"first_day": first.isoformat(), "last_day": last.isoformat(), "accounts": len(accounts), "groups": groups}
