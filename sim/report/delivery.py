"""The delivery: how many texts reached the borrower's phone, per profile and per local day, and why the others failed.

Every text in contacts.jsonl carries `parts` (the message parts billed) and `delivery`, as the carrier's receipts said
by the end of the run: delivered, failed (with `delivery_reason`, the carrier's words), pending (no receipt yet) or
unknown (none within 72 hours). The delivery rate is delivered / (delivered + failed + unknown): a pending text has
not been decided yet, so it is left out; "–" with a title when nothing is left. A day is the borrower's local day (the
first 10 characters of `local_time`). A long book (more than LONG rows) gets a small chart of the daily rate per
profile, and the table folded under it. Outputs written before the receipts (no text has `delivery`) get a note.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta

from .data import Run, day, number
from .style import ACTION_COLORS, UNKNOWN_COLOR
from .svg import Frame, axes, chart_svg, empty, responsive
from .text import esc, mask_text

STATES = ("delivered", "failed", "pending", "unknown")
DASH = "–"
NO_RECEIPT = "no receipt yet"
NO_REASON = "(no reason given)"
LONG = 40  # rows of the table (local day × profile) above which the daily rates are drawn and the table folded
TOP_REASONS = 5
BAR_COLOR = ACTION_COLORS["sms"]


@dataclass
class Tally:
    texts: int = 0
    parts: int = 0
    states: Counter[str] = field(default_factory=Counter)

    def add(self, text: dict) -> None:
        self.texts += 1
        self.parts += int(number(text.get("parts")))
        self.states[str(text.get("delivery"))] += 1

    def __iadd__(self, other: Tally) -> Tally:
        self.texts += other.texts
        self.parts += other.parts
        self.states.update(other.states)
        return self

    @property
    def decided(self) -> int:
        """The rate's denominator: every text but the pending ones."""
        return self.states["delivered"] + self.states["failed"] + self.states["unknown"]

    @property
    def rate(self) -> float | None:
        return self.states["delivered"] / self.decided if self.decided else None


def local_day(text: dict) -> str:
    """The borrower's local day of a text (its local_time's date), else the UTC day it was sent, else "?"."""
    local = str(text.get("local_time") or "")[:10]
    try:
        return date.fromisoformat(local).isoformat()
    except ValueError:
        sent = day(text.get("at"))
        return sent.isoformat() if sent else "?"


def tallies(texts: list[dict]) -> dict[str, dict[str, Tally]]:
    """Profile -> local day -> its texts' tally, both sorted."""
    out: dict[str, dict[str, Tally]] = {}
    for text in texts:
        out.setdefault(str(text.get("profile") or "?"), {}).setdefault(local_day(text), Tally()).add(text)
    return {p: dict(sorted(days.items())) for p, days in sorted(out.items())}


def reasons(texts: list[dict]) -> Counter[str]:
    """The failed texts, counted by the carrier's reason (phone-like runs masked)."""
    return Counter(mask_text(str(t.get("delivery_reason") or "").strip() or NO_REASON) for t in texts if t.get("delivery") == "failed")


def delivery_section(run: Run) -> str:
    head = '<section><h2 id="delivery">Delivery</h2>'
    texts = [c for c in run.contacts if c.get("action") == "sms"]
    if not texts:
        return head + empty("No texts were sent: no delivery to show.") + "</section>"
    if not any("delivery" in t for t in texts):
        note = "The texts in contacts.jsonl carry no delivery status (written before delivery receipts were recorded): rerun the scenario."
        return head + empty(note) + "</section>"
    book = tallies(texts)
    rows = sum(len(days) for days in book.values())
    lead = (
        "How to read this: every text sent, by the borrower's profile and local day, and what the carrier's receipts said "
        "by the end of the run. Delivered: the phone got it; failed: the carrier refused it (its reasons are below); pending: "
        "no receipt yet; unknown: no receipt within 72 hours. The delivery rate is delivered / (delivered + failed + unknown): "
        "pending texts are left out until their receipt comes, unknown ones count as not delivered. “–” means every text "
        "of that day is still pending. Parts are the message parts billed (a long or non-Latin text takes several)."
    )
    table = delivery_table(book, "Texts and their delivery, per profile and local day")
    if rows > LONG:
        body = (
            charts(book)
            + f"<details><summary>{esc(f'The table: a row per profile and local day ({rows:,}), and each profile’s total')}</summary>"
            + f"{table}</details>"
        )
    else:
        body = table
    unstated = sum(t.states[s] for days in book.values() for t in days.values() for s in t.states if s not in STATES)
    odd = f"{unstated:,} {_plural(unstated, 'text')} without a delivery status (or an odd one): counted in Texts and Parts only."
    gap = empty(odd) if unstated else ""
    return head + f'<p class="how">{esc(lead)}</p>' + body + gap + reasons_list(reasons(texts)) + "</section>"


