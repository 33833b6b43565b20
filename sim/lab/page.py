"""compare.html: the policies of a book side by side — what each sends, what it costs, what it recovers.

Self-contained (inline CSS, no script), readable at phone widths: one table of figures with the best value of
each row marked, and one bar per policy for the figures a manager decides on.
"""

from __future__ import annotations

from decimal import Decimal
from html import escape
from pathlib import Path
from typing import Any

# (figure, label, higher is better, how to show it)
ROWS: tuple[tuple[str, str, bool, str], ...] = (
    ("paid_share", "Paid in full, share of accounts", True, "pct"),
    ("cure_rate_30", "Cured within 30 days", True, "pct"),
    ("cure_rate_60", "Cured within 60 days", True, "pct"),
    ("right_party_contact_rate", "Right-party contact rate", True, "pct"),
    ("promise_to_pay_rate", "Promise-to-pay rate", True, "pct"),
    ("promise_kept_rate", "Promise-kept rate", True, "pct"),
    ("plan_kept_rate", "Plan-kept rate", True, "pct"),
    ("sms_parts", "SMS parts sent", False, "int"),
    ("dial_attempts", "Dial attempts", False, "int"),
    ("visits_made", "Field visits made", False, "int"),
)
CSS = """
body{font:15px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;color:#1f2933;background:#f7f8fa}
main{max-width:1100px;margin:0 auto;padding:20px}
h1{font-size:1.5rem;margin:0 0 4px}h2{font-size:1.15rem;margin:28px 0 8px}
p.lead{color:#52606d;margin:0 0 16px}
.scroll{overflow-x:auto;background:#fff;border:1px solid #e4e7eb;border-radius:8px}
table{border-collapse:collapse;width:100%;min-width:420px}
th,td{padding:8px 12px;text-align:right;border-bottom:1px solid #eef0f3;white-space:nowrap}
th:first-child,td:first-child{text-align:left;white-space:normal}
thead th{background:#f0f4f8;font-weight:600}
td.best{font-weight:700;color:#0b6e4f}
.bars{display:grid;grid-template-columns:repeat(auto-fit,minmax(300px,1fr));gap:16px}
.card{background:#fff;border:1px solid #e4e7eb;border-radius:8px;padding:12px 16px}
.card h3{font-size:1rem;margin:0 0 8px}
.bar{display:grid;grid-template-columns:minmax(80px,30%) 1fr auto;gap:8px;align-items:center;margin:6px 0}
.bar span.track{background:#eef0f3;border-radius:4px;height:14px;position:relative}
.bar span.fill{position:absolute;left:0;top:0;bottom:0;border-radius:4px;background:#3b82c4}
.bar b{font-weight:600;font-variant-numeric:tabular-nums}
footer{color:#7b8794;font-size:.85rem;margin-top:28px}
"""


def write_page(result: dict[str, Any], path: Path) -> None:
    path.write_text(render(result), encoding="utf-8")


