"""Per-account timelines: one row per account — id, profile, masked phone, final status — and its story over the run.

Every account of the book has its row (the finder, finder.py, pages through them and filters them). A row's lane is
an <svg width="100%"> whose x positions are percentages of the run: it stretches to any width while its markers keep
their size, so a phone shows the same rows as a desktop, under their labels instead of beside them.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import UTC, date, datetime
from typing import Any

from .data import Run, instant
from .finder import finder, finder_script, pager
from .style import (
    ACTION_COLORS,
    ACTION_LABELS,
    ACTION_SHAPES,
    ACTIONS,
    EVENT_STYLES,
    OTHER_EVENT,
    PAID_SHADE,
    REJECTED_COLOR,
    STATUS_COLORS,
    UNKNOWN_COLOR,
)
from .svg import date_label, date_ticks, glyph, use_marker
from .text import esc, mask_phone, mask_text

LANE_H = 36
CONTACT_Y, LANE_Y, EVENT_Y = 10, 18, 27
SPREAD_PX = 7  # several contacts on one day: each one this much right of the one before
DARK_TEXT_STATUSES = {"promise"}  # a light pill: dark text on it


class Lanes:
    """Percent positions on the run's time axis."""

    def __init__(self, dates: list[date]) -> None:
        self.dates = dates
        self.start = datetime.combine(dates[0], datetime.min.time(), tzinfo=UTC)

    def pct(self, moment: datetime) -> float:
        days = min(max((moment - self.start).total_seconds() / 86400, 0), len(self.dates))
        return 100 * days / len(self.dates)

    def ticks(self) -> list[tuple[int, bool]]:
        """(day index, shown on narrow screens too) for the labelled gridlines."""
        narrow = set(date_ticks(self.dates, 5))
        return [(i, i in narrow) for i in sorted(set(date_ticks(self.dates, 14)) | narrow)]


def _x(value: float) -> str:
    return f"{value:.2f}%"


def timelines_section(run: Run) -> str:
    head = '<section><h2 id="timelines">Per-account timelines</h2>'
    ids = sorted({str(a.get("account_id")) for a in run.accounts} | {str(c.get("account_id")) for c in run.contacts})
    if not ids or not run.dates:
        return head + '<p class="empty">No accounts.</p></section>'
    accounts = {str(a.get("account_id")): a for a in run.accounts}
    contacts: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for c in run.contacts:
        contacts[str(c.get("account_id"))].append(c)
    events: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for ev in run.events:
        events[str(ev.get("account_id"))].append(ev)
    lanes = Lanes(run.dates)
    profiles = {i: _profile(accounts.get(i, {}), contacts.get(i, [])) for i in ids}
    statuses = {i: str(accounts.get(i, {}).get("status", "?")) for i in ids}
    rows = "".join(_row(i, profiles[i], statuses[i], contacts.get(i, []), events.get(i, []), lanes) for i in ids)
    return (
        head
        + _legends()
        + '<div class="tl" id="tl">'
        + finder(Counter(profiles.values()), Counter(statuses.values()), len(ids))
        + pager()
        + _scale(lanes, "top")
        + f'<ol class="tl-list">{rows}</ol>'
        + _scale(lanes, "bottom")
        + pager()
        + "</div>"
        + '<p class="how">How to read this: one row per account — its id, profile, masked phone number and final status — and '
        "its story left to right: what the system did (above the line) and what the borrower or a reviewer did (below; grey "
        "means the event was rejected). Hover a marker for the date, the rule and the SMS text. Choose a profile or a status, "
        "or type part of an account id, to find an account.</p>" + finder_script() + "</section>"
    )


def _profile(account: dict[str, Any], contacts: list[dict[str, Any]]) -> str:
    named = account.get("profile") or next((c.get("profile") for c in contacts if c.get("profile")), None)
    return str(named) if named else "—"


def _legends() -> str:
    contact_keys = "".join(f'<span class="key">{glyph(ACTION_SHAPES[a], ACTION_COLORS[a])}{esc(ACTION_LABELS[a])}</span>' for a in ACTIONS)
    styles = dict.fromkeys([*EVENT_STYLES.values(), OTHER_EVENT])
    event_keys = "".join(f'<span class="key">{glyph(shape, color)}{esc(label)}</span>' for label, color, shape in styles)
    paid_key = f'<span class="key"><i class="box" style="background:{PAID_SHADE}"></i>paid in full from here</span>'
    return (
        f'<div class="legend"><b>Contacts (above the line):</b>{contact_keys}</div>'
        f'<div class="legend"><b>Borrower events (below):</b>{event_keys}{paid_key}</div>'
    )


