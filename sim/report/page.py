"""The page: every section in order, the header, the navigation and the stylesheet, in one self-contained HTML file."""

from __future__ import annotations

from .bars import funnel_section, skips_section
from .charts import book_section, contacts_section, recovery_section
from .css import CSS
from .data import Run
from .delivery import delivery_section
from .strategies import strategies_section
from .summary import summary_section
from .svg import marker_defs
from .text import esc, mask_text
from .timelines import timelines_section

NAV = (
    ("summary", "Summary"),
    ("contacts", "Contacts per day"),
    ("book", "Status & stage"),
    ("recovery", "Recovery"),
    ("funnel", "Funnel"),
    ("skips", "Skip reasons"),
    ("strategies", "Strategies"),
    ("delivery", "Delivery"),
    ("timelines", "Timelines"),
)
INTRO = (
    "This page shows what the collections escalation orchestrator did in one simulated run. Every day, at 10:00 local in "
    "five time zones, the system looks at each overdue borrower and decides — inside the borrower's contact window and "
    "the jurisdiction's caps — whether to send a reminder SMS, queue an agent call, queue a field visit, or ask a person "
    "to approve a legal referral. It stops as soon as the borrower pays, promises to pay, disputes or opts out. Everything "
    "below comes from the files next to this page; phone numbers are masked."
)


def render(run: Run) -> str:
    s = run.summary
    name = str(s.get("name") or "scenario run")
    span = f"{run.dates[0].isoformat()} to {run.dates[-1].isoformat()}" if run.dates else "no days"
    sections = [
        summary_section(run),
        contacts_section(run),
        book_section(run),
        recovery_section(run),
        funnel_section(run),
        skips_section(run),
        strategies_section(run),
        delivery_section(run),
        timelines_section(run),
    ]
    nav = "".join(f'<a href="#{anchor}">{esc(label)}</a>' for anchor, label in NAV)
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(mask_text(name))} — collections escalation report</title><style>{CSS}</style></head><body>"
        f"{marker_defs()}<main>"
        f"<h1>Collections escalation: simulation report</h1>"
        f'<div class="sub">{esc(mask_text(name))} · {esc(span)} · {int(s.get("runs") or len(run.runs)):,} daily runs</div>'
        f'<p class="intro">{esc(INTRO)}</p><nav>{nav}</nav>'
        + "".join(sections)
        + "<footer>Generated from summary.json, contacts.jsonl, accounts.json, runs.jsonl, events.jsonl and days.jsonl "
        "(the costs at the rates of infra/collection-rates.json and infra/prices.json) by sim/report/.</footer></main></body></html>\n"
    )


def failure_page(exc: Exception) -> str:
    """What the page says when the files could not be drawn (the run that wrote them goes on)."""
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>No report</title></head><body><h1>No report</h1>'
        f"<p>{esc(type(exc).__name__)}: {esc(mask_text(str(exc)))}</p></body></html>\n"
    )