def delivery_table(book: dict[str, dict[str, Tally]], caption: str) -> str:
    """A row group per profile: a row per local day with texts, then the profile's total."""
    head = '<th scope="col">Local day</th><th scope="col">Profile</th>' + "".join(
        f'<th scope="col" class="num">{esc(label)}</th>' for label in ("Texts", "Parts", *(s.capitalize() for s in STATES), "Delivery rate")
    )
    bodies = []
    for profile, days in book.items():
        total = Tally()
        lines = []
        for when, tally in days.items():
            total += tally
            lines.append(_row(when, profile, tally, ""))
        lines.append(_row("All days", profile, total, ' class="total"'))
        bodies.append(f"<tbody>{''.join(lines)}</tbody>")
    return (
        f'<div class="scroll"><table class="small figures delivery"><caption>{esc(caption)}</caption>'
        f"<thead><tr>{head}</tr></thead>{''.join(bodies)}</table></div>"
    )


def _row(label: str, profile: str, t: Tally, attrs: str) -> str:
    counts = "".join(f'<td class="num">{n:,}</td>' for n in (t.texts, t.parts, *(t.states[s] for s in STATES)))
    return f'<tr{attrs}><th scope="row">{esc(label)}</th><td>{esc(profile)}</td>{counts}{_rate_td(t)}</tr>'


def _rate_td(t: Tally) -> str:
    if t.rate is None:
        return f'<td class="num" title="{esc(NO_RECEIPT)}">{DASH}</td>'
    return f'<td class="num">{esc(_pct(t.rate))} <span class="of">({t.states["delivered"]:,}/{t.decided:,})</span></td>'


def _plural(n: int, word: str) -> str:
    return word if n == 1 else f"{word}s"


def _pct(rate: float) -> str:
    return f"{100 * rate:.1f}%"


def reasons_list(counts: Counter[str]) -> str:
    if not counts:
        return '<p class="how">No carrier reported a failure.</p>'
    top = counts.most_common(TOP_REASONS)
    items = "".join(f'<li>{esc(reason)} <span class="of">({n:,} {_plural(n, "text")})</span></li>' for reason, n in top)
    rest = len(counts) - len(top)
    others = sum(counts.values()) - sum(n for _, n in top)
    more = f'<p class="how">And {rest:,} other {_plural(rest, "reason")} ({others:,} {_plural(others, "text")}).</p>' if rest > 0 else ""
    title = "Why texts failed (the carrier's words, most frequent first)" + (f", top {TOP_REASONS}" if rest > 0 else "")
    return f'<h3 id="delivery-failures">{esc(title)}</h3><ol class="reasons" aria-labelledby="delivery-failures">{items}</ol>{more}'


# ---------------------------------------------------------------------- the long book: a daily rate chart per profile
def charts(book: dict[str, dict[str, Tally]]) -> str:
    """One small bar chart per profile, on the same days (the first to the last local day with texts)."""
    seen = sorted({date.fromisoformat(d) for days in book.values() for d in days if d != "?"})
    if not seen:
        return ""
    dates = [seen[0] + timedelta(days=i) for i in range((seen[-1] - seen[0]).days + 1)]
    out = []
    for profile, days in book.items():
        total = Tally()
        for tally in days.values():
            total += tally
        overall = (
            f"{_pct(total.rate)} delivered ({total.states['delivered']:,}/{total.decided:,})" if total.rate is not None else NO_RECEIPT
        )
        out.append(
            f"<h3>{esc(profile)}: {esc(overall)} over {len(days):,} days with texts</h3>"
            + responsive(lambda w, profile=profile, days=days: rate_chart(dates, days, profile, w))
        )
    how = (
        "Each bar is one local day: the share of its decided texts (delivered, failed, unknown) that were delivered; "
        "hover a bar for its numbers. A grey stub: texts sent, no receipt yet. No bar: no text that day."
    )
    return "".join(out) + f'<p class="how">{esc(how)}</p>'


def rate_chart(dates: list[date], days: dict[str, Tally], profile: str, width: int) -> str:
    f = Frame(len(dates), 100, width=width, height=190)
    parts = [axes(f, dates, "delivered", 25, lambda v: f"{v:.0f}%")]
    slot = f.plot_w / max(len(dates), 1)
    bar = max(slot * 0.78, 1)
    for i, d in enumerate(dates):
        t = days.get(d.isoformat())
        if t is None:
            continue
        x = f.x(i) + (slot - bar) / 2
        if t.rate is None:
            tip = f"{d.isoformat()}: {NO_RECEIPT} ({t.texts:,} pending)"
            y, color = f.y(0) - 3, UNKNOWN_COLOR
        else:
            tip = f"{d.isoformat()}: {_pct(t.rate)} delivered ({t.states['delivered']:,}/{t.decided:,}; {t.states['pending']:,} pending)"
            y, color = min(f.y(100 * t.rate), f.y(0) - 2), BAR_COLOR
        parts.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{f.y(0) - y:.1f}" fill="{color}"><title>{esc(tip)}</title></rect>'
        )
    return chart_svg(f.width, f.height, "".join(parts), f"daily delivery rate, {profile}")
