"""report.html's Delivery section: the texts' delivery per profile and local day, from a tiny hand-written export; the
rate leaves pending texts out ("–" with a title when nothing else is left), the carrier's failure reasons are counted
and escaped, and an export written before delivery receipts gets a note."""

import re
from datetime import date, timedelta
from html import unescape

from sim.report import write_report
from sim.report.delivery import LONG
from tests.unit.test_report_strategies import ACCOUNTS, CHALLENGER, CHAMPION, contact, write_book

CN, US = "+8613800138001", "+12025550101"


def text(account_id: str, at: str, local_time: str, profile: str, delivery: str | None, parts: int = 1, reason: str = "") -> dict:
    """A contacts.jsonl text, as contact_json writes it: parts, delivery and, for a failed one, the carrier's reason."""
    group = CHAMPION if profile == "US" else CHALLENGER
    more = {"profile": profile, "parts": parts} | ({"delivery": delivery} if delivery else {})
    more |= {"delivery_reason": reason} if reason else {}
    record = contact(account_id, "sms", at, group, to=US if profile == "US" else CN, text="Your payment is overdue.", **more)
    return record | {"local_time": local_time}


# CN texts at 10:00 Shanghai; US texts at 21:00 New York on 2 Mar are 02:00 UTC on 3 Mar: the local day counts, not UTC's.
TEXTS = [
    text("B1", "2026-03-02T02:00:00Z", "2026-03-02T10:00:00+08:00", "CN", "delivered", parts=2),
    text("B1", "2026-03-02T02:00:00Z", "2026-03-02T10:00:00+08:00", "CN", "failed", reason="Invalid phone number"),
    text("B1", "2026-03-02T02:00:00Z", "2026-03-02T10:00:00+08:00", "CN", "pending"),
    text("B1", "2026-03-03T02:00:00Z", "2026-03-03T10:00:00+08:00", "CN", "pending", parts=3),  # the day's only text: no rate
    text("A1", "2026-03-03T02:00:00Z", "2026-03-02T21:00:00-05:00", "US", "delivered"),
    text("A1", "2026-03-03T02:00:00Z", "2026-03-02T21:00:00-05:00", "US", "unknown"),
    text("A2", "2026-03-03T14:00:00Z", "2026-03-03T09:00:00-05:00", "US", "failed", reason="Invalid phone number"),
    text("A2", "2026-03-03T14:00:00Z", "2026-03-03T09:00:00-05:00", "US", "failed", reason='Blocked <by> carrier & "filter"'),
    text("A2", "2026-03-03T14:00:00Z", "2026-03-03T09:00:00-05:00", "US", "delivered", parts=2),
    contact("A1", "call", "2026-03-03T14:00:00Z", CHAMPION, to=US),  # not a text
]


def delivery(html: str) -> str:
    found = re.search(r'<section><h2 id="delivery">Delivery</h2>.*?</section>', html, re.DOTALL)
    assert found, "no Delivery section"
    return found.group(0)


def rows(section: str) -> dict[tuple[str, str], list[str]]:
    """Each row: (local day or "All days", profile) -> the text of its counts and rate."""
    out = {}
    for label, profile, cells in re.findall(r'<tr[^>]*><th scope="row">(.*?)</th><td>(.*?)</td>(.*?)</tr>', section, re.DOTALL):
        out[unescape(label), unescape(profile)] = [unescape(re.sub(r"<[^>]+>", "", c)) for c in re.findall(r"<td[^>]*>(.*?)</td>", cells)]
    return out


def report(tmp_path, contacts: list[dict]) -> str:
    return write_report(write_book(tmp_path / "out", ACCOUNTS, contacts, [])).read_text(encoding="utf-8")


def test_the_rate_per_profile_and_local_day_leaves_pending_texts_out(tmp_path):
    html = report(tmp_path, TEXTS)
    assert '<a href="#strategies">Strategies</a><a href="#delivery">Delivery</a>' in html  # after Strategies, in the nav and the page
    assert html.index('<h2 id="strategies">') < html.index('<h2 id="delivery">') < html.index('<h2 id="timelines">')
    section = delivery(html)
    heads = re.findall(r'<th scope="col"[^>]*>(.*?)</th>', section)
    assert heads == ["Local day", "Profile", "Texts", "Parts", "Delivered", "Failed", "Pending", "Unknown", "Delivery rate"]
    assert rows(section) == {
        ("2026-03-02", "CN"): ["3", "4", "1", "1", "1", "0", "50.0% (1/2)"],
        ("2026-03-03", "CN"): ["1", "3", "0", "0", "1", "0", "–"],
        ("All days", "CN"): ["4", "7", "1", "1", "2", "0", "50.0% (1/2)"],
        ("2026-03-02", "US"): ["2", "2", "1", "0", "0", "1", "50.0% (1/2)"],  # unknown counts as not delivered
        ("2026-03-03", "US"): ["3", "4", "1", "2", "0", "0", "33.3% (1/3)"],
        ("All days", "US"): ["5", "6", "2", "2", "0", "1", "40.0% (2/5)"],
    }
    assert list(rows(section)) == [  # a row group per profile, its days in order, then its total
        ("2026-03-02", "CN"),
        ("2026-03-03", "CN"),
        ("All days", "CN"),
        ("2026-03-02", "US"),
        ("2026-03-03", "US"),
        ("All days", "US"),
    ]
    assert section.count("<tbody>") == 2 and section.count('<tr class="total">') == 2
    assert '<td class="num" title="no receipt yet">–</td>' in section
    assert "<details>" not in section and "<svg" not in section  # a short book: the table alone


