"""The headline: cards with the run's totals, the amounts recovered, and contacts by action."""

from __future__ import annotations

from collections import Counter

from .data import Run, decimal
from .style import ACTION_COLORS, ACTION_LABELS, ACTIONS, PLURALS
from .svg import date_label
from .text import esc


def summary_section(run: Run) -> str:
    s = run.summary
    accounts = int(s.get("accounts") or len(run.accounts))
    contacts = s.get("contacts") if isinstance(s.get("contacts"), dict) else Counter(c.get("action") for c in run.contacts)
    paid = int(s.get("paid") or sum(1 for a in run.accounts if a.get("status") == "paid"))
    total = sum(int(contacts.get(a, 0)) for a in ACTIONS)
    span = f"{date_label(run.dates[0])} – {date_label(run.dates[-1])}, {run.dates[-1].year}" if run.dates else ""
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
        owed = last.get("owed") if isinstance(last.get("owed"), dict) else {}
        for currency, got in sorted((last.get("recovered") or {}).items()):
            base = decimal(got) + decimal(owed.get(currency, "0"))
            pct = f" ({100 * decimal(got) / base:.0f}%)" if base > 0 else ""
            recovered.append(f"{currency} {decimal(got):,.2f}{pct}")
    errors = s.get("handler_errors") or []
    if errors:
        cards.append(("Handler errors", f"{len(errors):,}", "see summary.json"))
    html = "".join(
        f'<div class="card{" bad" if title == "Handler errors" else ""}"><div class="card-title">{esc(title)}</div>'
        f'<div class="card-value">{esc(value)}</div><div class="card-note">{esc(note)}</div></div>'
        for title, value, note in cards
    )
    if recovered:
        lines = "".join(f"<div>{esc(line)}</div>" for line in recovered)
        html += (
            '<div class="card wide"><div class="card-title">Recovered</div>'
            f'<div class="card-lines">{lines}</div><div class="card-note">(share of what was owed at enrolment)</div></div>'
        )
    reached = {a: len({c.get("account_id") for c in run.contacts if c.get("action") == a}) for a in ACTIONS}
    rows = "".join(
        f'<tr><td><i class="box" style="background:{ACTION_COLORS[a]}"></i>{esc(ACTION_LABELS[a])}</td>'
        f'<td class="num">{int(contacts.get(a, 0)):,}</td><td class="num">{reached[a]:,}</td></tr>'
        for a in ACTIONS
    )
    table = (
        '<div class="scroll"><table class="small"><thead><tr><th>Action</th><th class="num">Contacts</th>'
        f'<th class="num">Borrowers reached</th></tr></thead><tbody>{rows}</tbody></table></div>'
    )
    return f'<section><h2 id="summary">Summary</h2><div class="cards">{html}</div>{table}</section>'
