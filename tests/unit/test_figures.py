"""The daily figures per strategy and arm (escalation.domain.figures): a small book written out by hand, every
figure worked out in the comments, then asserted exactly. No AWS, no files but the rates loader's."""

import json
from datetime import date
from decimal import Decimal

import pytest

from escalation.domain.figures import RATE_NAMES, Rates, RatesError, compute_figures, figures_table, load_rates, rates_from

FIRST, LAST = date(2026, 3, 1), date(2026, 4, 29)  # 60 days observed

# Round numbers so that the arithmetic below stays checkable by hand: a dial attempt costs 3 min × $20/h = $1,
# a visit 2 h × $10/h = $20, an account-day $0.01; an SMS part to the US $0.01, to China $0.05 (no GB price).
RATES = Rates(
    minutes_per_dial_attempt=Decimal(3),
    agent_cost_per_hour_usd=Decimal(20),
    hours_per_field_visit=Decimal(2),
    field_cost_per_hour_usd=Decimal(10),
    aws_cost_per_account_day_usd=Decimal("0.01"),
    sms_usd_per_part={"US": Decimal("0.01"), "CN": Decimal("0.05")},
)

CHAMPION = {"policy": "ladder-a", "policy_version": "ladder-a@1", "arm": "champion"}
CHALLENGER = {"policy": "ladder-a", "policy_version": "ladder-a@1", "arm": "challenger"}


def account(account_id, currency, status, due_date=None, **more):
    record = {"account_id": account_id, "currency": currency, "status": status, "kept_promises": 0, "broken_promises": 0}
    return record | ({"due_date": due_date} if due_date else {}) | more


def contact(account_id, action, at, **more):
    return {"account_id": account_id, "action": action, "at": at} | more


def event(account_id, kind, at, note="applied", **more):
    return {"at": at, "account_id": account_id, "type": kind, "note": note} | more


ACCOUNTS = [
    # A1: due 28 Feb, so it enters on 1 Mar (the book's first day); paid in full on 10 Mar.
    account("A1", "USD", "paid", "2026-02-28", kept_promises=1, kept_plans=1, **CHAMPION),
    # A2: due 30 Jan, already 30 days past due on 1 Mar, so it enters on 1 Mar; never pays.
    account("A2", "USD", "legal", "2026-01-30", broken_promises=2, broken_plans=1, **CHAMPION),
    # A3: due 20 Mar, enters 21 Mar; pays in full at 17:00 UTC on 19 Apr = 01:00 on 20 Apr in Shanghai.
    account("A3", "CNY", "paid", "2026-03-20", timezone="Asia/Shanghai", kept_promises=1, **CHALLENGER),
    # A4: due 1 Apr, enrolled by a new_account event on 10 Apr (in the book from then); pays 100.00 of it.
    account("A4", "CNY", "active", "2026-04-01", **CHALLENGER),
    # A5: no policy on the record: its contact's policy_version says ladder-b; it pays before its due date.
    account("A5", "USD", "paid", "2026-03-05"),
    # A6: no policy, no contacts, no due date: default-ladder/-, in no cohort.
    account("A6", "USD", "active"),
]

CONTACTS = [
    contact("A1", "sms", "2026-03-02T15:00:00Z", to="+12025550101", text="Hi", **CHAMPION),  # 1 part, counted from the text
    contact("A1", "sms", "2026-03-03T15:00:00Z", to="+12025550101", text="Hi", parts=2, **CHAMPION),  # 2 parts, as recorded
    contact("A2", "sms", "2026-03-02T15:00:00Z", to="+12025550102", text="x" * 161, **CHAMPION),  # 2 GSM-7 parts
    *(contact("A2", "call", f"2026-03-0{d}T15:00:00Z", to="+12025550102", **CHAMPION) for d in (4, 5, 6)),
    contact("A2", "visit", "2026-03-20T15:00:00Z", **CHAMPION),
    contact("A2", "legal_review", "2026-04-01T15:00:00Z", **CHAMPION),
    contact("A3", "sms", "2026-03-21T02:00:00Z", to="+8613800138003", text="【示例金融】您好", **CHALLENGER),  # 1 UCS-2 part, CN
    contact("A4", "sms", "2026-04-11T02:00:00Z", local_time="2026-04-11T10:00:00+08:00", to="+447700900123", text="Hi", **CHALLENGER),
    contact("A5", "sms", "2026-03-02T15:00:00Z", to="+12025550105", text="Hello", policy_version="ladder-b@abc"),
]

