"""report.html from a hand-written scenario export: self-contained, every section, phones masked, text escaped."""

import json
import re
from itertools import pairwise
from pathlib import Path

import pytest

from sim.report import mask_phone, mask_text, write_report
from sim.report.charts import LABEL_GAP
from sim.report.data import load
from sim.report.series import stage_series
from sim.report.svg import spread

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
    assert "<link" not in report.lower()
    assert "@import" not in report
    assert "url(" not in report
    # One small inline script (the timelines' finder): no source file, nothing fetched, nothing parsed as HTML.
    assert re.findall(r"<script[^>]*>", report, re.IGNORECASE) == ["<script>"]
    script = report.split("<script>")[1].split("</script>")[0]
    for api in ("fetch", "XMLHttpRequest", "import", "innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval", "http"):
        assert api not in script, api


def test_phone_numbers_are_masked(report):
    assert PHONE not in report
    assert "+12125550123" not in report
    assert "+86*****00" in report
    assert "+1*****23" in report


def test_text_is_escaped(report):
    assert NASTY_ID not in report
    assert "&lt;b&gt;1&lt;/b&gt;&amp;&quot;x&quot;" in report
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in report
    assert "<script>alert" not in report
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


def section(html: str, anchor: str) -> str:
    """One <section> of the page, by the id of its heading."""
    found = re.search(rf'<section><h2 id="{anchor}">.*?</section>', html, re.DOTALL)
    assert found, anchor
    return found.group(0)


def rows(html: str) -> list[str]:
    return re.findall(r'<li class="tl-row"[^>]*>.*?</li>', section(html, "timelines"), re.DOTALL)


# ---------------------------------------------------------------------- every account's timeline, and finding one
def test_every_account_has_its_timeline(tmp_path):
    html = write_report(write_export(tmp_path / "out", accounts=95)).read_text(encoding="utf-8")
    found = rows(html)
    assert len(found) == 95
    for n in range(93):
        assert f'<span class="tl-id mono">C-{n:03d}</span>' in html
    assert "All 95 accounts, by id." in html  # what the page says without its script


def test_the_timelines_can_be_filtered_by_profile_and_status_and_searched(tmp_path):
    out = write_export(tmp_path / "out", accounts=4)
    accounts = json.loads((out / "accounts.json").read_text(encoding="utf-8"))
    accounts[1]["profile"] = "US"
    accounts[2]["profile"] = 'E<U>"'
    (out / "accounts.json").write_text(json.dumps(accounts), encoding="utf-8")
    html = write_report(out).read_text(encoding="utf-8")
    profile = re.search(r'<select data-f="profile">(.*?)</select>', html).group(1)
    assert re.findall(r'<option value="([^"]*)">', profile) == ["", "CN", "E&lt;U&gt;&quot;", "US"]
    assert ">all (4)<" in profile and ">CN (2)<" in profile and ">US (1)<" in profile
    status = re.search(r'<select data-f="status">(.*?)</select>', html).group(1)
    assert re.findall(r'<option value="([^"]*)">', status) == ["", "active", "legal", "paid"]
    assert '<input type="search" data-f="id"' in html
    heads = [re.search(r'data-id="([^"]*)" data-profile="([^"]*)" data-status="([^"]*)"', r).groups() for r in rows(html)]
    assert heads == [
        ("a-&lt;b&gt;1&lt;/b&gt;&amp;&quot;x&quot;", "CN", "paid"),  # ids lower-cased for the search, escaped
        ("b-2", "US", "legal"),
        ("c-000", "E&lt;U&gt;&quot;", "active"),
        ("c-001", "CN", "active"),
    ]
    assert 'E<U>"' not in html
    assert '<div class="finder" hidden>' in html  # shown by the script; without it every row is listed


# ---------------------------------------------------------------------- the recovery curve's end labels
def three_currencies(out: Path, accounts: int = 3) -> Path:
    """Every line of the recovery curve ends at the same height: the worst case for their labels."""
    snaps = [
        {
            "date": f"2026-03-0{d}",
            "accounts": 2,
            "status": {"active": 2 - p, "paid": p},
            "stage": {"early": 2},
            "owed": owed,
            "recovered": got,
        }
        for d, p, owed, got in (
            (1, 0, {"CNY": "100", "GBP": "100", "USD": "100"}, {"CNY": "0", "GBP": "0", "USD": "0"}),
            (2, 1, {"CNY": "50", "GBP": "50", "USD": "50"}, {"CNY": "50", "GBP": "50", "USD": "50"}),
            (3, 1, {"CNY": "50", "GBP": "50", "USD": "50"}, {"CNY": "50", "GBP": "50", "USD": "50"}),
        )
    ]
    (out / "days.jsonl").write_text("".join(json.dumps(s) + "\n" for s in snaps), encoding="utf-8")
    return out


def end_labels(svg: str) -> list[tuple[float, str]]:
    return [(float(y), text) for y, text in re.findall(r'<text x="[\d.]+" y="([\d.]+)" class="end-label"[^>]*>([^<]*)</text>', svg)]


def test_the_recovery_labels_never_overlap_and_name_their_currency(tmp_path):
    html = write_report(three_currencies(write_export(tmp_path / "out"))).read_text(encoding="utf-8")
    charts = re.findall(r'<svg class="chart" viewBox="0 0 ([\d.]+) ([\d.]+)".*?</svg>', section(html, "recovery"), re.DOTALL)
    svgs = re.findall(r'<svg class="chart".*?</svg>', section(html, "recovery"), re.DOTALL)
    assert len(svgs) == 3  # wide, medium and narrow
    for (_, height), svg in zip(charts, svgs, strict=True):
        labels = end_labels(svg)
        assert sorted(text for _, text in labels) == ["CNY 50%", "GBP 50%", "USD 50%", "borrowers 50%"]
        ys = sorted(y for y, _ in labels)
        assert all(b - a >= LABEL_GAP for a, b in pairwise(ys)), ys
        assert 0 < ys[0] and ys[-1] < float(height)


