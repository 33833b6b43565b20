"""report.html: one page that shows what a scenario run (or `make demo`) did, for someone new to the project.

    write_report(out_dir) -> out_dir / "report.html"

Reads what `Replay.export` writes in out_dir — summary.json, contacts.jsonl, accounts.json, runs.jsonl,
events.jsonl and, when present, days.jsonl (one snapshot of the book per simulated day) — and writes a
single self-contained page: inline CSS and inline SVG charts drawn here, no scripts, nothing fetched.
Phone numbers are masked and every text is escaped.
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from html import escape
from pathlib import Path
from typing import Any

from escalation.domain.phones import MASK, mask_phone

ACTIONS = ("sms", "call", "visit", "legal_review", "legal_referral")
PLURALS = {"sms": "SMS", "call": "calls", "visit": "visits", "legal_review": "legal reviews", "legal_referral": "referrals"}
ACTION_LABELS = {
    "sms": "SMS",
    "call": "Agent call",
    "visit": "Field visit",
    "legal_review": "Legal review",
    "legal_referral": "Legal referral",
}
# Tableau 10: distinguishable, and readable for the common colour-vision deficiencies.
ACTION_COLORS = {"sms": "#4C78A8", "call": "#F58518", "visit": "#54A24B", "legal_review": "#B279A2", "legal_referral": "#E45756"}
STATUSES = ("active", "promise", "hold", "legal", "paid", "closed")
STATUS_LABELS = {
    "active": "Active (being escalated)",
    "promise": "Promise to pay",
    "hold": "On hold",
    "legal": "Referred to legal",
    "paid": "Paid in full",
    "closed": "Closed",
}
STATUS_COLORS = {"active": "#4C78A8", "promise": "#EECA3B", "hold": "#9D755D", "legal": "#B279A2", "paid": "#54A24B", "closed": "#79706E"}
STAGES = ("pre_due", "early", "follow_up", "field", "legal")
STAGE_LABELS = {"pre_due": "Pre-due", "early": "Early (D+1…D+6)", "follow_up": "Follow-up (D+7…)", "field": "Field visit", "legal": "Legal"}
STAGE_COLORS = {"pre_due": "#9ECAE9", "early": "#4C78A8", "follow_up": "#F58518", "field": "#54A24B", "legal": "#B279A2"}
# Borrower events on the timelines: (label, colour, shape).
EVENT_STYLES = {
    "payment": ("Payment", "#2E7D32", "up"),
    "promise_to_pay": ("Promise to pay", "#C9A400", "diamond"),
    "call_outcome": ("Call / visit outcome", "#555555", "ring"),
    "visit_outcome": ("Call / visit outcome", "#555555", "ring"),
    "legal_decision": ("Reviewer's legal decision", "#7B3F8C", "ring"),
    "dispute_opened": ("Dispute, hold, opt-out", "#B23A3A", "cross"),
    "cease_contact": ("Dispute, hold, opt-out", "#B23A3A", "cross"),
    "hold_placed": ("Dispute, hold, opt-out", "#B23A3A", "cross"),
    "opt_out": ("Dispute, hold, opt-out", "#B23A3A", "cross"),
}
OTHER_EVENT = ("Other event (hold lifted, balance update, …)", "#999999", "dot")
SKIP_REASONS = {
    "outside_window": "outside the borrower's contact window (rescheduled to its next opening)",
    "one_per_channel_per_day": "another rule already used that channel today",
    "promise_in_force": "a promise to pay is in force",
    "nothing_owed": "nothing owed",
    "sms_daily_cap": "daily SMS cap reached",
    "sms_weekly_cap": "weekly SMS cap reached",
    "call_daily_cap": "daily call-attempt cap reached",
    "calls_7_in_7": "7 calls in 7 days reached (US)",
    "post_conversation_pause": "pause after a conversation (US: 7 days)",
    "third_party_number": "the number is listed as a third party's",
    "changed_during_run": "a borrower event changed the account during the run",
    "recovered_crashed_dispatch": "finished a dispatch that crashed earlier",
    "promise_broken": "note: a promise was broken, the ladder resumed",
    "hold_ended": "note: a dated hold ended",
    "legal_review_waiting": "note: a legal review is waiting for a reviewer",
    "legal_review_expired": "note: a legal review expired undecided",
}
SKIP_PREFIXES = {"hold_": "on hold: ", "status_": "status: ", "opted_out_": "borrower opted out of "}

FONT = '-apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans", "Noto Sans CJK SC", sans-serif'
WIDTH = 1100  # every chart's width in px (the page is 1180 wide)


# ---------------------------------------------------------------------- masking and escaping
_PHONE_LIKE = re.compile(r"\+\d{6,15}|(?<![\d.,])\d{7,15}(?![\d.,])")  # E.164, or a bare run of 7+ digits (not an amount)


def mask_text(text: str) -> str:
    """Phone numbers in free text (SMS bodies, notes), masked like mask_phone; dates and amounts are left alone."""
    return _PHONE_LIKE.sub(lambda m: mask_phone(m.group(0)) if m.group(0).startswith("+") else _mask_digits(m.group(0)), str(text))


def _mask_digits(run: str) -> str:
    """A bare run of digits that may be a national number: its ends only."""
    return f"{run[:2]}{MASK}{run[-2:]}"


def e(text: Any) -> str:
    return escape(str(text), quote=True)


# ---------------------------------------------------------------------- inputs
@dataclass
class Run:
    summary: dict[str, Any]
    contacts: list[dict[str, Any]]
    accounts: list[dict[str, Any]]
    runs: list[dict[str, Any]]
    events: list[dict[str, Any]]
    days: list[dict[str, Any]]
    dates: list[date]


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
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _day(value: Any) -> date | None:
    moment = instant(value)
    return moment.astimezone(UTC).date() if moment else None


def load(out_dir: Path) -> Run:
    summary = _json(out_dir / "summary.json", {})
    accounts = _json(out_dir / "accounts.json", [])
    contacts = _jsonl(out_dir / "contacts.jsonl")
    runs = _jsonl(out_dir / "runs.jsonl")
    events = _jsonl(out_dir / "events.jsonl")
    days = _jsonl(out_dir / "days.jsonl")
    seen = [d for d in (_day(r.get("as_of")) for r in runs) if d]
    seen += [d for d in (_day(f"{s.get('date')}T00:00:00Z") for s in days) if d]
    seen += [d for d in (_day(c.get("at")) for c in contacts) if d]
    if seen:
        start = min(seen)
        length = max(int(summary.get("days") or 0), (max(seen) - start).days + 1)
        dates = [start + timedelta(days=i) for i in range(length)]
    else:
        dates = []
    return Run(summary, contacts, [a for a in accounts if isinstance(a, dict)], runs, events, days, dates)


# ---------------------------------------------------------------------- SVG helpers
def _nice_max(value: float) -> tuple[float, float]:
    """A round axis maximum >= value, and its tick step (about 5 ticks)."""
    if value <= 0:
        return 1, 1
    raw = value / 5
    magnitude = 10 ** len(str(int(raw))) / 10 if raw >= 1 else 1
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    step = max(step, 1)
    top = step * -(-value // step)
    return top, step


def _date_label(d: date) -> str:
    return f"{d:%b} {d.day}"


def _date_ticks(dates: Sequence[date]) -> list[int]:
    """Indexes of the dates to label: at most ~12, on Mondays when the span is long."""
    n = len(dates)
    if n <= 14:
        return list(range(n))
    every = 7 if n <= 90 else 14 if n <= 180 else 28 if n <= 370 else 91
    first = next((i for i, d in enumerate(dates) if d.weekday() == 0), 0)
    return list(range(first, n, every))


@dataclass
class Frame:
    """A plot area inside an SVG: x by day index (or fraction of days), y by value."""

    days: int
    top_value: float
    height: int = 260
    left: int = 56
    right: int = 16
    top: int = 14
    bottom: int = 46

    @property
    def width(self) -> int:
        return WIDTH

    @property
    def plot_w(self) -> float:
        return self.width - self.left - self.right

    @property
    def plot_h(self) -> float:
        return self.height - self.top - self.bottom

    def x(self, day: float) -> float:
        return self.left + self.plot_w * day / max(self.days, 1)

    def y(self, value: float) -> float:
        return self.top + self.plot_h * (1 - value / self.top_value)


def _axes(f: Frame, dates: Sequence[date], y_title: str, step: float, fmt: Callable[[float], str] = lambda v: f"{v:g}") -> str:
    parts = []
    v = 0.0
    while v <= f.top_value + 1e-9:
        y = f.y(v)
        parts.append(f'<line x1="{f.left}" x2="{f.width - f.right}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>')
        parts.append(f'<text x="{f.left - 6}" y="{y + 4:.1f}" class="tick" text-anchor="end">{e(fmt(v))}</text>')
        v += step
    base = f.y(0)
    parts.append(f'<line x1="{f.left}" x2="{f.width - f.right}" y1="{base:.1f}" y2="{base:.1f}" class="axis"/>')
    for i in _date_ticks(dates):
        x = f.x(i + 0.5)
        parts.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{base:.1f}" y2="{base + 4:.1f}" class="axis"/>')
        parts.append(f'<text x="{x:.1f}" y="{base + 17:.1f}" class="tick" text-anchor="middle">{e(_date_label(dates[i]))}</text>')
    if dates:
        span = f"{dates[0]:%Y-%m-%d} – {dates[-1]:%Y-%m-%d}"
        parts.append(
            f'<text x="{f.left + f.plot_w / 2:.1f}" y="{f.height - 6}" class="axis-title" text-anchor="middle">date ({span})</text>'
        )
    mid = f.top + f.plot_h / 2
    parts.append(f'<text transform="translate(14 {mid:.1f}) rotate(-90)" class="axis-title" text-anchor="middle">{e(y_title)}</text>')
    return "".join(parts)


def _svg(f: Frame, body: str, label: str) -> str:
    return f'<svg viewBox="0 0 {f.width} {f.height}" width="{f.width}" height="{f.height}" role="img" aria-label="{e(label)}">{body}</svg>'


def _legend(items: Iterable[tuple[str, str]], shape: str = "box") -> str:
    spans = "".join(f'<span class="key"><i class="{shape}" style="background:{color}"></i>{e(label)}</span>' for label, color in items)
    return f'<div class="legend">{spans}</div>'


def _empty(text: str) -> str:
    return f'<p class="empty">{e(text)}</p>'


def _stacked_bars(
    dates: Sequence[date], series: dict[str, list[float]], colors: dict[str, str], labels: dict[str, str], y_title: str
) -> str:
    totals = [sum(values[i] for values in series.values()) for i in range(len(dates))]
    top, step = _nice_max(max(totals, default=0))
    f = Frame(len(dates), top)
    parts = [_axes(f, dates, y_title, step)]
    slot = f.plot_w / max(len(dates), 1)
    bar = max(slot * 0.78, 1)
    for i, d in enumerate(dates):
        acc = 0.0
        x = f.x(i) + (slot - bar) / 2
        for key, values in series.items():
            value = values[i]
            if not value:
                continue
            y0, y1 = f.y(acc), f.y(acc + value)
            tip = f"{d.isoformat()}: {labels.get(key, key)} {value:g}"
            parts.append(
                f'<rect x="{x:.1f}" y="{y1:.1f}" width="{bar:.1f}" height="{max(y0 - y1, 0.5):.1f}" fill="{colors[key]}">'
                f"<title>{e(tip)}</title></rect>"
            )
            acc += value
    return _svg(f, "".join(parts), y_title)


# ---------------------------------------------------------------------- sections
def _headline(run: Run) -> str:
    s = run.summary
    accounts = int(s.get("accounts") or len(run.accounts))
    contacts = s.get("contacts") or Counter(c.get("action") for c in run.contacts)
    paid = int(s.get("paid") or sum(1 for a in run.accounts if a.get("status") == "paid"))
    total = sum(int(contacts.get(a, 0)) for a in ACTIONS)
    span = f"{_date_label(run.dates[0])} – {_date_label(run.dates[-1])}, {run.dates[-1].year}" if run.dates else ""
    share = f"{100 * paid / accounts:.0f}% of borrowers" if accounts else "—"
    breakdown = " · ".join(
        f"{int(contacts.get(a, 0)):,} {PLURALS[a] if int(contacts.get(a, 0)) != 1 else ACTION_LABELS[a].lower()}" for a in ACTIONS
    )
    cards = [
        ("Borrowers", f"{accounts:,}", "accounts in the book"),
        ("Days simulated", f"{int(s.get('days') or len(run.dates)):,}", span),
        ("Contacts", f"{total:,}", breakdown),
        ("Paid in full", f"{paid:,}", share),
    ]
    recovered = []
    if run.days:
        last = run.days[-1]
        for currency, got in sorted((last.get("recovered") or {}).items()):
            base = _decimal(got) + _decimal((last.get("owed") or {}).get(currency, "0"))
            pct = f" ({100 * _decimal(got) / base:.0f}%)" if base > 0 else ""
            recovered.append(f"{currency} {_decimal(got):,.2f}{pct}")
    errors = s.get("handler_errors") or []
    if errors:
        cards.append(("Handler errors", f"{len(errors):,}", "see summary.json"))
    html = "".join(
        f'<div class="card{" bad" if title == "Handler errors" else ""}"><div class="card-title">{e(title)}</div>'
        f'<div class="card-value">{e(value)}</div><div class="card-note">{e(note)}</div></div>'
        for title, value, note in cards
    )
    if recovered:
        lines = "".join(f"<div>{e(line)}</div>" for line in recovered)
        html += (
            '<div class="card wide"><div class="card-title">Recovered</div>'
            f'<div class="card-lines">{lines}</div><div class="card-note">(share of what was owed at enrolment)</div></div>'
        )
    reached = {a: len({c.get("account_id") for c in run.contacts if c.get("action") == a}) for a in ACTIONS}
    rows = "".join(
        f'<tr><td><i class="box" style="background:{ACTION_COLORS[a]}"></i>{e(ACTION_LABELS[a])}</td>'
        f'<td class="num">{int(contacts.get(a, 0)):,}</td><td class="num">{reached[a]:,}</td></tr>'
        for a in ACTIONS
    )
    table = (
        '<table class="small"><thead><tr><th>Action</th><th class="num">Contacts</th><th class="num">Borrowers reached</th></tr></thead>'
        f"<tbody>{rows}</tbody></table>"
    )
    return f'<section><h2 id="summary">Summary</h2><div class="cards">{html}</div>{table}</section>'


def _decimal(value: Any) -> Decimal:
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return Decimal(0)


def _index(run: Run) -> dict[date, int]:
    return {d: i for i, d in enumerate(run.dates)}


def _contacts_per_day(run: Run) -> str:
    index = _index(run)
    series = {a: [0.0] * len(run.dates) for a in ACTIONS}
    for c in run.contacts:
        d = _day(c.get("at"))
        if d in index and c.get("action") in series:
            series[c["action"]][index[d]] += 1
    if not run.contacts:
        chart = _empty("No contacts were made.")
    else:
        chart = _stacked_bars(run.dates, series, ACTION_COLORS, ACTION_LABELS, "contacts that day")
    return (
        '<section><h2 id="contacts">Contacts per day, by action</h2>'
        + _legend((ACTION_LABELS[a], ACTION_COLORS[a]) for a in ACTIONS)
        + chart
        + '<p class="how">How to read this: each bar is one day (UTC date of the contact); its height is how many contacts the '
        "system made that day, split by kind. Calls and visits count when they are queued for agents. Tall early bars are the "
        "reminders to the overdue part of the book; the bars shrink as borrowers pay or promise.</p></section>"
    )


def _book_over_time(run: Run) -> str:
    head = '<section><h2 id="book">Accounts by status and stage over time</h2>'
    if not run.days:
        return head + _empty("No per-day snapshot (days.jsonl) in this folder: rerun the scenario to get this chart.") + "</section>"
    index = _index(run)
    status = {k: [0.0] * len(run.dates) for k in STATUSES}
    stage = {k: [0.0] * len(run.dates) for k in STAGES}
    for snap in run.days:
        i = index.get(_day(f"{snap.get('date')}T00:00:00Z"))  # type: ignore[arg-type]
        if i is None:
            continue
        for key, n in (snap.get("status") or {}).items():
            status.setdefault(key, [0.0] * len(run.dates))[i] = n
        for key, n in (snap.get("stage") or {}).items():
            stage.setdefault(key, [0.0] * len(run.dates))[i] = n
    status_colors = STATUS_COLORS | {k: "#BBBBBB" for k in status if k not in STATUS_COLORS}
    stage_colors = STAGE_COLORS | {k: "#BBBBBB" for k in stage if k not in STAGE_COLORS}
    return (
        head
        + "<h3>By status</h3>"
        + _legend((STATUS_LABELS.get(k, k), status_colors[k]) for k in status)
        + _stacked_bars(run.dates, status, status_colors, STATUS_LABELS, "accounts")
        + '<p class="how">How to read this: the whole book at the end of each simulated day. Blue is still being escalated; '
        "green has paid in full; yellow promised to pay by a date (contact pauses until then); brown is on hold (dispute, "
        "cease-contact, hardship…: no contact); purple was referred to the legal partner after a person approved it.</p>"
        + "<h3>By ladder stage</h3>"
        + _legend((STAGE_LABELS.get(k, k), stage_colors[k]) for k in stage)
        + _stacked_bars(run.dates, stage, stage_colors, STAGE_LABELS, "accounts")
        + '<p class="how">How to read this: the ladder stage of the last step the system took for each account (new accounts '
        "start at pre-due; paid accounts keep the stage they had). Pre-due: a reminder before the due date; early: the first "
        "overdue days (an SMS, a first call); follow-up: weekly SMS and calls every 3 days from D+7; field visit: the borrower "
        "could not be reached by phone (the follow-ups go on afterwards); legal: a legal review was requested (from D+60).</p></section>"
    )


def _recovery(run: Run) -> str:
    head = '<section><h2 id="recovery">Recovery curve</h2>'
    if not run.days:
        return head + _empty("No per-day snapshot (days.jsonl) in this folder: rerun the scenario to get this chart.") + "</section>"
    index = _index(run)
    lines: dict[str, list[tuple[int, float]]] = defaultdict(list)
    for snap in run.days:
        i = index.get(_day(f"{snap.get('date')}T00:00:00Z"))  # type: ignore[arg-type]
        if i is None:
            continue
        total = int(snap.get("accounts") or sum((snap.get("status") or {}).values()) or 0)
        if total:
            lines["Borrowers paid in full"].append((i, 100 * (snap.get("status") or {}).get("paid", 0) / total))
        for currency, got in sorted((snap.get("recovered") or {}).items()):
            base = _decimal(got) + _decimal((snap.get("owed") or {}).get(currency, "0"))
            if base > 0:
                lines[f"Amount recovered, {currency}"].append((i, float(100 * _decimal(got) / base)))
    palette = ["#54A24B", "#4C78A8", "#F58518", "#E45756", "#72B7B2", "#B279A2"]
    colors = {name: palette[n % len(palette)] for n, name in enumerate(lines)}
    f = Frame(len(run.dates), 100, right=64)
    parts = [_axes(f, run.dates, "% of the book", 20, lambda v: f"{v:.0f}%")]
    ends: list[tuple[float, str, str]] = []
    for name, points in lines.items():
        dash = "" if name.startswith("Borrowers") else ' stroke-dasharray="7 4"'
        path = " ".join(f"{'M' if k == 0 else 'L'}{f.x(i + 0.5):.1f},{f.y(v):.1f}" for k, (i, v) in enumerate(points))
        parts.append(f'<path d="{path}" fill="none" stroke="{colors[name]}" stroke-width="2.5"{dash}/>')
        if points:
            i, v = points[-1]
            parts.append(f'<circle cx="{f.x(i + 0.5):.1f}" cy="{f.y(v):.1f}" r="4" fill="{colors[name]}"/>')
            ends.append((f.y(v), f"{v:.0f}%", colors[name]))
    # The end values, right of the plot, pushed apart so none overlaps.
    last_y = -1e9
    for y, text, color in sorted(ends):
        y = max(y + 4, last_y + 15)
        last_y = y
        parts.append(f'<text x="{f.left + f.plot_w + 8:.1f}" y="{y:.1f}" class="value" fill="{color}">{e(text)}</text>')
    amounts = ""
    if run.days:
        last = run.days[-1]
        cells = "".join(
            f"<tr><td>{e(c)}</td><td class='num'>{_decimal(got) + _decimal((last.get('owed') or {}).get(c, '0')):,.2f}</td>"
            f"<td class='num'>{_decimal(got):,.2f}</td><td class='num'>{_decimal((last.get('owed') or {}).get(c, '0')):,.2f}</td></tr>"
            for c, got in sorted((last.get("recovered") or {}).items())
        )
        if cells:
            amounts = (
                '<table class="small"><thead><tr><th>Currency</th><th class="num">Owed at enrolment</th>'
                f'<th class="num">Recovered</th><th class="num">Still owed</th></tr></thead><tbody>{cells}</tbody></table>'
            )
    return (
        head
        + "".join(
            f'<span class="key"><i class="line{"" if n.startswith("Borrowers") else " dashed"}" style="border-color:{colors[n]}"></i>'
            f"{e(n)}</span>"
            for n in lines
        ).join(('<div class="legend">', "</div>"))
        + _svg(f, "".join(parts), "recovery curve")
        + '<p class="how">How to read this: the solid line is the share of borrowers who have paid in full by the end of each day; '
        "the dashed lines are the share of the money owed at enrolment (balance + fees) that has come in, per currency "
        "(partial payments count). A curve that flattens means the remaining borrowers are the hard cases.</p>" + amounts + "</section>"
    )


def _funnel(run: Run) -> str:
    reached = {a: len({c.get("account_id") for c in run.contacts if c.get("action") == a}) for a in ACTIONS}
    enrolled = int(run.summary.get("accounts") or len(run.accounts))
    paid = int(run.summary.get("paid") or sum(1 for a in run.accounts if a.get("status") == "paid"))
    steps = [
        ("Enrolled", enrolled, "#79706E"),
        ("Sent an SMS", reached["sms"], ACTION_COLORS["sms"]),
        ("Queued for an agent call", reached["call"], ACTION_COLORS["call"]),
        ("Queued for a field visit", reached["visit"], ACTION_COLORS["visit"]),
        ("Legal review requested", reached["legal_review"], ACTION_COLORS["legal_review"]),
        ("Referred to legal (approved)", reached["legal_referral"], ACTION_COLORS["legal_referral"]),
        ("Paid in full", paid, STATUS_COLORS["paid"]),
    ]
    row, label_w, right = 34, 250, 150
    height = row * len(steps) + 10
    plot = WIDTH - label_w - right
    top = max(enrolled, *(n for _, n, _ in steps), 1)
    parts = []
    for k, (label, n, color) in enumerate(steps):
        y = 6 + k * row
        w = plot * n / top
        pct = f" ({100 * n / enrolled:.0f}%)" if enrolled else ""
        parts.append(f'<text x="{label_w - 10}" y="{y + 19}" class="label" text-anchor="end">{e(label)}</text>')
        parts.append(f'<rect x="{label_w}" y="{y}" width="{max(w, 1):.1f}" height="{row - 10}" rx="3" fill="{color}"/>')
        parts.append(f'<text x="{label_w + w + 8:.1f}" y="{y + 19}" class="value">{n:,}{e(pct)}</text>')
    svg = f'<svg viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" role="img" aria-label="funnel">'
    return (
        '<section><h2 id="funnel">Funnel</h2>'
        + _legend([("borrowers who reached each step (share of enrolled)", "#79706E")])
        + svg
        + "".join(parts)
        + "</svg>"
        + '<p class="how">How to read this: how many distinct borrowers got at least one contact of each kind, in the order the '
        "ladder escalates. Each step is narrower because borrowers pay, promise or answer before the next one; a referral "
        "needs a person's approval. The last bar is everyone who paid in full, at whatever step.</p></section>"
    )


def _skip_label(reason: str) -> str:
    if reason in SKIP_REASONS:
        return SKIP_REASONS[reason]
    for prefix, text in SKIP_PREFIXES.items():
        if reason.startswith(prefix):
            return text + reason[len(prefix) :].replace("_", " ")
    return reason.replace("_", " ")


def _skips(run: Run) -> str:
    reasons = Counter({str(k): int(v) for k, v in (run.summary.get("skip_reasons") or {}).items() if int(v) > 0})
    if not reasons and run.runs:
        for r in run.runs:
            reasons.update(r.get("skip_reasons") or {})
    head = '<section><h2 id="skips">Why accounts were not contacted</h2>'
    if not reasons:
        return head + _empty("No skips were recorded.") + "</section>"
    items = reasons.most_common()
    row, label_w, right = 28, 470, 90
    height = row * len(items) + 8
    top = max(n for _, n in items)
    plot = WIDTH - label_w - right
    parts = []
    for k, (reason, n) in enumerate(items):
        y = 4 + k * row
        w = plot * n / top
        note = _skip_label(reason).startswith("note:")
        color = "#BBBBBB" if note else "#9D755D"
        parts.append(f'<text x="{label_w - 10}" y="{y + 16}" class="label" text-anchor="end">{e(_skip_label(reason))}</text>')
        parts.append(
            f'<rect x="{label_w}" y="{y + 2}" width="{max(w, 1):.1f}" height="{row - 8}" rx="2" fill="{color}">'
            f"<title>{e(reason)}</title></rect>"
        )
        parts.append(f'<text x="{label_w + w + 8:.1f}" y="{y + 16}" class="value">{n:,}</text>')
    svg = f'<svg viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" role="img" aria-label="skip reasons">'
    return (
        head
        + _legend(
            [("a due step held back by a guardrail or the account's state", "#9D755D"), ("a note the run made (not a skip)", "#BBBBBB")]
        )
        + svg
        + "".join(parts)
        + "</svg>"
        + '<p class="how">How to read this: every time a run looked at an account and a step of the ladder was due but not taken, '
        "the reason is counted, summed over all runs (an account held back on ten runs counts ten). These are the guardrails at "
        "work: contact windows, caps, holds, promises and opt-outs.</p></section>"
    )


def _marker(shape: str, x: float, y: float, color: str, tip: str, size: float = 4.5) -> str:
    title = f"<title>{e(tip)}</title>"
    if shape == "square":
        return f'<rect x="{x - size:.1f}" y="{y - size:.1f}" width="{2 * size:.1f}" height="{2 * size:.1f}" fill="{color}">{title}</rect>'
    if shape == "diamond":
        pts = f"{x:.1f},{y - size - 1:.1f} {x + size + 1:.1f},{y:.1f} {x:.1f},{y + size + 1:.1f} {x - size - 1:.1f},{y:.1f}"
        return f'<polygon points="{pts}" fill="{color}">{title}</polygon>'
    if shape == "up":
        pts = f"{x:.1f},{y - size - 1:.1f} {x + size + 1:.1f},{y + size:.1f} {x - size - 1:.1f},{y + size:.1f}"
        return f'<polygon points="{pts}" fill="{color}">{title}</polygon>'
    if shape == "down":
        pts = f"{x - size - 1:.1f},{y - size:.1f} {x + size + 1:.1f},{y - size:.1f} {x:.1f},{y + size + 1:.1f}"
        return f'<polygon points="{pts}" fill="{color}">{title}</polygon>'
    if shape == "ring":
        return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{size - 0.5:.1f}" fill="#fff" stroke="{color}" stroke-width="2">{title}</circle>'
    if shape == "cross":
        s = size
        return (
            f'<path d="M{x - s:.1f},{y - s:.1f}L{x + s:.1f},{y + s:.1f}M{x - s:.1f},{y + s:.1f}L{x + s:.1f},{y - s:.1f}" '
            f'stroke="{color}" stroke-width="2.2">{title}</path>'
        )
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{size:.1f}" fill="{color}">{title}</circle>'


ACTION_SHAPES = {"sms": "dot", "call": "square", "visit": "diamond", "legal_review": "up", "legal_referral": "down"}
TIMELINE_LIMIT = 40


def _timelines(run: Run) -> str:
    head = '<section><h2 id="timelines">Per-account timelines</h2>'
    ids = sorted({str(a.get("account_id")) for a in run.accounts} | {str(c.get("account_id")) for c in run.contacts})
    if not ids or not run.dates:
        return head + _empty("No accounts.") + "</section>"
    shown = ids[:TIMELINE_LIMIT]
    status = {str(a.get("account_id")): a for a in run.accounts}
    by_account: dict[str, list[dict[str, Any]]] = defaultdict(list)
    phones: dict[str, str] = {}
    for c in run.contacts:
        by_account[str(c.get("account_id"))].append(c)
        if c.get("to"):
            phones.setdefault(str(c.get("account_id")), str(c["to"]))
    events: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for ev in run.events:
        events[str(ev.get("account_id"))].append(ev)

    label_w, row, top_pad = 300, 30, 30
    f = Frame(len(run.dates), 1, height=top_pad + row * len(shown) + 40, left=label_w, right=24, top=top_pad, bottom=40)
    start = datetime.combine(run.dates[0], datetime.min.time(), tzinfo=UTC)

    def x_of(moment: datetime) -> float:
        return f.x(min(max((moment - start).total_seconds() / 86400, 0), len(run.dates)))

    parts = []
    base = f.top + row * len(shown)
    for i in _date_ticks(run.dates):
        x = f.x(i)
        parts.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{f.top - 6}" y2="{base:.1f}" class="grid"/>')
        parts.append(f'<text x="{x:.1f}" y="{f.top - 10}" class="tick" text-anchor="middle">{e(_date_label(run.dates[i]))}</text>')
        parts.append(f'<text x="{x:.1f}" y="{base + 16:.1f}" class="tick" text-anchor="middle">{e(_date_label(run.dates[i]))}</text>')
    parts.append(
        f'<text x="{f.left + f.plot_w / 2:.1f}" y="{base + 34:.1f}" class="axis-title" text-anchor="middle">'
        f"date (gridlines at 00:00 UTC)</text>"
    )
    for k, account_id in enumerate(shown):
        y = f.top + k * row
        mid = y + row / 2
        account = status.get(account_id, {})
        if k % 2 == 0:
            parts.append(f'<rect x="0" y="{y}" width="{WIDTH}" height="{row}" fill="#F6F7F9"/>')
        # Paid in full: shade the row from the last payment on.
        payments = [
            instant(ev.get("at")) for ev in events.get(account_id, []) if ev.get("type") == "payment" and ev.get("note") == "applied"
        ]
        payments = [p for p in payments if p]
        if account.get("status") == "paid" and payments:
            x0 = x_of(max(payments))
            parts.append(f'<rect x="{x0:.1f}" y="{y + 3}" width="{f.left + f.plot_w - x0:.1f}" height="{row - 6}" fill="#DCEFD9"/>')
        state = str(account.get("status", "?"))
        phone = mask_phone(phones[account_id]) if account_id in phones else ""
        parts.append(f'<text x="8" y="{mid + 4:.1f}" class="label mono">{e(account_id)}</text>')
        parts.append(f'<text x="{label_w - 66}" y="{mid + 4:.1f}" class="small-label mono" text-anchor="end">{e(phone)}</text>')
        color = STATUS_COLORS.get(state, "#999999")
        parts.append(f'<rect x="{label_w - 54}" y="{mid - 8:.1f}" width="48" height="16" rx="8" fill="{color}"/>')
        parts.append(f'<text x="{label_w - 30}" y="{mid + 4:.1f}" class="pill" text-anchor="middle">{e(state)}</text>')
        parts.append(f'<line x1="{f.left}" x2="{f.left + f.plot_w:.1f}" y1="{mid:.1f}" y2="{mid:.1f}" class="lane"/>')
        # Contacts above the lane; several on one day are spread a little so each stays visible.
        per_day: Counter[date] = Counter()
        for c in sorted(by_account.get(account_id, []), key=lambda c: str(c.get("at"))):
            moment = instant(c.get("at"))
            if moment is None:
                continue
            nth = per_day[moment.date()]
            per_day[moment.date()] += 1
            action = str(c.get("action"))
            tip = f"{c.get('local_time') or c.get('at')} (local) · {ACTION_LABELS.get(action, action)} · {c.get('purpose', '')}"
            if c.get("text"):
                tip += f"\n{mask_text(c['text'])}"
            parts.append(_marker(ACTION_SHAPES.get(action, "dot"), x_of(moment) + 7 * nth, mid - 6, ACTION_COLORS.get(action, "#333"), tip))
        # Borrower events below it.
        for ev in events.get(account_id, []):
            moment = instant(ev.get("at"))
            if moment is None:
                continue
            _, color, shape = EVENT_STYLES.get(str(ev.get("type")), OTHER_EVENT)
            tip = f"{ev.get('at')} · {ev.get('type')} · {mask_text(str(ev.get('note', '')))}"
            if str(ev.get("note", "")).startswith("rejected"):
                color = "#BBBBBB"
            parts.append(_marker(shape, x_of(moment), mid + 7, color, tip, size=3.8))
    svg = _svg(f, "".join(parts), "per-account timelines")
    contact_keys = "".join(
        f'<span class="key"><svg width="16" height="16" viewBox="0 0 16 16">'
        f"{_marker(ACTION_SHAPES[a], 8, 8, ACTION_COLORS[a], '', 5)}</svg>{e(ACTION_LABELS[a])}</span>"
        for a in ACTIONS
    )
    event_styles = dict.fromkeys([*EVENT_STYLES.values(), OTHER_EVENT])
    event_keys = "".join(
        f'<span class="key"><svg width="16" height="16" viewBox="0 0 16 16">{_marker(shape, 8, 8, color, "", 5)}</svg>{e(label)}</span>'
        for label, color, shape in event_styles
    )
    paid_key = '<span class="key"><i class="box" style="background:#DCEFD9"></i>paid in full from here</span>'
    note = (
        f'<p class="note">Showing the first {len(shown)} of {len(ids):,} accounts by id; every contact is in contacts.jsonl.</p>'
        if len(ids) > len(shown)
        else ""
    )
    return (
        head
        + f'<div class="legend"><b>Contacts (above the line):</b>{contact_keys}</div>'
        + f'<div class="legend"><b>Borrower events (below):</b>{event_keys}{paid_key}</div>'
        + note
        + svg
        + '<p class="how">How to read this: one row per account — its id, masked phone number and final status — and its story '
        "left to right: what the system did (above the line) and what the borrower or a reviewer did (below; grey means the "
        "event was rejected). Hover a marker for the date, the rule and the SMS text.</p></section>"
    )


CSS = f"""
body {{ font-family: {FONT}; font-size: 15px; color: #1f2328; background: #fff; margin: 0; }}
main {{ max-width: {WIDTH + 40}px; margin: 0 auto; padding: 24px 20px 48px; }}
h1 {{ font-size: 28px; margin: 0 0 4px; }}
h2 {{ font-size: 21px; margin: 36px 0 8px; padding-top: 12px; border-top: 1px solid #e3e6ea; }}
h3 {{ font-size: 16px; margin: 18px 0 4px; color: #444; }}
p {{ line-height: 1.5; margin: 6px 0; }}
.sub {{ color: #555; margin-bottom: 10px; }}
.intro {{ max-width: 900px; }}
nav a {{ margin-right: 14px; color: #2b5797; text-decoration: none; }}
.cards {{ display: grid; grid-template-columns: repeat(auto-fill, minmax(170px, 1fr)); gap: 12px; margin: 10px 0 14px; }}
.card {{ border: 1px solid #dde1e6; border-radius: 8px; padding: 10px 14px; background: #fafbfc; }}
.card.bad {{ border-color: #d33; background: #fff3f3; }}
.card-title {{ font-size: 13px; color: #555; text-transform: uppercase; letter-spacing: .03em; }}
.card-value {{ font-size: 28px; font-weight: 600; margin: 2px 0; }}
.card-note {{ font-size: 13px; color: #555; }}
.card.wide {{ grid-column: span 2; }}
.card-lines {{ font-size: 17px; font-weight: 600; line-height: 1.45; margin: 4px 0 2px; font-variant-numeric: tabular-nums; }}
.legend {{ display: flex; flex-wrap: wrap; gap: 6px 18px; align-items: center; margin: 6px 0 4px; font-size: 14px; }}
.legend b {{ font-weight: 600; margin-right: 2px; }}
.key {{ display: inline-flex; align-items: center; gap: 6px; }}
.key svg {{ vertical-align: middle; }}
i.box {{ display: inline-block; width: 13px; height: 13px; border-radius: 2px; vertical-align: -2px; margin-right: 6px; }}
.key i.box {{ margin-right: 0; }}
i.line {{ display: inline-block; width: 26px; border-top: 3px solid; }}
i.line.dashed {{ border-top-style: dashed; }}
.how {{ color: #555; font-size: 14px; max-width: 1000px; }}
.note, .empty {{ color: #8a5a00; font-size: 14px; }}
svg text {{ font-family: {FONT}; }}
svg .tick {{ font-size: 12px; fill: #555; }}
svg .axis-title {{ font-size: 13px; fill: #333; }}
svg .label {{ font-size: 13px; fill: #222; }}
svg .small-label {{ font-size: 12px; fill: #666; }}
svg .mono {{ font-family: ui-monospace, Menlo, Consolas, "DejaVu Sans Mono", monospace; }}
svg .value {{ font-size: 13px; font-weight: 600; fill: #333; }}
svg .pill {{ font-size: 11px; fill: #fff; font-weight: 600; }}
svg .grid {{ stroke: #e6e8eb; stroke-width: 1; }}
svg .axis {{ stroke: #888; stroke-width: 1; }}
svg .lane {{ stroke: #d0d4d9; stroke-width: 1; }}
table.small {{ border-collapse: collapse; font-size: 14px; margin: 8px 0; }}
table.small th, table.small td {{ padding: 4px 14px 4px 0; border-bottom: 1px solid #eceef1; text-align: left; }}
table.small .num {{ text-align: right; font-variant-numeric: tabular-nums; }}
footer {{ margin-top: 40px; color: #777; font-size: 13px; }}
"""


def render(run: Run) -> str:
    s = run.summary
    name = str(s.get("name") or "scenario run")
    span = f"{run.dates[0].isoformat()} to {run.dates[-1].isoformat()}" if run.dates else "no days"
    intro = (
        "This page shows what the collections escalation orchestrator did in one simulated run. Every day, at 10:00 local in "
        "five time zones, the system looks at each overdue borrower and decides — inside the borrower's contact window and "
        "the jurisdiction's caps — whether to send a reminder SMS, queue an agent call, queue a field visit, or ask a person "
        "to approve a legal referral. It stops as soon as the borrower pays, promises to pay, disputes or opts out. Everything "
        "below comes from the files next to this page; phone numbers are masked."
    )
    sections = [_headline(run), _contacts_per_day(run), _book_over_time(run), _recovery(run), _funnel(run), _skips(run), _timelines(run)]
    nav = "".join(
        f'<a href="#{anchor}">{e(label)}</a>'
        for anchor, label in (
            ("summary", "Summary"),
            ("contacts", "Contacts per day"),
            ("book", "Status & stage"),
            ("recovery", "Recovery"),
            ("funnel", "Funnel"),
            ("skips", "Skip reasons"),
            ("timelines", "Timelines"),
        )
    )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{e(mask_text(name))} — collections escalation report</title><style>{CSS}</style></head><body><main>"
        f"<h1>Collections escalation: simulation report</h1>"
        f'<div class="sub">{e(mask_text(name))} · {e(span)} · {int(s.get("runs") or len(run.runs)):,} daily runs</div>'
        f'<p class="intro">{e(intro)}</p><nav>{nav}</nav>'
        + "".join(sections)
        + "<footer>Generated from summary.json, contacts.jsonl, accounts.json, runs.jsonl, events.jsonl and days.jsonl "
        "by sim/report/.</footer></main></body></html>\n"
    )


def write_report(out_dir: Path) -> Path:
    """Write out_dir/report.html from the scenario export in out_dir; returns its path."""
    out_dir = Path(out_dir)
    path = out_dir / "report.html"
    try:
        page = render(load(out_dir))
    except Exception as exc:  # noqa: BLE001 - the report is a view: it never fails the run whose files it reads
        print(f"report.html: could not draw the report ({type(exc).__name__}: {exc})", file=sys.stderr)
        page = f"<!DOCTYPE html>\n<html><body><h1>No report</h1><p>{e(type(exc).__name__)}: {e(mask_text(str(exc)))}</p></body></html>\n"
    path.write_text(page, encoding="utf-8")
    return path


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m sim.report OUT_DIR   (a folder written by make scenario or make demo)")
        return 2
    print(write_report(Path(argv[0])))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