EVENTS = [
    event("A1", "call_outcome", "2026-03-04T15:00:00Z", outcome="reached"),
    event("A1", "promise_to_pay", "2026-03-04T15:05:00Z", effect="promise to pay by 2026-03-10; contacts paused through 2026-03-10"),
    event("A1", "payment", "2026-03-10T12:00:00Z", amount="120.00", effect="paid in full (120.00); the promise to pay is kept"),
    event("A2", "call_outcome", "2026-03-04T15:00:00Z", effect="call: no_answer"),
    event("A2", "call_outcome", "2026-03-05T15:00:00Z", effect="call: wrong_number; the number is closed for SMS and calls"),
    event("A2", "call_outcome", "2026-03-06T15:00:00Z", effect="call refused"),
    event("A2", "visit_outcome", "2026-03-21T03:00:00Z", effect="visit: met"),
    event("A2", "promise_to_pay", "2026-04-02T03:00:00Z", effect="promise ignored: account is legal"),
    event("A3", "call_outcome", "2026-03-22T02:00:00Z", effect="call reached the borrower"),
    event("A3", "promise_to_pay", "2026-03-22T02:05:00Z", effect="promise to pay by 2026-04-20; contacts paused through 2026-04-20"),
    event("A3", "payment", "2026-04-19T17:00:00Z", effect="paid in full (800.00); the promise to pay is kept"),
    event("A4", "new_account", "2026-04-09T17:00:00Z"),  # 10 Apr in the +08:00 of its contacts
    event("A4", "payment", "2026-04-20T02:00:00Z", amount="100.00", effect="partial payment 100.00"),
    event("A5", "payment", "2026-03-03T10:00:00Z", amount="50.00"),  # no effect: a paid account's last payment
    event("A5", "payment", "2026-03-04T10:00:00Z", note="rejected: account_id: unknown", amount="999.00"),  # not counted
]


def figures(**kwargs):
    return compute_figures(CONTACTS, EVENTS, ACCOUNTS, FIRST, LAST, rates=RATES, **kwargs)


def test_groups_by_policy_and_arm_with_the_fallbacks():
    groups = figures()
    assert list(groups) == ["default-ladder/-", "ladder-a/challenger", "ladder-a/champion", "ladder-b/-"]
    assert {key: (g["policy"], g["arm"], g["accounts"]) for key, g in groups.items()} == {
        "default-ladder/-": ("default-ladder", "-", 1),  # A6: nothing names a policy
        "ladder-a/challenger": ("ladder-a", "challenger", 2),
        "ladder-a/champion": ("ladder-a", "champion", 2),
        "ladder-b/-": ("ladder-b", "-", 1),  # A5: from its contact's policy_version, arm "-"
    }
    json.dumps(groups)  # JSON-ready as it is


def test_champion_every_figure_by_hand():
    assert figures()["ladder-a/champion"] == {
        "policy": "ladder-a",
        "arm": "champion",
        "accounts": 2,
        "contacts": {"sms": 3, "call": 3, "visit": 1, "legal_review": 1, "legal_referral": 0},
        "sms_parts": 5,  # 1 (counted from "Hi") + 2 (recorded) + 2 (161 GSM-7 characters)
        "sms_parts_priced_as_us": 0,  # all to US numbers
        "dial_attempts": 4,  # A1 reached; A2 no_answer, wrong_number, refused
        "visits_made": 1,
        "conversations": 3,  # A1 reached, A2 refused (calls); A2 met (visit); wrong_number is someone else
        "phone_conversations": 2,
        "right_party_contact_rate": 0.5,  # 2 / 4
        "promises": 1,  # A2's was ignored by the account
        "promise_to_pay_rate": 0.3333,  # 1 / 3
        "promises_kept": 1,  # the records' counters: A1 1 kept, A2 2 broken
        "promises_broken": 2,
        "promise_kept_rate": 0.3333,  # 1 / (1 + 2)
        # Both enter on 1 Mar. 30 days: 1-30 Mar; 60: 1 Mar-29 Apr (= the last day, matured); 90: not matured.
        "cure_rate_30": 0.5,  # A1 paid on 10 Mar; A2 never
        "cure_rate_60": 0.5,
        "cure_rate_90": None,
        "cure_cohorts": {"30": 2, "60": 2, "90": 0},
        "undated_accounts": 0,
        "roll_rates": {
            # A1 is in 1-30 from 1 Mar (DPD 1), 31-60 starts 31 Mar: paid by then. A2 is at DPD 30 on 1 Mar,
            # DPD 31 on 2 Mar: unpaid.
            "1-30": {"observed": 2, "rolled": 1, "rate": 0.5},
            # A2 only (A1 was paid before 31-60): DPD 61 on 1 Apr, unpaid.
            "31-60": {"observed": 1, "rolled": 1, "rate": 1.0},
            # A2 reaches DPD 91 on 1 May, after the book: not observed long enough.
            "61-90": {"observed": 0, "rolled": 0, "rate": None},
        },
        "paid_accounts": 1,
        "paid_share": 0.5,
        "plans_kept": 1,  # kept_plans / broken_plans from the records
        "plans_broken": 1,
        "plan_kept_rate": 0.5,
        "recovered": {"USD": "120.00"},
        # sms 5 parts × $0.01; agent 4 attempts × $1; field 1 visit × $20; aws 2 accounts × 60 days × $0.01 = $1.20.
        "cost_usd": {"sms": "0.05", "agent": "4.00", "field": "20.00", "aws": "1.20", "total": "25.25"},
        "cost_per_unit_recovered": {"USD": "0.2104"},  # 25.25 / 120 = 0.21041...
    }


