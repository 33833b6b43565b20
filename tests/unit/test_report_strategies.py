"""report.html's Strategies section: the figures per policy and arm (escalation.domain.figures) as one table, from a tiny
hand-written export; a column per group, a row per figure, "–" with a title where a rate has no denominator."""

import json
import re
from html import unescape
from pathlib import Path

from sim.report import write_report

CHAMPION = {"policy": "ladder-a", "arm": "champion", "experiment": "exp-1"}
CHALLENGER = {"policy": "ladder-a", "arm": "challenger", "experiment": "exp-1"}
NASTY = {"policy": 'x<script>&"y"', "arm": "-", "experiment": None}


def account(account_id: str, currency: str, status: str, due_date: str | None, group: dict) -> dict:
    """An accounts.json record, as sim/scenarios/export.py's account_json writes it (the fields the figures read)."""
    return {
        "account_id": account_id,
        "status": status,
        "stage": "early",
        "balance": "0.00",
        "fees": "0.00",
        "currency": currency,
        "profile": "US",
        "due_date": due_date,
        "timezone": "America/New_York",
        "kept_promises": 0,
        "broken_promises": 0,
        "kept_plans": 0,
        "broken_plans": 0,
        **group,
    }


def contact(account_id: str, action: str, at: str, group: dict, **more) -> dict:
    """A contacts.jsonl record, as contact_json writes it."""
    policy = {"policy": group["policy"], "policy_version": f"{group['policy']}@abc", "arm": group["arm"]}
    return {"account_id": account_id, "action": action, "stage": "early", "at": at, "local_time": at, **policy, **more}


def event(account_id: str, kind: str, at: str, effect: str | None = None, note: str = "applied") -> dict:
    """An events.jsonl record, as Replay writes it."""
    return {"at": at, "account_id": account_id, "type": kind, "note": note} | ({"effect": effect} if effect else {})


def write_book(out: Path, accounts: list[dict], contacts: list[dict], events: list[dict], days: int = 40) -> Path:
    """The run: 1 Mar 2026 for `days` days (summary.json's days from the first run's date)."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "summary.json").write_text(json.dumps({"name": "strategies", "days": days, "accounts": len(accounts)}), encoding="utf-8")
    (out / "runs.jsonl").write_text(json.dumps({"run_id": "r-1", "as_of": "2026-03-01T14:00:00Z"}) + "\n", encoding="utf-8")
    (out / "accounts.json").write_text(json.dumps(accounts), encoding="utf-8")
    (out / "contacts.jsonl").write_text("".join(json.dumps(c) + "\n" for c in contacts), encoding="utf-8")
    (out / "events.jsonl").write_text("".join(json.dumps(e) + "\n" for e in events), encoding="utf-8")
    return out


# A1, A2 (champion) and B1 (challenger) are due 28 Feb: they enter delinquency on 1 Mar, the run's first day, and their
# first 30 days (to 30 Mar) lie inside the run (to 9 Apr). A1 pays in full on 10 Mar; A2 never; B1 pays part of it.
# N1's policy name is HTML; it has no due date, so it is in no cure cohort.
ACCOUNTS = [
    account("A1", "USD", "paid", "2026-02-28", CHAMPION),
    account("A2", "USD", "active", "2026-02-28", CHAMPION),
    account("B1", "CNY", "active", "2026-02-28", CHALLENGER),
    account("N1", "USD", "active", None, NASTY),
]
CONTACTS = [
    contact("A1", "sms", "2026-03-02T14:00:00Z", CHAMPION, to="+12025550101", text="Your payment is overdue."),
    contact("A1", "call", "2026-03-03T14:00:00Z", CHAMPION, to="+12025550101"),
    contact("A2", "call", "2026-03-03T14:00:00Z", CHAMPION, to="+12025550102"),
    contact("B1", "sms", "2026-03-02T14:00:00Z", CHALLENGER, to="+12025550103", text="Your payment is overdue."),
]
EVENTS = [
    event("A1", "call_outcome", "2026-03-03T15:00:00+00:00", "call reached the borrower"),
    event("A2", "call_outcome", "2026-03-03T15:00:00+00:00", "call: no_answer"),
    event("A1", "payment", "2026-03-10T15:00:00+00:00", "paid in full (120.00)"),
    event("B1", "payment", "2026-03-12T15:00:00+00:00", "partial payment 1234.50"),
    event("B1", "payment", "2026-03-13T15:00:00+00:00", "partial payment 99.00", note="rejected: duplicate"),  # not counted
]


def strategies(html: str) -> str:
    found = re.search(r'<section><h2 id="strategies">Strategies</h2>.*?</section>', html, re.DOTALL)
    assert found, "no Strategies section"
    return found.group(0)


def columns(section: str) -> list[str]:
    head = re.search(r"<thead>(.*?)</thead>", section, re.DOTALL).group(1)
    return [unescape(name) for name in re.findall(r'<th scope="col" class="num">(.*?)</th>', head)]


def rows(section: str) -> dict[str, list[str]]:
    """Each figure's row: its label -> the text of its cells, one per group."""
    out = {}
    for label, cells in re.findall(r'<tr><th scope="row">(.*?)</th>(.*?)</tr>', section, re.DOTALL):
        out[unescape(label)] = [unescape(re.sub(r"<[^>]+>", "", cell)) for cell in re.findall(r"<td[^>]*>(.*?)</td>", cells)]
    return out


