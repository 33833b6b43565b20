"""report.html from a hand-written scenario export: self-contained, every section, phones masked, text escaped."""

import json
import re
from pathlib import Path

import pytest

from sim.report import mask_phone, mask_text, write_report

SECTIONS = (
    "Summary",
    "Contacts per day, by action",
    "Accounts by status and stage over time",
    "Recovery curve",
    "Funnel",
    "Why accounts were not contacted",
    "Per-account timelines",
)
PHONE = "+8613800138000"
NASTY_ID = 'A-<b>1</b>&"x"'


def contact(account_id: str, action: str, at: str, **extra) -> dict:
    local = at.replace("Z", "+08:00")
    return {"account_id": account_id, "action": action, "stage": "early", "purpose": "reminder", "at": at, "local_time": local, **extra}


def write_export(out: Path, accounts: int = 2, days: bool = True) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    ids = [NASTY_ID, "B-2", *(f"C-{n:03d}" for n in range(accounts - 2))]
    contacts = [
        contact(NASTY_ID, "sms", "2026-03-02T02:00:00Z", to=PHONE, text=f"<script>alert(1)</script> call us back on {PHONE}"),
        contact(NASTY_ID, "call", "2026-03-02T02:00:00Z", to=PHONE),
        contact("B-2", "sms", "2026-03-02T02:00:00Z", to="+12125550123", text="Your payment is overdue."),
        contact("B-2", "visit", "2026-03-03T02:00:00Z"),
        contact("B-2", "legal_review", "2026-03-03T02:00:00Z"),
        contact("B-2", "legal_referral", "2026-03-03T23:00:00Z", approved_by="reviewer-1"),
    ]
    (out / "contacts.jsonl").write_text("".join(json.dumps(c, ensure_ascii=False) + "\n" for c in contacts), encoding="utf-8")
    statuses = ["paid", "legal", *["active"] * (accounts - 2)]
    rows = [
        {"account_id": i, "status": s, "stage": "early", "balance": "0.00", "fees": "0.00", "currency": "CNY", "profile": "CN"}
        for i, s in zip(ids, statuses, strict=True)
    ]
    (out / "accounts.json").write_text(json.dumps(rows), encoding="utf-8")
    summary = {
        "name": "hand-written <export>",
        "days": 3,
        "accounts": accounts,
        "contacts": {"sms": 2, "call": 1, "visit": 1, "legal_review": 1, "legal_referral": 1},
        "paid": 1,
        "statuses": {"paid": 1, "legal": 1},
        "runs": 3,
        "skip_reasons": {"outside_window": 4, "hold_dispute": 1, "<weird>": 2},
        "handler_errors": [],
    }
    (out / "summary.json").write_text(json.dumps(summary), encoding="utf-8")
    runs = [{"run_id": f"AsiaRun-2026030{d}T0200", "as_of": f"2026-03-0{d}T02:00:00Z", "due": 2, "assessed": 2} for d in (1, 2, 3)]
    (out / "runs.jsonl").write_text("".join(json.dumps(r) + "\n" for r in runs), encoding="utf-8")
    events = [
        {"at": "2026-03-02T06:00:00+00:00", "account_id": NASTY_ID, "type": "payment", "note": "applied"},
        {"at": "2026-03-02T08:00:00+00:00", "account_id": "B-2", "type": "call_outcome", "note": f"rejected: <bad> from {PHONE}"},
        {"at": "2026-03-03T23:00:00+00:00", "account_id": "B-2", "type": "legal_decision", "note": "applied"},
    ]
    (out / "events.jsonl").write_text("".join(json.dumps(e) + "\n" for e in events), encoding="utf-8")
    if days:

        def snapshot(day: str, status: dict, stage: dict, owed: str, recovered: str) -> dict:
            return {
                "date": day,
                "accounts": accounts,
                "status": status,
                "stage": stage,
                "owed": {"CNY": owed},
                "recovered": {"CNY": recovered},
            }

        snapshots = [
            snapshot("2026-03-01", {"active": accounts}, {"pre_due": accounts}, "2000.00", "0.00"),
            snapshot("2026-03-02", {"active": accounts - 1, "paid": 1}, {"early": accounts}, "1000.00", "1000.00"),
            snapshot(
                "2026-03-03", {"active": accounts - 2, "paid": 1, "legal": 1}, {"early": accounts - 1, "legal": 1}, "1000.00", "1000.00"
            ),
        ]
        (out / "days.jsonl").write_text("".join(json.dumps(s) + "\n" for s in snapshots), encoding="utf-8")
    return out