def test_challenger_local_dates_new_accounts_and_sms_prices_by_country():
    g = figures()["ladder-a/challenger"]
    assert g["contacts"]["sms"] == 2
    # A3's text goes to China (1 part × $0.05); A4's to the UK, which has no price: the US one (1 part × $0.01).
    assert (g["sms_parts"], g["sms_parts_priced_as_us"], g["cost_usd"]["sms"]) == (2, 1, "0.06")
    assert (g["dial_attempts"], g["conversations"], g["right_party_contact_rate"]) == (1, 1, 1.0)
    assert (g["promises"], g["promise_to_pay_rate"], g["promise_kept_rate"]) == (1, 1.0, 1.0)
    # A3 enters 21 Mar; its 30 days end 19 Apr; it paid on 20 Apr, Shanghai time (19 Apr in UTC): not cured.
    # A4's 30 days (from 10 Apr, enrolled after its due date) end 9 May, after the book: not in the cohort.
    assert (g["cure_rate_30"], g["cure_cohorts"]) == (0.0, {"30": 1, "60": 0, "90": 0})
    # A3 was unpaid when it entered 31-60 on 20 Apr (paid later that day); A4 reaches 31-60 on 2 May.
    assert g["roll_rates"]["1-30"] == {"observed": 1, "rolled": 1, "rate": 1.0}
    assert g["recovered"] == {"CNY": "900.00"}  # 800.00 read from the effect + 100.00 from the amount
    assert (g["plans_kept"], g["plans_broken"], g["plan_kept_rate"]) == (0, 0, None)  # the records have no plan counters
    # agent 1 × $1; aws (A3 60 days + A4 10-29 Apr = 20 days) × $0.01 = $0.80; total 0.06 + 1 + 0.80 = 1.86.
    assert g["cost_usd"] == {"sms": "0.06", "agent": "1.00", "field": "0.00", "aws": "0.80", "total": "1.86"}
    assert g["cost_per_unit_recovered"] == {"CNY": "0.0021"}  # 1.86 / 900 = 0.002066...


def test_zero_denominators_are_none():
    b = figures()["ladder-b/-"]  # A5: one text, no calls, paid before it was ever overdue
    assert [b[k] for k in ("right_party_contact_rate", "promise_to_pay_rate", "promise_kept_rate", "plan_kept_rate")] == [None] * 4
    assert [b[f"cure_rate_{n}"] for n in (30, 60, 90)] == [None] * 3  # paid on 3 Mar, before entering on 6 Mar
    assert all(roll["rate"] is None for roll in b["roll_rates"].values())
    assert (b["recovered"], b["paid_share"]) == ({"USD": "50.00"}, 1.0)  # the rejected 999.00 is not counted
    d = figures()["default-ladder/-"]  # A6: nothing happened, and nothing was recovered
    assert (d["undated_accounts"], d["recovered"], d["cost_per_unit_recovered"]) == (1, {"USD": "0"}, {"USD": None})
    assert d["cost_usd"]["total"] == "0.60"  # 60 account-days
    assert compute_figures([], [], [], FIRST, LAST, rates=RATES) == {}


