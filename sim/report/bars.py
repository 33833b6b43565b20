"""Horizontal bar charts: the funnel (how far down the ladder borrowers went) and the skip reasons."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from .data import Run
from .style import ACTION_COLORS, ACTIONS, STATUS_COLORS, WIDE, skip_label
from .svg import chart_svg, empty, legend, responsive
from .text import esc, wrap


@dataclass
class Bar:
    label: str
    value: float
    color: str
    text: str  # written after the bar
    tip: str = ""


def hbars(bars: list[Bar], width: int, label_w: int, aria: str) -> str:
    """Wide: the label left of its bar. Narrower: the label (wrapped) above its bar, the bar across the width."""
    top = max((b.value for b in bars), default=0) or 1
    parts = []
    y = 6.0
    if width >= WIDE:
        row, plot = 32, width - label_w - 150
        for b in bars:
            w = plot * b.value / top
            parts.append(f'<text x="{label_w - 10}" y="{y + 16:.1f}" class="label" text-anchor="end">{esc(b.label)}</text>')
            parts.append(_rect(label_w, y + 2, w, row - 10, b))
            parts.append(f'<text x="{label_w + w + 8:.1f}" y="{y + 16:.1f}" class="value">{esc(b.text)}</text>')
            y += row
    else:
        plot = width - 100
        for b in bars:
            lines = wrap(b.label, max(int(width / 8), 10))  # up to 14 px text on narrow screens (css.py)
            for line in lines:
                parts.append(f'<text x="0" y="{y + 13:.1f}" class="label">{esc(line)}</text>')
                y += 17
            w = plot * b.value / top
            parts.append(_rect(0, y + 2, w, 16, b))
            parts.append(f'<text x="{w + 6:.1f}" y="{y + 15:.1f}" class="value">{esc(b.text)}</text>')
            y += 30
    return chart_svg(width, y + 4, "".join(parts), aria)


def _rect(x: float, y: float, w: float, h: float, b: Bar) -> str:
    title = f"<title>{esc(b.tip)}</title>" if b.tip else ""
    return f'<rect x="{x:g}" y="{y:.1f}" width="{max(w, 1):.1f}" height="{h}" rx="2" fill="{b.color}">{title}</rect>'


def funnel_section(run: Run) -> str:
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
    bars = [Bar(label, n, color, f"{n:,}" + (f" ({100 * n / enrolled:.0f}%)" if enrolled else "")) for label, n, color in steps]
    return (
        '<section><h2 id="funnel">Funnel</h2>'
        + legend([("borrowers who reached each step (share of enrolled)", "#79706E")])
        + responsive(lambda w: hbars(bars, w, 250, "funnel"))
        + '<p class="how">How to read this: how many distinct borrowers got at least one contact of each kind, in the order the '
        "ladder escalates. Each step is narrower because borrowers pay, promise or answer before the next one; a referral "
        "needs a person's approval. The last bar is everyone who paid in full, at whatever step.</p></section>"
    )


def skips_section(run: Run) -> str:
    raw = run.summary.get("skip_reasons")
    reasons: Counter[str] = Counter()
    for k, v in raw.items() if isinstance(raw, dict) else ():
        try:
            if int(v) > 0:
                reasons[str(k)] = int(v)
        except (TypeError, ValueError):
            continue
    if not reasons and run.runs:
        for r in run.runs:
            reasons.update(r.get("skip_reasons") or {})
    head = '<section><h2 id="skips">Why accounts were not contacted</h2>'
    if not reasons:
        return head + empty("No skips were recorded.") + "</section>"
    bars = [
        Bar(skip_label(reason), n, "#BBBBBB" if skip_label(reason).startswith("note:") else "#9D755D", f"{n:,}", reason)
        for reason, n in reasons.most_common()
    ]
    return (
        head
        + legend(
            [("a due step held back by a guardrail or the account's state", "#9D755D"), ("a note the run made (not a skip)", "#BBBBBB")]
        )
        + responsive(lambda w: hbars(bars, w, 470, "skip reasons"))
        + '<p class="how">How to read this: every time a run looked at an account and a step of the ladder was due but not taken, '
        "the reason is counted, summed over all runs (an account held back on ten runs counts ten). These are the guardrails at "
        "work: contact windows, caps, holds, promises and opt-outs.</p></section>"
    )