def test_the_failure_reasons_are_counted_most_frequent_first_and_escaped(tmp_path):
    section = delivery(report(tmp_path, TEXTS))
    reasons = re.search(r'<ol class="reasons"[^>]*>(.*?)</ol>', section, re.DOTALL).group(1)
    items = [unescape(re.sub(r"<[^>]+>", "", li)) for li in re.findall(r"<li>(.*?)</li>", reasons)]
    assert items == ["Invalid phone number (2 texts)", 'Blocked <by> carrier & "filter" (1 text)']
    assert "Blocked &lt;by&gt; carrier &amp; &quot;filter&quot;" in reasons
    assert "<by>" not in section


def test_only_the_five_most_frequent_reasons_are_listed(tmp_path):
    failed = [
        text("A1", "2026-03-03T14:00:00Z", "2026-03-03T09:00:00-05:00", "US", "failed", reason=f"reason {n}")
        for n in range(7)
        for _ in range(n + 1)
    ]
    section = delivery(report(tmp_path, [*failed, text("A1", "2026-03-03T14:00:00Z", "2026-03-03T09:00:00-05:00", "US", "failed")]))
    reasons = re.search(r'<ol class="reasons"[^>]*>(.*?)</ol>', section, re.DOTALL).group(1)
    assert re.findall(r"<li>(.*?) <span", reasons) == ["reason 6", "reason 5", "reason 4", "reason 3", "reason 2"]
    assert "top 5" in section and "And 3 other reasons (4 texts)." in section  # reasons 1 and 0, and one without a reason


def test_phone_numbers_in_a_reason_are_masked(tmp_path):
    failed = text("A1", "2026-03-03T14:00:00Z", "2026-03-03T09:00:00-05:00", "US", "failed", reason=f"Unreachable: {US}")
    html = report(tmp_path, [failed])
    assert US not in html
    assert "Unreachable: +1" in delivery(html)


def test_an_export_written_before_delivery_receipts_gets_a_note(tmp_path):
    old = [{k: v for k, v in t.items() if k not in ("delivery", "delivery_reason", "parts")} for t in TEXTS]
    section = delivery(report(tmp_path, old))
    assert '<p class="empty">The texts in contacts.jsonl carry no delivery status' in section
    assert "<table" not in section and "<ol" not in section
    assert "No texts were sent" in delivery(report(tmp_path / "none", [contact("A1", "call", "2026-03-03T14:00:00Z", CHAMPION)]))


def test_no_failure_says_so(tmp_path):
    section = delivery(report(tmp_path, [t for t in TEXTS if t.get("delivery") != "failed"]))
    assert "No carrier reported a failure." in section and "<ol" not in section


def test_a_long_book_draws_the_daily_rate_per_profile_and_folds_the_table(tmp_path):
    first = date(2026, 3, 1)
    long = [
        text("B1", f"{d}T02:00:00Z", f"{d}T10:00:00+08:00", "CN", "failed" if n % 10 == 0 else "delivered")
        for n in range(LONG + 5)
        for d in [first + timedelta(days=n)]
    ]
    long.append(text("B1", "2026-04-20T02:00:00Z", "2026-04-20T10:00:00+08:00", "CN", "pending"))
    section = delivery(report(tmp_path, long))
    assert "<h3>CN: 88.9% delivered (40/45) over 46 days with texts</h3>" in section
    assert section.count('aria-label="daily delivery rate, CN"') == 3  # wide, medium and narrow drawings
    assert "<title>2026-03-01: 0.0% delivered (0/1; 0 pending)</title>" in section
    assert "<title>2026-04-20: no receipt yet (1 pending)</title>" in section
    assert re.search(
        r"<details><summary>The table: a row per profile and local day \(46\), and each profile’s total</summary>.*<table",
        section,
        re.DOTALL,
    )
    assert rows(section)["All days", "CN"] == ["46", "46", "40", "5", "1", "0", "88.9% (40/45)"]


def test_a_text_without_a_status_among_others_counts_in_texts_only_and_says_so(tmp_path):
    odd = {k: v for k, v in TEXTS[4].items() if k != "delivery"}  # US, 2 Mar: one more text, no status
    section = delivery(report(tmp_path, [*TEXTS, odd]))
    assert rows(section)["2026-03-02", "US"] == ["3", "3", "1", "0", "0", "1", "50.0% (1/2)"]
    assert "1 text without a delivery status" in section