def render(result: dict[str, Any]) -> str:
    policies = result["policies"]
    names = list(policies)
    head = "".join(f"<th>{escape(n)}</th>" for n in names)
    rows = [_money_rows(policies, names), *(_row(policies, names, *row) for row in ROWS)]
    contacts = "".join(_contact_row(policies, names, action) for action in next(iter(policies.values()))["contacts"])
    cards = "".join(_card(policies, names, *spec) for spec in _CARDS)
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1"><title>Policy lab: {escape(result["name"])}</title>
<style>{CSS}</style></head><body><main>
<h1>Policy lab: {escape(result["name"])}</h1>
<p class="lead">{result["accounts"]:,} accounts over {result["days"]} days, each policy applied to every account; borrowers answer by
the lab's seeded behaviour model (seed {result["seed"]}: the same borrowers, the same answers to the same contacts).
Best value per row in green.</p>
<h2>What each policy decides on</h2><div class="bars">{cards}</div>
<h2>Figures</h2><div class="scroll"><table><thead><tr><th>figure</th>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table></div>
<h2>Contacts</h2><div class="scroll"><table><thead><tr><th>action</th>{head}</tr></thead><tbody>{contacts}</tbody></table></div>
<footer>Cost: SMS parts at list prices, agent and field time at the rates of infra/collection-rates.json, AWS at the measured cost per
account-day. Rates marked as placeholders are a lender's to replace. The model's numbers are assumptions (sim/lab/behaviour.py):
compare policies with it, calibrate it before trusting absolute figures. Lab speed: {result.get("lab_account_days_per_second") or "-"}
account-days per second.</footer>
</main></body></html>
"""


_CARDS = (
    ("Cost per unit recovered (USD)", "cost_per_unit", False),
    ("Total cost (USD)", "cost_usd", False),
    ("Cured within 30 days", "cure_rate_30", True),
    ("Paid in full", "paid_share", True),
)


def _value(policy: dict[str, Any], key: str) -> float | None:
    if key == "cost_usd":
        return float(policy["cost_usd"])
    if key == "cost_per_unit":
        per = [float(v) for v in (policy["figures"].get("cost_per_unit_recovered") or {}).values() if v is not None]
        return sum(per) / len(per) if per else None
    value = policy.get(key, policy["figures"].get(key))
    return None if value is None else float(value)


def _card(policies: dict[str, Any], names: list[str], title: str, key: str, higher_better: bool) -> str:
    values = {n: _value(policies[n], key) for n in names}
    top = max((v for v in values.values() if v is not None), default=0) or 1
    bars = []
    for n in names:
        v = values[n]
        width = 0 if v is None else max(2, round(100 * v / top))
        shown = (
            "-"
            if v is None
            else (f"{v:.0%}" if key in ("cure_rate_30", "paid_share") else f"{v:,.4f}" if key == "cost_per_unit" else f"{v:,.2f}")
        )
        track = f'<span class="track"><span class="fill" style="width:{width}%"></span></span>'
        bars.append(f'<div class="bar"><span>{escape(n)}</span>{track}<b>{shown}</b></div>')
    sense = "higher is better" if higher_better else "lower is better"
    return f'<div class="card"><h3>{escape(title)} <small>({sense})</small></h3>{"".join(bars)}</div>'


def _row(policies: dict[str, Any], names: list[str], key: str, label: str, higher_better: bool, kind: str) -> str:
    values = {n: policies[n]["figures"].get(key) for n in names}
    known = [v for v in values.values() if v is not None]
    best = (max(known) if higher_better else min(known)) if len(known) > 1 and len(set(known)) > 1 else None
    cells = []
    for n in names:
        v = values[n]
        text = "-" if v is None else f"{v:.1%}" if kind == "pct" else f"{v:,}"
        cells.append(f'<td class="best">{text}</td>' if v is not None and v == best else f"<td>{text}</td>")
    return f"<tr><td>{escape(label)}</td>{''.join(cells)}</tr>"


def _contact_row(policies: dict[str, Any], names: list[str], action: str) -> str:
    cells = "".join(f"<td>{policies[n]['contacts'][action]:,}</td>" for n in names)
    return f"<tr><td>{escape(action.replace('_', ' '))}</td>{cells}</tr>"


def _amount(value: Any) -> str:
    """A decimal string as the table shows amounts: grouped, to the cent."""
    try:
        return f"{Decimal(str(value)):,.2f}"
    except ArithmeticError:
        return escape(str(value))


def _money_rows(policies: dict[str, Any], names: list[str]) -> str:
    currencies = sorted({c for n in names for c in policies[n]["recovered"]})
    rows = []
    for currency in currencies:
        cells = "".join(f"<td>{_amount(policies[n]['recovered'].get(currency, '0'))}</td>" for n in names)
        rows.append(f"<tr><td>Recovered ({escape(currency)})</td>{cells}</tr>")
    cost = "".join(f"<td>{_amount(policies[n]['cost_usd'])}</td>" for n in names)
    rows.append(f"<tr><td>Cost (USD)</td>{cost}</tr>")
    return "".join(rows)
