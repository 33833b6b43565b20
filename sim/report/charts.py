"""The charts over time: contacts per day, the book by status and by stage, the recovery curve."""

from __future__ import annotations

from .data import Run, decimal
from .series import contacts_per_day, recovery_lines, stage_series, status_series
from .style import ACTION_COLORS, ACTION_LABELS, ACTIONS, PALETTE, STAGE_COLORS, STAGE_LABELS, STATUS_COLORS, STATUS_LABELS, UNKNOWN_COLOR
from .svg import Frame, axes, chart_svg, empty, legend, responsive, spread, stacked_bars
from .text import esc

NO_DAYS = "No per-day snapshot (days.jsonl) in this folder: rerun the scenario to get this chart."


def contacts_section(run: Run) -> str:
    series = contacts_per_day(run)
    if not run.contacts:
        chart = empty("No contacts were made.")
    else:
        chart = responsive(lambda w: stacked_bars(run.dates, series, ACTION_COLORS, ACTION_LABELS, "contacts that day", w))
    return (
        '<section><h2 id="contacts">Contacts per day, by action</h2>'
        + legend((ACTION_LABELS[a], ACTION_COLORS[a]) for a in ACTIONS)
        + chart
        + '<p class="how">How to read this: each bar is one day (UTC date of the contact); its height is how many contacts the '
        "system made that day, split by kind. Calls and visits count when they are queued for agents. Tall early bars are the "
        "reminders to the overdue part of the book; the bars shrink as borrowers pay or promise.</p></section>"
    )


def book_section(run: Run) -> str:
    head = '<section><h2 id="book">Accounts by status and stage over time</h2>'
    if not run.days:
        return head + empty(NO_DAYS) + "</section>"
    status = status_series(run)
    stage = stage_series(run)
    status_colors = STATUS_COLORS | {k: UNKNOWN_COLOR for k in status if k not in STATUS_COLORS}
    stage_colors = STAGE_COLORS | {k: UNKNOWN_COLOR for k in stage if k not in STAGE_COLORS}
    return (
        head
        + "<h3>By status</h3>"
        + legend((STATUS_LABELS.get(k, k), status_colors[k]) for k in status)
        + responsive(lambda w: stacked_bars(run.dates, status, status_colors, STATUS_LABELS, "accounts", w))
        + '<p class="how">How to read this: the whole book at the end of each simulated day. Blue is still being escalated; '
        "green has paid in full; yellow promised to pay by a date (contact pauses until then); brown is on hold (dispute, "
        "cease-contact, hardship…: no contact); purple was referred to the legal partner after a person approved it.</p>"
        + "<h3>By ladder stage</h3>"
        + legend((STAGE_LABELS.get(k, k), stage_colors[k]) for k in stage)
        + responsive(lambda w: stacked_bars(run.dates, stage, stage_colors, STAGE_LABELS, "accounts", w))
        + '<p class="how">How to read this: where each account stands on the ladder at the end of each day — the stage of the '
        "last step the system took for it (new accounts start at pre-due) — and, in green, the accounts paid in full, which "
        "have left the ladder (the same green as above). Pre-due: a reminder before the due date; early: the first "
        "overdue days (an SMS, a first call); follow-up: weekly SMS and calls every 3 days from D+7; field visit: the borrower "
        "could not be reached by phone (the follow-ups go on afterwards); legal: a legal review was requested (from D+60).</p></section>"
    )


def line_name(key: str) -> str:
    return "Borrowers paid in full" if key == "paid" else f"Amount recovered, {key}"


def end_label(key: str, value: float) -> str:
    """What the end of a recovery line says: whose share it is, and how much."""
    return f"{'borrowers' if key == 'paid' else key} {value:.0f}%"


LABEL_GAP = 17  # units between the centres of two end labels (13-14 px text)