def test_the_recovery_labels_of_the_fixture_name_their_currency(report):
    for svg in re.findall(r'<svg class="chart".*?</svg>', section(report, "recovery"), re.DOTALL):
        assert [text for _, text in end_labels(svg)] == ["borrowers 50%", "CNY 50%"]


@pytest.mark.parametrize(
    ("wanted", "low", "high"),
    [
        ([100.0, 100.0, 100.0, 100.0], 10, 200),  # all on one spot
        ([199.0, 200.0, 195.0], 10, 200),  # at the bottom: pushed up, not out
        ([10.0, 11.0, 12.0], 10, 200),  # at the top: pushed down, not out
        ([50.0, 40.0, 45.0, 300.0, -20.0], 10, 200),
        ([30.0] * 20, 10, 100),  # more than fit: they run past the bottom, still apart
    ],
)
def test_spread_keeps_labels_apart(wanted, low, high):
    got = spread(wanted, 16, low, high)
    assert len(got) == len(wanted)
    ys = sorted(got)
    assert all(b - a >= 16 - 1e-9 for a, b in pairwise(ys))
    assert ys[0] >= low
    if 16 * (len(wanted) - 1) <= high - low:
        assert ys[-1] <= high
    # The order of the labels is the order of their lines.
    assert [k for k, _ in sorted(enumerate(got), key=lambda p: p[1])] == [k for k, _ in sorted(enumerate(wanted), key=lambda p: p[1])]


def test_spread_leaves_labels_that_do_not_collide_where_they_are():
    assert spread([20.0, 60.0, 100.0], 16, 0, 200) == [20.0, 60.0, 100.0]
    # A crowd spreads both ways around its lines, and does not push a label below it that had room.
    assert spread([62.0, 60.0, 64.0, 96.0], 16, 0, 200) == [62.0, 46.0, 78.0, 96.0]


# ---------------------------------------------------------------------- paid accounts leave the ladder
def test_the_stage_chart_counts_paid_accounts_as_paid(tmp_path):
    out = write_export(tmp_path / "out")
    stages = stage_series(load(out))
    assert stages["paid"] == [0, 1, 1]  # NASTY_ID paid on 2026-03-02 (its stage: early)
    assert stages["early"] == [0, 1, 0]  # 2 accounts at early, one of them paid; then B-2 went to legal
    assert stages["legal"] == [0, 0, 1]
    assert stages["pre_due"] == [2, 0, 0]
    html = write_report(out).read_text(encoding="utf-8")
    book = section(html, "book")
    stage_chart = book[book.index("By ladder stage") :]
    assert "Paid in full" in stage_chart
    assert "<title>2026-03-02: Paid in full 1</title>" in stage_chart
    assert "<title>2026-03-02: Early (D+1…D+6) 1</title>" in stage_chart


def test_paid_accounts_the_events_do_not_place_are_still_counted_as_paid(tmp_path):
    out = write_export(tmp_path / "out", accounts=4)
    (out / "events.jsonl").write_text("", encoding="utf-8")  # no payment to date the paid account by
    stages = stage_series(load(out))
    assert stages["paid"] == [0, 1, 1]
    for i, total in enumerate([4, 4, 4]):
        assert sum(values[i] for values in stages.values()) == total


# ---------------------------------------------------------------------- narrow screens
def test_the_charts_scale_to_the_width_of_the_page(report):
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in report
    svgs = re.findall(r"<svg\b[^>]*>", report)
    charts = [s for s in svgs if 'class="chart"' in s]
    assert len(charts) == 3 * 6  # contacts, status, stage, recovery, funnel, skips: each drawn wide, medium and narrow
    for svg in charts:
        assert re.search(r'viewBox="0 0 [\d.]+ [\d.]+"', svg), svg
        assert 'width="100%"' in svg and "height=" not in svg, svg
    widths = {re.search(r'viewBox="0 0 ([\d.]+)', s).group(1) for s in charts}
    assert widths == {"1100", "720", "400"}
    lanes = [s for s in svgs if 'class="tl-lane"' in s]
    assert len(lanes) == 2 + 2  # the two date scales, the two accounts
    for svg in lanes:
        assert 'width="100%"' in svg
    # The lanes are drawn in percentages of their width: no absolute x anywhere in them.
    for lane in re.findall(r'<svg class="tl-lane".*?</svg>', report, re.DOTALL):
        for attr, value in re.findall(r'(?<![\w-])(x|x1|x2|width)="([^"]*)"', lane):
            assert value.endswith("%") or value == "0", (attr, value)
    # Every other SVG is a 16 px legend glyph, or the marker shapes' definitions.
    assert all('class="glyph"' in s or 'class="defs"' in s for s in svgs if s not in charts and s not in lanes)
    # The stylesheet shows one drawing of each chart: wide, then medium below 960 px, then narrow below 560 px.
    assert ".figure .medium, .figure .narrow { display: none; }" in report
    assert re.search(
        r"@media \(max-width: 959px\) \{\s*\.figure \.wide \{ display: none; \}\s*\.figure \.medium \{ display: block; \}", report
    )
    assert re.search(
        r"@media \(max-width: 559px\) \{\s*\.figure \.medium \{ display: none; \}\s*\.figure \.narrow \{ display: block; \}", report
    )
