"""DOMAIN.md's rules in every jurisdiction, through the real state machines and the real event path (issue 14).

Five short scenarios, each run once, lazily: phone numbers own their closures (wrong numbers, opt-outs, a
new number), the legal path outside China and the referral's re-check, caps that count contacts with call
tasks that expire, promises kept and made during holds, and texts right for their borrower. Shanghai runs
at 02:00Z and 09:00Z are inside the CN window (08:00-21:00 local = 00:00Z-13:00Z); an event at 06:00Z
lands between them.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest

from tests.support import local_date, utc

CN_ZONE = "Asia/Shanghai"


def cn(account_id: str, phone: str, due: str, balance: str = "3000.00", **extra: Any) -> dict[str, Any]:
    return {"account_id": account_id, "phone": phone, "timezone": CN_ZONE, "profile": "CN", "balance": balance,
            "currency": "CNY", "due_date": due, **extra}  # fmt: skip


def us(account_id: str, phone: str, due: str, balance: str = "5000.00", **extra: Any) -> dict[str, Any]:
    return {"account_id": account_id, "phone": phone, "balance": balance, "currency": "USD", "due_date": due, **extra}


def ev(at: str, kind: str, account_id: str | None = None, **fields: Any) -> dict[str, Any]:
    return {"at": at, "type": kind, **({"account_id": account_id} if account_id else {}), **fields}


# ====================================================================== 1, 2, 7, 8: numbers own their closures
P1, P2, P3 = "+8613800238101", "+8613800238102", "+8613800238103"
WRONG_AT, OPT_OUT_AT, NEW_NUMBER_AT = "2026-03-01T06:00:00Z", "2026-03-01T06:00:00Z", "2026-03-06T06:00:00Z"
NUMBERS = {
    "name": "wrong number, opt-outs on a number, a new number",
    "start_date": "2026-03-01",
    "days": 10,
    "profile": "CN",
    "accounts": [
        cn("WRONG", P1, "2026-02-03", balance="8000.00"),  # D+26 on the first day: D+30 (a visit) comes in the span
        cn("SHARED", P1, "2026-02-20", balance="500.00"),  # another account on the same number
        cn("OPT1", P2, "2026-02-25"),
    ],
    "events": [
        ev(WRONG_AT, "call_outcome", "WRONG", outcome="wrong_number"),
        ev(OPT_OUT_AT, "opt_out", "OPT1", channel="sms"),
        ev("2026-03-02T06:00:00Z", "payment", "SHARED", amount="500.00"),
        ev("2026-03-03T01:00:00Z", "new_account", account=cn("OPT2", P2, "2026-02-28")),  # enrolled later, same number
        ev(NEW_NUMBER_AT, "contact_updated", "WRONG", phone=P3),
    ],
}


@pytest.fixture(scope="module")
def numbers(run_scenarios):
    return run_scenarios("numbers", NUMBERS)


def test_a_wrong_number_closes_sms_and_calls_on_every_account_that_carries_it(numbers):
    assert numbers.summary["handler_errors"] == []
    before = [c for c in numbers.contacts if c.get("to") == P1 and utc(c["at"]) < utc(WRONG_AT)]
    assert {c["account_id"] for c in before} == {"WRONG", "SHARED"}, "both accounts were contacted before (the test can fail)"
    after = [c for c in numbers.contacts if c.get("to") == P1 and utc(c["at"]) > utc(WRONG_AT)]
    assert after == []
    assert numbers.accounts["SHARED"]["closed_channels"] == {"call": "wrong_number", "sms": "wrong_number"}


def test_no_payment_confirmation_goes_to_a_wrong_number(numbers):
    assert numbers.accounts["SHARED"]["status"] == "paid"
    assert [c for c in numbers.of("SHARED") if c["purpose"] == "confirmation"] == []


def test_a_wrong_number_makes_the_borrower_unreachable_and_the_field_visit_comes(numbers):
    visits = numbers.of("WRONG", "visit")
    assert [local_date(v) for v in visits] == [date(2026, 3, 5)]  # D+30
    # A visit task may be made on 7 local days, in the window's hours: it expires at 21:00 on the 7th day.
    assert visits[0]["expires_at"] == "2026-03-11T13:00:00Z"


def test_a_new_number_reopens_the_phone_channels_on_it(numbers):
    moved = [c for c in numbers.of("WRONG") if utc(c["at"]) > utc(NEW_NUMBER_AT)]
    assert {c["action"] for c in moved} >= {"sms", "call"}
    assert {c["to"] for c in moved if c["action"] in ("sms", "call")} == {P3}
    assert numbers.accounts["WRONG"]["closed_channels"] == {}
    assert numbers.effects("WRONG", "contact_updated") == ["contact updated: a new number; SMS and calls go to it"]


def test_the_stage_never_goes_back(numbers):
    # Field visit on D+30, follow-up contacts after it: the stage stays the furthest reached.
    stages = [c["stage"] for c in numbers.of("WRONG")]
    assert "field" in stages and stages[-1] == "follow_up"
    assert numbers.accounts["WRONG"]["stage"] == "field"


def test_an_opt_out_closes_the_number_for_accounts_enrolled_later_too(numbers):
    assert [c for c in numbers.of("OPT1", "sms") if utc(c["at"]) > utc(OPT_OUT_AT)] == []
    assert [c for c in numbers.of("OPT1", "call") if utc(c["at"]) > utc(OPT_OUT_AT)], "calls go on"
    assert numbers.of("OPT2", "sms") == []
    assert numbers.days("OPT2", "call")[0] == date(2026, 3, 3)  # D+3: the early call
    assert numbers.accounts["OPT2"]["closed_channels"] == {"sms": "opted_out"}


def test_every_call_task_expires_when_the_borrowers_window_closes_that_day(numbers):
    calls = [c for c in numbers.contacts if c["action"] == "call"]
    assert calls
    for c in calls:
        assert c["expires_at"] == f"{local_date(c).isoformat()}T13:00:00Z", c  # 21:00 in Shanghai


# ====================================================================== 3, 4: the legal path outside China, re-checked
US_DUE = "2026-04-01"  # D+60 = 2026-05-31; the first day (2026-05-26) is D+55
NY_EVENING = "T22:00:00Z"  # 18:00 in New York: after the day's runs there


def no_answers(account_id: str, *days: str) -> list[dict[str, Any]]:
    return [ev(f"{d}{NY_EVENING}", "call_outcome", account_id, outcome="no_answer") for d in days]


SILENT_DAYS = ("2026-04-11", "2026-04-14", "2026-04-17")
LEGAL = {
    "name": "legal review without field visits (US, EU); the referral re-checked when approved",
    "start_date": "2026-05-26",
    "days": 12,
    "profile": "US",
    "accounts": [
        us("US-SILENT", "+12125550161", US_DUE),
        {"account_id": "EU-REFUSED", "phone": "+442071838761", "balance": "2000.00", "currency": "GBP", "due_date": US_DUE},
        us("US-TALKED", "+12125550162", US_DUE),
        us("US-BELOW", "+12125550163", US_DUE, balance="1500.00"),
        us("US-PROMISE", "+12125550164", US_DUE),
        us("US-KEPT", "+12125550165", US_DUE),
    ],
    "events": [
        *no_answers("US-SILENT", *SILENT_DAYS),
        ev("2026-04-20T12:00:00Z", "call_outcome", "EU-REFUSED", outcome="refused"),
        ev("2026-04-21T12:00:00Z", "call_outcome", "EU-REFUSED", outcome="refused"),
        # Reached at D+35, then three failed attempts: unreachable only 30 days after the conversation (D+65).
        ev(f"2026-05-06{NY_EVENING}", "call_outcome", "US-TALKED", outcome="reached"),
        *no_answers("US-TALKED", "2026-05-11", "2026-05-12", "2026-05-13"),
        *no_answers("US-BELOW", *SILENT_DAYS),
        *no_answers("US-PROMISE", *SILENT_DAYS),
        *no_answers("US-KEPT", *SILENT_DAYS),
        ev("2026-06-01T21:00:00Z", "legal_decision", "US-SILENT", decision="approve", source="collections.ops"),
        ev("2026-06-01T21:00:00Z", "legal_decision", "EU-REFUSED", decision="approve", source="collections.ops"),
        # Below the threshold after the review was requested: withdrawn at once; the later approval finds none.
        ev("2026-06-01T18:00:00Z", "payment", "US-BELOW", amount="600.00"),
        ev("2026-06-02T21:00:00Z", "legal_decision", "US-BELOW", decision="approve", source="collections.ops"),
        # A promise, then the approval: it waits. Broken on 2026-06-04: referred. Kept: withdrawn.
        ev("2026-06-01T18:00:00Z", "promise_to_pay", "US-PROMISE", amount="5000.00", promised_date="2026-06-03"),
        ev("2026-06-01T21:00:00Z", "legal_decision", "US-PROMISE", decision="approve", source="collections.ops"),
        ev("2026-06-01T18:00:00Z", "promise_to_pay", "US-KEPT", amount="1000.00", promised_date="2026-06-04"),
        ev("2026-06-01T21:00:00Z", "legal_decision", "US-KEPT", decision="approve", source="collections.ops"),
        ev("2026-06-02T18:00:00Z", "payment", "US-KEPT", amount="1000.00"),
    ],
}


@pytest.fixture(scope="module")
def legal(run_scenarios):
    return run_scenarios("legal", LEGAL)


@pytest.mark.parametrize("account_id", ["US-SILENT", "EU-REFUSED", "US-BELOW", "US-PROMISE", "US-KEPT"])
def test_a_silent_or_refusing_borrower_outside_china_gets_a_legal_review_from_d60(legal, account_id):
    assert legal.summary["handler_errors"] == []
    assert legal.days(account_id, "legal_review") == [date(2026, 5, 31)]


def test_the_profile_follows_the_numbers_country_unless_set(legal):
    assert legal.accounts["EU-REFUSED"]["profile"] == "EU"  # +44 in a US scenario: EU
    assert {c["profile"] for c in legal.of("EU-REFUSED")} == {"EU"}


def test_a_conversation_in_the_last_30_days_puts_the_review_off_until_the_30th_quiet_day(legal):
    assert legal.days("US-TALKED", "legal_review") == [date(2026, 6, 5)]  # D+65: 30 days after D+35


def test_an_approved_review_of_a_qualifying_account_is_referred(legal):
    for account_id in ("US-SILENT", "EU-REFUSED"):
        [referral] = legal.of(account_id, "legal_referral")
        # The file's one approval without a principal stands for the review's: the profile's two reviewers (four eyes).
        reviewers = [a.split(" at ")[0].rsplit("/", 1)[1] for a in referral["approved_by"].split(", ")]
        assert reviewers == ["scenario-reviewer-1", "scenario-reviewer-2"]
        assert legal.accounts[account_id]["status"] == "legal"


def test_a_review_is_withdrawn_when_the_balance_falls_below_the_threshold(legal):
    assert legal.of("US-BELOW", "legal_referral") == []
    assert legal.accounts["US-BELOW"]["legal_state"] == "withdrawn"
    assert "below the legal threshold" in legal.accounts["US-BELOW"]["legal_note"]
    assert any("withdrawn" in n and "below the legal threshold" in n for n in legal.effects("US-BELOW", "payment"))
    [late] = legal.notes("US-BELOW", "legal_decision")
    assert late.startswith("rejected: ") and "no legal review is waiting" in late


def test_an_approval_waits_for_a_promise_and_a_broken_promise_refers(legal):
    [approval] = legal.effects("US-PROMISE", "legal_decision")
    assert "waits for the promise" in approval
    [referral] = legal.of("US-PROMISE", "legal_referral")
    assert local_date(referral) == date(2026, 6, 4)  # the day after the promised date: broken
    assert legal.accounts["US-PROMISE"]["broken_promises"] == 1
    assert legal.run_notes().get("legal_referral_after_broken_promise") == 1  # the run report says so


def test_an_approval_waiting_for_a_kept_promise_is_withdrawn(legal):
    assert legal.of("US-KEPT", "legal_referral") == []
    account = legal.accounts["US-KEPT"]
    assert (account["legal_state"], account["kept_promises"], account["status"]) == ("withdrawn", 1, "active")
    assert "kept their promise" in account["legal_note"]
    # The ladder resumes for the rest (4,000 still owed): contacts after the promise was kept.
    assert [c for c in legal.of("US-KEPT") if utc(c["at"]) > utc("2026-06-02T18:00:00Z") and c["action"] in ("sms", "call")]


# ====================================================================== 6, 7: caps count contacts
CAPS = {
    "name": "caps count every contact and every dial attempt; the confirmation is exempt",
    "start_date": "2026-06-01",
    "days": 9,
    "profile": "US",
    "accounts": [
        us("US-7IN7", "+12125550171", "2026-05-25"),  # D+7 on the first day: follow-up SMS and call due
        us("US-PAYS", "+12125550172", "2026-05-31", balance="300.00"),  # D+1: the reminder
        us("US-TALK", "+12125550173", "2026-05-25"),
        cn("CN-BERLIN", "+8613800238174", "2026-05-25", timezone="Europe/Berlin"),  # three runs inside its window
    ],
    "events": [
        # Agents dialled US-7IN7 seven times in the six days before: the 7-in-7 limit binds on the first day.
        ev("2026-05-26T15:00:00Z", "call_outcome", "US-7IN7", outcome="no_answer"),
        *[ev(f"2026-05-{d}T15:00:00Z", "call_outcome", "US-7IN7", outcome="no_answer") for d in (26, 27, 28, 29, 30, 31)],
        ev("2026-06-01T15:00:00Z", "payment", "US-PAYS", amount="300.00"),  # after the reminder (14:00Z)
        ev("2026-06-01T20:30:00Z", "call_outcome", "US-TALK", outcome="reached"),  # 16:30 in New York
        # Six attempts reported on CN-BERLIN's day before its first run (10:00 Berlin = 08:00Z).
        *[ev(f"2026-06-01T06:0{i}:00Z", "call_outcome", "CN-BERLIN", outcome="no_answer") for i in range(6)],
    ],
}


@pytest.fixture(scope="module")
def caps(run_scenarios):
    return run_scenarios("caps", CAPS)


def test_reported_dial_attempts_count_toward_the_us_7_in_7(caps):
    assert caps.summary["handler_errors"] == []
    assert date(2026, 6, 1) not in caps.days("US-7IN7", "call")
    assert caps.days("US-7IN7", "call")[0] == date(2026, 6, 2)  # two attempts fell out of the window
    assert caps.run_notes().get("calls_7_in_7", 0) >= 1


def test_the_payment_confirmation_is_exempt_from_the_daily_sms_cap(caps):
    texts = caps.of("US-PAYS", "sms")
    assert [(t["purpose"], local_date(t)) for t in texts] == [("reminder", date(2026, 6, 1)), ("confirmation", date(2026, 6, 1))]


def test_no_call_in_the_seven_days_from_a_conversation(caps):
    calls = caps.days("US-TALK", "call")
    assert date(2026, 6, 1) in calls  # before the conversation, that morning
    assert not any(date(2026, 6, 2) <= d <= date(2026, 6, 7) for d in calls)  # the conversation's date is day 1
    assert any(d >= date(2026, 6, 8) for d in calls)


def test_cn_six_attempts_a_day_count_reported_attempts_across_runs(caps):
    # Three runs fall inside CN-BERLIN's window each day; six attempts were reported before the first.
    assert date(2026, 6, 1) not in caps.days("CN-BERLIN", "call")
    assert date(2026, 6, 2) in caps.days("CN-BERLIN", "call")
    for day in {local_date(c) for c in caps.of("CN-BERLIN")}:
        texts = [c for c in caps.of("CN-BERLIN", "sms") if local_date(c) == day]
        assert len(texts) <= 2, texts  # CN: at most two collection texts a day, whatever the runs


def test_call_tasks_expire_when_the_borrowers_window_closes_that_day(caps):
    calls = caps.of("US-7IN7", "call")
    assert calls
    for c in calls:  # 21:00 in New York (EDT) is 01:00Z on the next UTC day
        assert c["expires_at"] == f"{date.fromordinal(local_date(c).toordinal() + 1).isoformat()}T01:00:00Z", c


# ====================================================================== 5: promises
PROMISES = {
    "name": "promises kept by payments, broken, made during a hold",
    "start_date": "2026-03-01",
    "days": 12,
    "profile": "CN",
    "accounts": [
        cn("KEPT", "+8613800238181", "2026-02-25"),
        cn("PARTIAL", "+8613800238182", "2026-02-25"),
        cn("HELD-IN-TIME", "+8613800238183", "2026-02-25"),
        cn("HELD-LAPSED", "+8613800238184", "2026-02-25"),
    ],
    "events": [
        ev("2026-03-01T06:00:00Z", "promise_to_pay", "KEPT", amount="1000.00", promised_date="2026-03-08"),
        ev("2026-03-03T06:00:00Z", "payment", "KEPT", amount="600.00"),
        ev("2026-03-05T06:00:00Z", "payment", "KEPT", amount="400.00"),
        ev("2026-03-01T06:00:00Z", "promise_to_pay", "PARTIAL", amount="1000.00", promised_date="2026-03-04"),
        ev("2026-03-03T06:00:00Z", "payment", "PARTIAL", amount="500.00"),
        ev("2026-03-01T06:00:00Z", "dispute_opened", "HELD-IN-TIME"),
        ev("2026-03-02T06:00:00Z", "promise_to_pay", "HELD-IN-TIME", amount="1000.00", promised_date="2026-03-08"),
        ev("2026-03-04T06:00:00Z", "dispute_resolved", "HELD-IN-TIME"),
        ev("2026-03-01T06:00:00Z", "dispute_opened", "HELD-LAPSED"),
        ev("2026-03-02T06:00:00Z", "promise_to_pay", "HELD-LAPSED", amount="1000.00", promised_date="2026-03-04"),
        ev("2026-03-06T06:00:00Z", "dispute_resolved", "HELD-LAPSED"),
    ],
}


@pytest.fixture(scope="module")
def promises(run_scenarios):
    return run_scenarios("promises", PROMISES)


def test_a_promise_kept_by_payments_since_it_was_made_counts_as_kept_and_the_ladder_resumes(promises):
    account = promises.accounts["KEPT"]
    assert (account["kept_promises"], account["broken_promises"], account["status"]) == (1, 0, "active")
    assert account["balance"] == "2000.00"
    assert any("the promise to pay is kept" in n for n in promises.effects("KEPT", "payment"))
    # Kept on 2026-03-05, before the promised date: the collection contacts resume for the rest at once.
    resumed = [c for c in promises.of("KEPT") if utc(c["at"]) > utc("2026-03-05T06:00:00Z")]
    assert resumed and min(local_date(c) for c in resumed) <= date(2026, 3, 8)


def test_a_promise_paid_in_part_is_broken_the_day_after(promises):
    account = promises.accounts["PARTIAL"]
    assert (account["kept_promises"], account["broken_promises"]) == (0, 1)
    resumed = [c for c in promises.of("PARTIAL") if utc(c["at"]) > utc("2026-03-03T06:00:00Z") and c["purpose"] != "promise_reminder"]
    assert min(local_date(c) for c in resumed) == date(2026, 3, 5)


def test_a_promise_made_during_a_hold_applies_when_the_hold_lifts_in_time(promises):
    assert promises.accounts["HELD-IN-TIME"]["broken_promises"] == 1  # unpaid by 2026-03-08
    after_lift = [c for c in promises.of("HELD-IN-TIME") if utc(c["at"]) > utc("2026-03-04T06:00:00Z")]
    paused = [(c["purpose"], local_date(c)) for c in after_lift if local_date(c) <= date(2026, 3, 8)]
    assert paused == [("promise_reminder", date(2026, 3, 7))]  # paused through the promised date, but its reminder
    assert min(local_date(c) for c in after_lift if c["purpose"] != "promise_reminder") == date(2026, 3, 9)


def test_a_promise_made_during_a_hold_that_outlasts_it_is_broken_when_the_hold_lifts(promises):
    assert promises.accounts["HELD-LAPSED"]["broken_promises"] == 1
    assert any("lapsed unkept" in n for n in promises.effects("HELD-LAPSED", "dispute_resolved"))
    after_lift = [c for c in promises.of("HELD-LAPSED") if utc(c["at"]) > utc("2026-03-06T06:00:00Z")]
    assert min(local_date(c) for c in after_lift) == date(2026, 3, 6)  # the same day's next run: the ladder resumes


# ====================================================================== 9: every text right for its borrower
TEXTS = {
    "name": "texts in the borrower's language, from the identity of their jurisdiction",
    "start_date": "2026-06-01",
    "days": 2,
    "profile": "CN",
    "accounts": [
        us("US-ZH", "+12125550191", "2026-06-01", locale="zh-CN"),  # D+1 on the second day: the reminder
        cn("CN-EN", "+8613800238192", "2026-06-01", locale="en-GB"),
        us("US-DERIVED", "+12125550193", "2026-06-01"),  # no profile in a CN scenario: its number says US
        {
            "account_id": "EU-AS-US",
            "phone": "+442071838794",
            "profile": "US",
            "balance": "900.00",
            "currency": "GBP",
            "due_date": "2026-06-01",
        },
    ],
    "events": [],
}


@pytest.fixture(scope="module")
def texts(run_scenarios):
    return run_scenarios("texts", TEXTS)


def test_a_us_text_in_chinese_is_wholly_chinese_with_the_us_identity(texts):
    [text] = [c["text"] for c in texts.of("US-ZH", "sms")]
    assert text.startswith("示例贷款：") and text.endswith("回复STOP退订。")
    assert "+1 800 555 0100" in text and "400-" not in text
    assert set(re.findall(r"[A-Za-z]+", text)) <= {"App", "STOP", "US"}  # US$: the currency's symbol


def test_a_cn_text_in_english_is_wholly_english_under_the_cn_signature(texts):
    [text] = [c["text"] for c in texts.of("CN-EN", "sms")]
    assert text.startswith("【Example】") and "400-000-0000" in text
    assert not re.search(r"[\u3400-\u9fff]", text)


def test_the_profile_is_the_numbers_unless_set_on_the_account(texts):
    assert texts.accounts["US-DERIVED"]["profile"] == "US"
    assert all(c["text"].endswith("Reply STOP to opt out.") for c in texts.of("US-DERIVED", "sms"))
    assert texts.accounts["EU-AS-US"]["profile"] == "US"  # a mismatch set on the account is honoured
    assert all("Reply STOP" in c["text"] for c in texts.of("EU-AS-US", "sms"))