def recovery_chart(run: Run, lines: dict[str, list[tuple[int, float]]], colors: dict[str, str], width: int) -> str:
    # Room on the right for the end labels (bold text, about 8 units a character at 14 px).
    longest = max((len(end_label(key, 100)) for key in lines), default=0)
    f = Frame(len(run.dates), 100, width=width, right=int(longest * 8) + 18)
    parts = [axes(f, run.dates, "% of the book", 20, lambda v: f"{v:.0f}%")]
    ends = []
    for key, points in lines.items():
        dash = "" if key == "paid" else ' stroke-dasharray="7 4"'
        path = " ".join(f"{'M' if k == 0 else 'L'}{f.x(i + 0.5):.1f},{f.y(v):.1f}" for k, (i, v) in enumerate(points))
        title = f"<title>{esc(line_name(key))}</title>"
        parts.append(f'<path d="{path}" fill="none" stroke="{colors[key]}" stroke-width="2.5"{dash}>{title}</path>')
        if points:
            i, v = points[-1]
            parts.append(f'<circle cx="{f.x(i + 0.5):.1f}" cy="{f.y(v):.1f}" r="4" fill="{colors[key]}"/>')
            ends.append((key, f.x(i + 0.5), f.y(v), v))
    # The end values, right of the plot, spread so that none overlaps another; a leader line when one had to move.
    centres = spread([y for _, _, y, _ in ends], LABEL_GAP, f.top, f.top + f.plot_h)
    x = f.left + f.plot_w + 12
    for (key, x0, y0, v), y in zip(ends, centres, strict=True):
        if abs(y - y0) > 3:
            parts.append(f'<path d="M{x0 + 5:.1f},{y0:.1f}L{x - 3:.1f},{y:.1f}" stroke="{colors[key]}" stroke-width="1" fill="none"/>')
        parts.append(
            f'<text x="{x:.1f}" y="{y + 4.5:.1f}" class="end-label" data-line="{esc(key)}" fill="{colors[key]}">'
            f"{esc(end_label(key, v))}</text>"
        )
    return chart_svg(f.width, f.height, "".join(parts), "recovery curve")


def recovery_section(run: Run) -> str:
    head = '<section><h2 id="recovery">Recovery curve</h2>'
    if not run.days:
        return head + empty(NO_DAYS) + "</section>"
    lines = recovery_lines(run)
    colors = {key: PALETTE[n % len(PALETTE)] for n, key in enumerate(lines)}
    keys = "".join(
        f'<span class="key"><i class="line{"" if k == "paid" else " dashed"}" style="border-color:{colors[k]}"></i>'
        f"{esc(line_name(k))}</span>"
        for k in lines
    )
    last = run.days[-1]
    owed = last.get("owed") if isinstance(last.get("owed"), dict) else {}
    recovered = last.get("recovered") if isinstance(last.get("recovered"), dict) else {}
    cells = "".join(
        f'<tr><td>{esc(c)}</td><td class="num">{decimal(got) + decimal(owed.get(c, "0")):,.2f}</td>'
        f'<td class="num">{decimal(got):,.2f}</td><td class="num">{decimal(owed.get(c, "0")):,.2f}</td></tr>'
        for c, got in sorted(recovered.items())
    )
    amounts = (
        '<div class="scroll"><table class="small"><thead><tr><th>Currency</th><th class="num">Owed at enrolment</th>'
        f'<th class="num">Recovered</th><th class="num">Still owed</th></tr></thead><tbody>{cells}</tbody></table></div>'
        if cells
        else ""
    )
    return (
        head
        + f'<div class="legend">{keys}</div>'
        + responsive(lambda w: recovery_chart(run, lines, colors, w))
        + '<p class="how">How to read this: the solid line is the share of borrowers who have paid in full by the end of each day; '
        "the dashed lines are the share of the money owed at enrolment (balance + fees) that has come in, per currency "
        "(partial payments count); each line ends with its name and its last value. A curve that flattens means the remaining "
        "borrowers are the hard cases.</p>" + amounts + "</section>"
    )
