"""Reading a scenario export: the files `Replay.export` writes, forgiving of missing or malformed ones."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any


@dataclass
class Run:
    summary: dict[str, Any]
    contacts: list[dict[str, Any]]
    accounts: list[dict[str, Any]]
    runs: list[dict[str, Any]]
    events: list[dict[str, Any]]
    days: list[dict[str, Any]]
    dates: list[date]

    def index(self) -> dict[date, int]:
        """Day -> its position on the x axis."""
        return {d: i for i, d in enumerate(self.dates)}

    def snapshots(self) -> list[tuple[int, dict[str, Any]]]:
        """days.jsonl as (day index, snapshot), skipping the snapshots whose date is off the axis."""
        index = self.index()
        out = []
        for snap in self.days:
            i = index.get(day(f"{snap.get('date')}T00:00:00Z"))  # type: ignore[arg-type]
            if i is not None:
                out.append((i, snap))
        return out


def _json(path: Path, default: Any) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return default


def _jsonl(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            try:
                item = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(item, dict):
                out.append(item)
    return out


def instant(value: Any) -> datetime | None:
    """An ISO timestamp (Z or offset; naive means UTC), or None."""
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def day(value: Any) -> date | None:
    """The UTC date of a timestamp, or None."""
    moment = instant(value)
    return moment.astimezone(UTC).date() if moment else None


def decimal(value: Any) -> Decimal:
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return Decimal(0)


def number(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return 0.0


def load(out_dir: Path) -> Run:
    summary = _json(out_dir / "summary.json", {})
    accounts = _json(out_dir / "accounts.json", [])
    contacts = _jsonl(out_dir / "contacts.jsonl")
    runs = _jsonl(out_dir / "runs.jsonl")
    events = _jsonl(out_dir / "events.jsonl")
    days = _jsonl(out_dir / "days.jsonl")
    seen = [d for d in (day(r.get("as_of")) for r in runs) if d]
    seen += [d for d in (day(f"{s.get('date')}T00:00:00Z") for s in days) if d]
    seen += [d for d in (day(c.get("at")) for c in contacts) if d]
    if seen:
        start = min(seen)
        length = max(int(summary.get("days") or 0), (max(seen) - start).days + 1)
        dates = [start + timedelta(days=i) for i in range(length)]
    else:
        dates = []
    summary = summary if isinstance(summary, dict) else {}
    accounts = accounts if isinstance(accounts, list) else []
    return Run(summary, contacts, [a for a in accounts if isinstance(a, dict)], runs, events, days, dates)