@pytest.fixture
def report(tmp_path) -> str:
    path = write_report(write_export(tmp_path / "out"))
    assert path == tmp_path / "out" / "report.html"
    return path.read_text(encoding="utf-8")


def test_the_report_is_written_with_every_section(report):
    assert report.startswith("<!DOCTYPE html>")
    for heading in SECTIONS:
        assert re.search(rf"<h2[^>]*>{re.escape(heading)}</h2>", report), heading
    assert report.count("<svg") >= 6  # contacts, status, stage, recovery, funnel, skips, timelines (+ legend glyphs)
    assert 'class="how"' in report


def test_the_report_is_self_contained(report):
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", report, re.IGNORECASE)
    assert "<script" not in report.lower()
    assert "<link" not in report.lower()
    assert "@import" not in report
    assert "url(" not in report


def test_phone_numbers_are_masked(report):
    assert PHONE not in report
    assert "+12125550123" not in report
    assert "+86*****00" in report
    assert "+1*****23" in report


def test_text_is_escaped(report):
    assert NASTY_ID not in report
    assert "&lt;b&gt;1&lt;/b&gt;&amp;&quot;x&quot;" in report
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in report
    assert "&lt;bad&gt;" in report
    assert "hand-written &lt;export&gt;" in report
    assert "&lt;weird&gt;" in report


def test_headline_counts_and_recovery(report):
    assert "Paid in full" in report
    assert "CNY 1,000.00 (50%)" in report
    assert "on hold: dispute" in report  # skip reasons in words


def test_without_the_daily_snapshot_the_charts_that_need_it_say_so(tmp_path):
    html = write_report(write_export(tmp_path / "out", days=False)).read_text(encoding="utf-8")
    for heading in SECTIONS:
        assert heading in html
    assert "days.jsonl" in html


def test_a_large_book_shows_the_first_forty_timelines(tmp_path):
    html = write_report(write_export(tmp_path / "out", accounts=45)).read_text(encoding="utf-8")
    assert "first 40 of 45 accounts" in html
    assert ">C-037<" in html
    assert ">C-038<" not in html  # sorted by id: A-…, B-2, C-000 … C-037


def test_an_empty_folder_still_gives_a_page(tmp_path):
    html = write_report(tmp_path).read_text(encoding="utf-8")
    for heading in SECTIONS:
        assert heading in html


@pytest.mark.parametrize(
    ("raw", "masked"),
    [("+8613800138000", "+86*****00"), ("+447700900123", "+44*****23"), ("+12125550123", "+1*****23")],
)
def test_mask_phone(raw, masked):
    assert mask_phone(raw) == masked


def test_mask_text_masks_numbers_but_not_amounts():
    text = mask_text("pay 19,120.00 CNY (1234567.00) by 2026-03-08; call +8613800138000 or 13900139000")
    assert text == "pay 19,120.00 CNY (1234567.00) by 2026-03-08; call +86*****00 or 13*****00"


def test_a_malformed_folder_never_breaks_the_run(tmp_path):
    (tmp_path / "summary.json").write_text('{"accounts": "many", "contacts": [1, 2]}', encoding="utf-8")
    (tmp_path / "contacts.jsonl").write_text('not json\n{"account_id": 1, "at": "yesterday"}\n', encoding="utf-8")
    (tmp_path / "days.jsonl").write_text('{"date": "2026-13-45", "status": "x"}\n', encoding="utf-8")
    path = write_report(tmp_path)
    assert path.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