def test_the_section_has_a_column_per_group_and_a_row_per_figure(tmp_path):
    html = write_report(write_book(tmp_path / "out", ACCOUNTS, CONTACTS, EVENTS)).read_text(encoding="utf-8")
    assert '<a href="#strategies">Strategies</a>' in html
    section = strategies(html)
    assert columns(section) == ["ladder-a/challenger", "ladder-a/champion", 'x<script>&"y"/-']  # sorted, as compute_figures
    assert "<caption>Figures per strategy (policy/arm), 2026-03-01 to 2026-04-09</caption>" in section
    assert '<th scope="rowgroup" colspan="4">Cure and roll</th>' in section
    assert "infra/collection-rates.json" in section and "infra/prices.json" in section
    got = rows(section)
    assert got["Accounts"] == ["1", "2", "1"]
    assert got["SMS sent"] == ["1", "1", "0"]
    assert got["Agent calls queued"] == ["0", "2", "0"]
    assert got["Right-party contact rate"] == ["–", "50% (1/2)", "–"]  # A1 reached, A2 no answer
    assert got["Cure rate within 30 days"] == ["0% (cohort 1)", "50% (cohort 2)", "–"]
    assert got["Cure rate within 60 days"] == ["–", "–", "–"]  # 60 days from 1 Mar end after the run
    assert got["Paid in full"] == ["0% (0/1)", "50% (1/2)", "0% (0/1)"]
    assert got["Recovered, CNY"] == ["1,234.50", "–", "–"]  # the rejected payment is not counted
    assert got["Recovered, USD"] == ["–", "120.00", "0.00"]
    assert set(got) >= {"SMS parts", "Promise-to-pay rate", "Promises kept", "Payment plans kept", "Total", "Cost per USD recovered (USD)"}
    assert "Roll rate 1–30 → 31–60 days past due" in got and "Roll rate 61–90 → 91+ days past due" in got
    assert all(re.fullmatch(r"\d+\.\d\d", cost) for cost in got["Total"])


def test_no_denominator_is_a_dash_that_says_why(tmp_path):
    section = strategies(write_report(write_book(tmp_path / "out", ACCOUNTS, CONTACTS, EVENTS)).read_text(encoding="utf-8"))
    challenger_rpc = re.search(r'<tr><th scope="row">Right-party contact rate</th><td class="num"( title="[^"]*")?>', section)
    assert challenger_rpc.group(1) == ' title="no denominator: no dial attempts"'
    assert 'title="no denominator: nothing recovered in USD"' in section  # N1's group: cost per USD recovered
    assert 'title="no account in CNY in this group"' in section


def test_policy_names_are_escaped(tmp_path):
    html = write_report(write_book(tmp_path / "out", ACCOUNTS, CONTACTS, EVENTS)).read_text(encoding="utf-8")
    assert 'x<script>&"y"' not in html
    assert "<script>&" not in html
    assert '<th scope="col" class="num">x&lt;script&gt;&amp;&quot;y&quot;/-</th>' in strategies(html)


def test_a_single_group_is_still_a_table(tmp_path):
    book = [a for a in ACCOUNTS if a["arm"] == "champion"]
    html = write_report(write_book(tmp_path / "out", book, CONTACTS[:3], EVENTS[:3])).read_text(encoding="utf-8")
    section = strategies(html)
    assert columns(section) == ["ladder-a/champion"]
    assert rows(section)["Cure rate within 30 days"] == ["50% (cohort 2)"]


def test_without_days_or_accounts_the_section_says_so(tmp_path):
    assert "the figures need the run&#x27;s first and last day" in strategies(write_report(tmp_path).read_text(encoding="utf-8"))
    html = write_report(write_book(tmp_path / "out", [], [], [])).read_text(encoding="utf-8")
    assert "No accounts in accounts.json" in strategies(html)


def test_a_book_the_figures_cannot_read_gives_a_note_not_a_broken_page(tmp_path):
    book = [*ACCOUNTS, {"status": "active"}]  # no account_id
    html = write_report(write_book(tmp_path / "out", book, CONTACTS, EVENTS)).read_text(encoding="utf-8")
    assert "The figures could not be computed (KeyError" in strategies(html)
    assert '<h2 id="timelines">' in html  # the rest of the page is drawn