def test_cure_rates_count_only_matured_cohorts():
    # One account entering on 1 Mar, paid on 25 Apr (day 56). The book ending on 30 Mar matures only the 30-day
    # window; ending on 29 Apr, the 60-day one too; ending on 29 May, all three.
    book = [account("C", "USD", "paid", "2026-02-28")]
    paid = [event("C", "payment", "2026-04-25T12:00:00Z", effect="paid in full (10.00)")]

    def cures(last):
        g = compute_figures([], paid, book, FIRST, last, rates=RATES)["default-ladder/-"]
        return [g["cure_rate_30"], g["cure_rate_60"], g["cure_rate_90"]], g["cure_cohorts"]

    assert cures(date(2026, 3, 30)) == ([0.0, None, None], {"30": 1, "60": 0, "90": 0})
    assert cures(date(2026, 3, 29)) == ([None, None, None], {"30": 0, "60": 0, "90": 0})  # 30 days not yet over
    assert cures(date(2026, 4, 29)) == ([0.0, 1.0, None], {"30": 1, "60": 1, "90": 0})
    assert cures(date(2026, 5, 29)) == ([0.0, 1.0, 1.0], {"30": 1, "60": 1, "90": 1})


def test_roll_rates_follow_each_bucket_into_the_next():
    # Due 31 Dec: on 1 Mar it is 60 days past due (31-60), enters 61-90 on 2 Mar, 91+ on 1 Apr; paid on 15 Mar.
    # Not seen in 1-30 at all; rolled from 31-60 (unpaid on 2 Mar); not from 61-90 (paid before 1 Apr).
    book = [account("R", "USD", "paid", "2025-12-31")]
    paid = [event("R", "payment", "2026-03-15T12:00:00Z", effect="paid in full (10.00)")]
    rolls = compute_figures([], paid, book, FIRST, LAST, rates=RATES)["default-ladder/-"]["roll_rates"]
    assert rolls == {
        "1-30": {"observed": 0, "rolled": 0, "rate": None},
        "31-60": {"observed": 1, "rolled": 1, "rate": 1.0},
        "61-90": {"observed": 1, "rolled": 0, "rate": 0.0},
    }


def test_overrides_replace_rates_and_refuse_unknown_names():
    g = figures(overrides={"aws_cost_per_account_day_usd": 0, "agent_cost_per_hour_usd": "40"})["ladder-a/champion"]
    assert (g["cost_usd"]["aws"], g["cost_usd"]["agent"]) == ("0.00", "8.00")
    with pytest.raises(RatesError, match=r"^minutes_per_dial: unknown rate"):
        figures(overrides={"minutes_per_dial": 2})
    with pytest.raises(RatesError, match=r"^hours_per_field_visit: expected a number >= 0"):
        figures(overrides={"hours_per_field_visit": -1})


def test_the_rates_file_loads_with_the_sms_price_of_prices_json():
    rates = load_rates()
    assert rates.sms_usd_per_part == {"US": Decimal("0.00881")}  # base 0.00581 + carrier fee 0.003 per part
    assert all(getattr(rates, name) > 0 for name in RATE_NAMES)


def _entries():
    return {name: {"value": 1, "unit": "u", "source": "why"} for name in RATE_NAMES}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda e: e.update(agent_hourly_usd={"value": 1, "source": "x"}), "^agent_hourly_usd: unknown rate"),
        (lambda e: e.pop("field_cost_per_hour_usd"), "^field_cost_per_hour_usd: missing rate"),
        (lambda e: e["aws_cost_per_account_day_usd"].pop("source"), "^aws_cost_per_account_day_usd: missing source"),
        (lambda e: e["minutes_per_dial_attempt"].update(value="three"), "^minutes_per_dial_attempt: expected a number"),
        (lambda e: e["hours_per_field_visit"].update(value=True), "^hours_per_field_visit: expected a number"),
    ],
)
def test_the_rates_file_is_refused_naming_the_rate(change, message):
    entries = _entries()
    change(entries)
    with pytest.raises(RatesError, match=message):
        rates_from(entries, {"US": Decimal("0.01")})


def test_sms_prices_need_a_us_fallback():
    with pytest.raises(RatesError, match=r"^sms_usd_per_part: expected prices by country, the US one included"):
        rates_from(_entries(), {"CN": Decimal("0.05")})


def test_the_table_has_a_column_per_group_and_a_row_per_figure():
    table = figures_table(figures()).splitlines()
    assert table[0].split() == ["default-ladder/-", "ladder-a/challenger", "ladder-a/champion", "ladder-b/-"]
    assert len({len(line) for line in table}) == 1  # fixed width: every column right-aligned under its group
    rows = {" ".join(line.split()) for line in table[1:]}
    assert "right_party_contact_rate - 100.0% 50.0% -" in rows  # None is "-"
    assert "roll_rates 1-30 - 0/0 100.0% 1/1 50.0% 1/2 - 0/0" in rows  # rate, rolled/observed
    assert "recovered CNY - 900.00 - -" in rows  # a currency a group does not have: "-"
    assert "cost_usd total 0.60 1.86 25.25 0.61" in rows