def _scale(lanes: Lanes, where: str) -> str:
    """Date labels over (or under) the lanes, at the same percent positions as their gridlines."""
    labels = "".join(
        f'<text x="{_x(100 * i / len(lanes.dates))}" y="14" class="tick{"" if narrow else " minor"}" text-anchor="middle">'
        f"{esc(date_label(lanes.dates[i]))}</text>"
        for i, narrow in lanes.ticks()
    )
    title = '<div class="tl-title">date (gridlines at 00:00 UTC)</div>' if where == "bottom" else ""
    return (
        f'<div class="tl-scale {where}" aria-hidden="true"><div></div><div><svg class="tl-lane" width="100%" height="20">{labels}</svg>'
        f"{title}</div></div>"
    )


def _row(account_id: str, profile: str, status: str, contacts: list[dict[str, Any]], events: list[dict[str, Any]], lanes: Lanes) -> str:
    grid = [_x(100 * i / len(lanes.dates)) for i, _ in lanes.ticks()]
    parts = [f'<line x1="{x}" x2="{x}" y1="0" y2="{LANE_H}" class="grid"/>' for x in grid]
    # Paid in full: shade the lane from the last payment on.
    payments = [instant(ev.get("at")) for ev in events if ev.get("type") == "payment" and ev.get("note") == "applied"]
    paid_at = max((p for p in payments if p), default=None)
    if status == "paid" and paid_at:
        x0 = lanes.pct(paid_at)
        parts.append(f'<rect x="{_x(x0)}" y="3" width="{_x(100 - x0)}" height="{LANE_H - 6}" fill="{PAID_SHADE}"/>')
    parts.append(f'<line x1="0" x2="100%" y1="{LANE_Y}" y2="{LANE_Y}" class="lane"/>')
    # Contacts above the lane; several on one day are spread a little so each stays visible.
    per_day: Counter[date] = Counter()
    phone = ""
    for c in sorted(contacts, key=lambda c: str(c.get("at"))):
        phone = phone or str(c.get("to") or "")
        moment = instant(c.get("at"))
        if moment is None:
            continue
        nth = per_day[moment.date()]
        per_day[moment.date()] += 1
        action = str(c.get("action"))
        tip = f"{c.get('local_time') or c.get('at')} (local) · {ACTION_LABELS.get(action, action)} · {c.get('purpose', '')}"
        if c.get("text"):
            tip += f"\n{c['text']}"
        color = ACTION_COLORS.get(action, "#333")
        parts.append(_use(ACTION_SHAPES.get(action, "dot"), lanes.pct(moment), CONTACT_Y, color, mask_text(tip), "mk", SPREAD_PX * nth))
    # Borrower events below it.
    for ev in events:
        moment = instant(ev.get("at"))
        if moment is None:
            continue
        _, color, shape = EVENT_STYLES.get(str(ev.get("type")), OTHER_EVENT)
        if str(ev.get("note", "")).startswith("rejected"):
            color = REJECTED_COLOR
        tip = mask_text(f"{ev.get('at')} · {ev.get('type')} · {ev.get('note', '')}")
        parts.append(_use(shape, lanes.pct(moment), EVENT_Y, color, tip, "ev"))
    pill = STATUS_COLORS.get(status, UNKNOWN_COLOR)
    ink = " dark" if status in DARK_TEXT_STATUSES else ""
    head = (
        f'<div class="tl-head"><span class="tl-id mono">{esc(account_id)}</span><span class="tl-profile">{esc(profile)}</span>'
        f'<span class="tl-phone mono">{esc(mask_phone(phone) if phone else "")}</span>'
        f'<span class="pill{ink}" style="background:{pill}">{esc(status)}</span></div>'
    )
    lane = (
        f'<svg class="tl-lane" width="100%" height="{LANE_H}" role="img" aria-label="{esc("timeline of " + account_id)}">'
        + "".join(parts)
        + "</svg>"
    )
    return (
        f'<li class="tl-row" data-id="{esc(account_id.lower())}" data-profile="{esc(profile)}" data-status="{esc(status)}">'
        f"{head}{lane}</li>"
    )


def _use(shape: str, pct: float, y: float, color: str, tip: str, prefix: str, shift: float = 0) -> str:
    return use_marker(shape, _x(pct), y, color, tip, prefix, shift)
