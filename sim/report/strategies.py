"""The strategies: the figures a collections manager reads, per policy and arm (escalation.domain.figures), as one table.

One column per group ("policy/arm"), one row per figure, over the run's first to last day (Run.dates). A ratio with
nothing to divide by is "–" with a title that says so; costs are in USD at the rates of infra/collection-rates.json
and the SMS prices of infra/prices.json. A book the figures cannot read gives a note, never a broken page.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from escalation.domain.figures import BUCKETS, CURE_DAYS, compute_figures

from .data import Run, decimal
from .style import ACTIONS
from .svg import empty
from .text import esc, mask_text

Figures = Mapping[str, Any]
Cell = tuple[str, str, str]  # (value, detail after it, title: why there is no value)
Row = tuple[str, Callable[[Figures], Cell]]
DASH = "–"
CONTACT_LABELS = {
    "sms": "SMS sent",
    "call": "Agent calls queued",
    "visit": "Field visits queued",
    "legal_review": "Legal reviews requested",
    "legal_referral": "Legal referrals (approved)",
}
COSTS = (("sms", "SMS"), ("agent", "Agent time (calls)"), ("field", "Field time (visits)"), ("aws", "AWS (account-days)"))


def strategies_section(run: Run) -> str:
    head = '<section><h2 id="strategies">Strategies</h2>'
    if not run.dates:
        return head + empty("No days in this folder: the figures need the run's first and last day.") + "</section>"
    first, last = run.dates[0], run.dates[-1]
    try:
        groups = compute_figures(run.contacts, run.events, run.accounts, first, last)
    except Exception as exc:  # noqa: BLE001 - the report is a view: a book it cannot read gives a note, not a broken page
        return head + empty(f"The figures could not be computed ({type(exc).__name__}: {mask_text(exc)}).") + "</section>"
    if not groups:
        return head + empty("No accounts in accounts.json: no figures.") + "</section>"
    lead = (
        "How to read this: the figures a collections manager reads every day, one column per strategy (the policy an account "
        "was enrolled on / its experiment arm, “-” outside one), over the run from "
        f"{first.isoformat()} to {last.isoformat()}. Brackets give a rate's numerator/denominator, or a cure rate's cohort: "
        "the accounts whose 30, 60 or 90 days of delinquency all lie in the run. “–” means no denominator (hover for why). "
        "Costs are in USD at the rates of infra/collection-rates.json and the SMS prices of infra/prices.json. "
        "Definitions: docs/DOMAIN.md, “Figures”."
    )
    return (
        head
        + f'<p class="how">{esc(lead)}</p>'
        + strategies_table(groups, f"Figures per strategy (policy/arm), {first} to {last}")
        + "</section>"
    )


def strategies_table(groups: Mapping[str, Figures], caption: str) -> str:
    """One column per group, one row per figure, in parts (a row group each) with their own header."""
    columns = list(groups.values())
    head = "".join(f'<th scope="col" class="num">{esc(name)}</th>' for name in groups)
    bodies = []
    for part, rows in _parts(columns):
        cells = "".join(f'<tr><th scope="row">{esc(label)}</th>{"".join(_td(cell(g)) for g in columns)}</tr>' for label, cell in rows)
        bodies.append(f'<tbody><tr class="part"><th scope="rowgroup" colspan="{len(columns) + 1}">{esc(part)}</th></tr>{cells}</tbody>')
    return (
        f'<div class="scroll"><table class="small figures"><caption>{esc(caption)}</caption>'
        f'<thead><tr><th scope="col">Figure</th>{head}</tr></thead>{"".join(bodies)}</table></div>'
    )


def _td(cell: Cell) -> str:
    value, detail, title = cell
    tip = f' title="{esc(title)}"' if title else ""
    more = f' <span class="of">{esc(detail)}</span>' if detail else ""
    return f'<td class="num"{tip}>{esc(value)}{more}</td>'


def _parts(columns: list[Figures]) -> list[tuple[str, list[Row]]]:
    currencies = sorted({c for g in columns for c in g.get("recovered", {})})
    return [
        ("Book", [("Accounts", lambda g: _count(g["accounts"])), ("Paid in full", _paid)]),
        (
            "Contacts",
            [(CONTACT_LABELS[a], lambda g, a=a: _count(g["contacts"].get(a, 0))) for a in ACTIONS] + [("SMS parts", _sms_parts)],
        ),
        (
            "Conversations and promises",
            [
                ("Right-party contact rate", lambda g: _rate(g, "right_party_contact_rate", "phone_conversations", "dial_attempts")),
                ("Promise-to-pay rate", lambda g: _rate(g, "promise_to_pay_rate", "promises", "conversations")),
                ("Promises kept", lambda g: _kept(g, "promise_kept_rate", "promises_kept", "promises_broken", "promises")),
                ("Payment plans kept", lambda g: _kept(g, "plan_kept_rate", "plans_kept", "plans_broken", "payment plans")),
            ],
        ),
        (
            "Cure and roll",
            [(f"Cure rate within {n} days", lambda g, n=n: _cure(g, n)) for n in CURE_DAYS]
            + [(f"Roll rate {_bucket(i)} → {_bucket(i + 1)} days past due", lambda g, i=i: _roll(g, i)) for i in range(len(BUCKETS))],
        ),
        ("Recovered", [(f"Recovered, {c}", lambda g, c=c: _recovered(g, c)) for c in currencies]),
        (
            "Cost (USD)",
            [(label, lambda g, key=key: _usd(g, key)) for key, label in COSTS]
            + [("Total", lambda g: _usd(g, "total"))]
            + [(f"Cost per {c} recovered (USD)", lambda g, c=c: _per_unit(g, c)) for c in currencies],
        ),
    ]


# ---------------------------------------------------------------------- cells
def _count(value: Any) -> Cell:
    return f"{int(value):,}", "", ""


def _pct(rate: float) -> str:
    return f"{100 * rate:.0f}%"


def _rate(g: Figures, name: str, numerator: str, denominator: str) -> Cell:
    words = denominator.replace("_", " ")
    if g.get(name) is None:
        return DASH, "", f"no denominator: no {words}"
    return _pct(g[name]), f"({g[numerator]:,}/{g[denominator]:,})", ""


def _kept(g: Figures, name: str, kept: str, broken: str, what: str) -> Cell:
    if g.get(name) is None:
        return DASH, "", f"no denominator: no {what} kept or broken"
    return _pct(g[name]), f"({g[kept]:,}/{g[kept] + g[broken]:,})", ""


def _paid(g: Figures) -> Cell:
    if g.get("paid_share") is None:
        return DASH, "", "no denominator: no accounts"
    return _pct(g["paid_share"]), f"({g['paid_accounts']:,}/{g['accounts']:,})", ""


def _sms_parts(g: Figures) -> Cell:
    as_us = int(g.get("sms_parts_priced_as_us") or 0)
    if not as_us:
        return _count(g["sms_parts"])
    why = f"{as_us:,} parts went to countries without a price of their own in infra/prices.json: priced at the US one"
    return f"{g['sms_parts']:,}", f"({as_us:,} at the US price)", why


def _cure(g: Figures, days: int) -> Cell:
    cohort = int(g.get("cure_cohorts", {}).get(str(days), 0))
    rate = g.get(f"cure_rate_{days}")
    if rate is None:
        undated = int(g.get("undated_accounts") or 0)
        why = f"; {undated:,} without a due date" if undated else ""
        return DASH, "", f"no denominator: no account was {days} days into delinquency inside the run (cohort 0{why})"
    return _pct(rate), f"(cohort {cohort:,})", ""


def _bucket(i: int) -> str:
    if i < len(BUCKETS):
        return f"{BUCKETS[i][0]}–{BUCKETS[i][1]}"
    return f"{BUCKETS[-1][1] + 1}+"


def _roll(g: Figures, i: int) -> Cell:
    low, high = BUCKETS[i]
    roll = g.get("roll_rates", {}).get(f"{low}-{high}") or {}
    if roll.get("rate") is None:
        return DASH, "", f"no denominator: no account seen unpaid in {_bucket(i)} days past due until {_bucket(i + 1)} began"
    return _pct(roll["rate"]), f"({roll['rolled']:,}/{roll['observed']:,})", ""


def _recovered(g: Figures, currency: str) -> Cell:
    amount = g.get("recovered", {}).get(currency)
    if amount is None:
        return DASH, "", f"no account in {currency} in this group"
    return f"{decimal(amount):,.2f}", "", ""


def _usd(g: Figures, part: str) -> Cell:
    return f"{decimal(g.get('cost_usd', {}).get(part, 0)):,.2f}", "", ""


def _per_unit(g: Figures, currency: str) -> Cell:
    per_unit = g.get("cost_per_unit_recovered", {})
    if currency not in per_unit:
        return DASH, "", f"no account in {currency} in this group"
    if per_unit[currency] is None:
        return DASH, "", f"no denominator: nothing recovered in {currency}"
    return f"{decimal(per_unit[currency]):,.4f}", "", ""
