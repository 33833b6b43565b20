"""The ladder as a pure function: which actions `decide` takes for an account at an instant, and `next_check`."""

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from escalation.domain.ladder import Context, decide, next_check
from escalation.domain.model import Account, Action, ContactKey, LegalState, Stage, Status
from escalation.domain.numbers import ClosedBecause, NumberStatus, channels_of
from escalation.domain.policy import DEFAULT_POLICY
from escalation.domain.profiles import profile_for

CN = profile_for("CN")
US = profile_for("US")
SHANGHAI = "Asia/Shanghai"
NEW_YORK = "America/New_York"
CN_DUE = date(2026, 3, 1)
US_DUE = date(2026, 6, 2)


def day(n: int, due: date = CN_DUE) -> date:
    """The local date n days after the due date."""
    return due + timedelta(days=n)


def local(d: date, hour: int = 10, minute: int = 0, zone: str = SHANGHAI) -> datetime:
    """A UTC instant at a local wall-clock time."""
    return datetime.combine(d, time(hour, minute), tzinfo=ZoneInfo(zone)).astimezone(UTC)


def cn_account(**changes) -> Account:
    base = Account(
        account_id="CN-1",
        phone="+8613800138000",
        balance=Decimal("1250.00"),
        currency="CNY",
        due_date=CN_DUE,
        profile="CN",
        timezone=SHANGHAI,
    )
    return base.with_changes(**changes)


def us_account(**changes) -> Account:
    base = Account(
        account_id="US-1",
        phone="+12125550187",
        balance=Decimal("1210.00"),
        currency="USD",
        due_date=US_DUE,
        profile="US",
        timezone=NEW_YORK,
    )
    return base.with_changes(**changes)


def cn_ctx(now: datetime) -> Context:
    return Context(policy=DEFAULT_POLICY, profile=CN, zones=(SHANGHAI,), now=now)


def us_ctx(now: datetime) -> Context:
    return Context(policy=DEFAULT_POLICY, profile=US, zones=(NEW_YORK,), now=now)


def cn_on(n: int, hour: int = 10, minute: int = 0) -> Context:
    return cn_ctx(local(day(n), hour, minute))


def us_on(n: int, hour: int = 10) -> Context:
    return us_ctx(local(day(n, US_DUE), hour, zone=NEW_YORK))


def closed(*channels: str, why: ClosedBecause = ClosedBecause.OPTED_OUT) -> NumberStatus:
    """The suppression record of a number closed for these channels ("all": SMS and calls)."""
    return NumberStatus("+8613800138000").closing(tuple(c for ch in channels for c in channels_of(ch)), why, CN_DUE)


def opted_out(*channels: str) -> dict:
    """What an opt_out event leaves: the account's own record of it, and its number closed."""
    return {"opted_out": frozenset(channels), "number": closed(*channels)}


def fired(due: date = CN_DUE, **rules: int) -> dict[str, date]:
    """last_fired for rules fired on the given days relative to the due date."""
    return {name: due + timedelta(days=n) for name, n in rules.items()}


def actions(decisions) -> list[tuple[Action, str]]:
    return [(d.action, d.rule) for d in decisions if d.action is not None]


def skips(decisions) -> dict[str, str]:
    return {d.rule: d.reason for d in decisions if d.action is None}


# History of an account that went through the early stage as the ladder wants.
EARLY_DONE = {"pre_due": -3, "reminder": 1, "early_call": 3}
# ... and every follow-up up to D+30 (follow_up every 7 from 7, follow_up_call every 3 from 7).
FOLLOW_UPS_TO_30 = {**EARLY_DONE, "follow_up": 28, "follow_up_call": 28}


# ---------------------------------------------------------------------- the ladder, day by day
def test_d_minus_3_sends_the_pre_due_sms():
    decisions = decide(cn_account(), cn_on(-3))
    assert actions(decisions) == [(Action.SMS, "pre_due")]
    assert decisions[0].stage is Stage.PRE_DUE
    assert decisions[0].key == "2026-02-26#sms#pre_due"


def test_pre_due_is_sent_once():
    account = cn_account(last_fired=fired(pre_due=-3))
    for n in (-2, -1, 0):
        assert actions(decide(account, cn_on(n))) == [], n


def test_nothing_on_the_due_date_itself():
    assert actions(decide(cn_account(last_fired=fired(pre_due=-3)), cn_on(0))) == []


def test_pre_due_needs_a_balance():
    account = cn_account(balance=Decimal("0"), fees=Decimal("0"))
    decisions = decide(account, cn_on(-3))
    assert actions(decisions) == []
    assert skips(decisions) == {"-": "nothing_owed"}


def test_d_plus_1_sends_the_reminder():
    decisions = decide(cn_account(last_fired=fired(pre_due=-3)), cn_on(1))
    assert actions(decisions) == [(Action.SMS, "reminder")]
    assert decisions[0].stage is Stage.EARLY


def test_reminder_is_sent_once():
    account = cn_account(last_fired=fired(pre_due=-3, reminder=1))
    assert actions(decide(account, cn_on(2))) == []


def test_d_plus_3_queues_the_early_call():
    decisions = decide(cn_account(last_fired=fired(pre_due=-3, reminder=1)), cn_on(3))
    assert actions(decisions) == [(Action.CALL, "early_call")]
    assert decisions[0].stage is Stage.EARLY


def test_d_plus_7_sends_follow_up_sms_and_queues_follow_up_call():
    decisions = decide(cn_account(last_fired=fired(**EARLY_DONE)), cn_on(7))
    assert set(actions(decisions)) == {(Action.SMS, "follow_up"), (Action.CALL, "follow_up_call")}
    assert len(decisions) == 2
    assert {d.stage for d in decisions} == {Stage.FOLLOW_UP}


@pytest.mark.parametrize("n", range(8, 14))
def test_follow_up_sms_waits_seven_days_after_it_last_fired(n):
    account = cn_account(last_fired=fired(**EARLY_DONE, follow_up=7, follow_up_call=7))
    assert (Action.SMS, "follow_up") not in actions(decide(account, cn_on(n)))


def test_follow_up_sms_fires_again_after_seven_days():
    account = cn_account(last_fired=fired(**EARLY_DONE, follow_up=7, follow_up_call=13))
    assert actions(decide(account, cn_on(14))) == [(Action.SMS, "follow_up")]


def test_follow_up_cadence_counts_from_when_it_last_fired_not_from_the_due_date():
    # Fired late (D+9): next one is D+16, not D+14.
    account = cn_account(last_fired=fired(**EARLY_DONE, follow_up=9, follow_up_call=14))
    assert (Action.SMS, "follow_up") not in actions(decide(account, cn_on(14)))
    assert (Action.SMS, "follow_up") in actions(decide(account, cn_on(16)))


@pytest.mark.parametrize(("n", "expected"), [(8, False), (9, False), (10, True), (12, False), (13, True)])
def test_follow_up_call_every_three_days(n, expected):
    last_call = 7 if n <= 10 else 10
    account = cn_account(last_fired=fired(**EARLY_DONE, follow_up=7, follow_up_call=last_call))
    assert ((Action.CALL, "follow_up_call") in actions(decide(account, cn_on(n)))) is expected


# ---------------------------------------------------------------------- field visits
VISIT_CASES = [
    # (failed attempts, days since last reached or None, refusals, visit expected)
    (3, None, 0, True),
    (5, None, 0, True),
    (2, None, 0, False),
    (0, None, 0, False),
    (3, 13, 0, False),
    (3, 14, 0, True),
    (3, 20, 0, True),
    (0, 1, 2, True),
    (0, None, 1, False),
    (2, 3, 1, False),
]


@pytest.mark.parametrize(("failed", "reached_ago", "refusals", "expected"), VISIT_CASES)
def test_field_visit_only_when_unreachable_or_refusing(failed, reached_ago, refusals, expected):
    account = cn_account(
        balance=Decimal("18800"),
        last_fired=fired(**FOLLOW_UPS_TO_30),
        failed_call_attempts=failed,
        last_reached=None if reached_ago is None else day(30 - reached_ago),
        refusals=refusals,
    )
    decisions = decide(account, cn_on(30))
    assert ((Action.VISIT, "field_visit") in actions(decisions)) is expected
    if expected:
        assert next(d for d in decisions if d.action is Action.VISIT).stage is Stage.FIELD


@pytest.mark.parametrize("n", [29, 15, 7])
def test_no_field_visit_before_d_plus_30(n):
    account = cn_account(last_fired=fired(**EARLY_DONE), failed_call_attempts=9, refusals=3)
    assert Action.VISIT not in {a for a, _ in actions(decide(account, cn_on(n)))}


def test_field_visit_waits_for_its_cadence():
    account = cn_account(last_fired=fired(**FOLLOW_UPS_TO_30, field_visit=30), failed_call_attempts=4)
    assert Action.VISIT not in {a for a, _ in actions(decide(account, cn_on(31)))}


@pytest.mark.parametrize(("failed", "refusals"), [(3, 0), (10, 5), (0, 2)])
def test_us_profile_never_visits(failed, refusals):
    account = us_account(last_fired=fired(US_DUE, **FOLLOW_UPS_TO_30), failed_call_attempts=failed, refusals=refusals)
    for n in (30, 31, 45, 60, 90):
        assert Action.VISIT not in {a for a, _ in actions(decide(account, us_on(n)))}, n


# ---------------------------------------------------------------------- legal review
def _legal_candidate(**changes) -> Account:
    base = {
        "balance": Decimal("18800"),
        "fees": Decimal("320"),
        "last_fired": fired(**EARLY_DONE, follow_up=56, follow_up_call=58, field_visit=30),
        "failed_call_attempts": 4,
        "visits_attempted": 1,
    }
    return cn_account(**(base | changes))


def test_legal_review_at_d_plus_60_after_a_visit():
    decisions = decide(_legal_candidate(), cn_on(60))
    assert (Action.LEGAL_REVIEW, "legal_review") in actions(decisions)
    assert next(d for d in decisions if d.action is Action.LEGAL_REVIEW).stage is Stage.LEGAL


def test_no_legal_review_before_d_plus_60():
    assert Action.LEGAL_REVIEW not in {a for a, _ in actions(decide(_legal_candidate(), cn_on(59)))}


def test_no_legal_review_without_a_visit():
    assert Action.LEGAL_REVIEW not in {a for a, _ in actions(decide(_legal_candidate(visits_attempted=0), cn_on(60)))}


@pytest.mark.parametrize(
    ("balance", "fees", "expected"),
    [("4999.99", "0", False), ("4900", "99.99", False), ("5000", "0", True), ("4900", "100", True)],
)
def test_legal_review_needs_the_threshold_on_the_amount_due(balance, fees, expected):
    assert CN.legal_threshold == Decimal("5000")
    account = _legal_candidate(balance=Decimal(balance), fees=Decimal(fees))
    assert (Action.LEGAL_REVIEW in {a for a, _ in actions(decide(account, cn_on(60)))}) is expected


@pytest.mark.parametrize("state", [LegalState.PENDING, LegalState.APPROVED])
def test_no_second_legal_review_while_one_is_pending_or_approved(state):
    account = _legal_candidate(legal_state=state)
    assert Action.LEGAL_REVIEW not in {a for a, _ in actions(decide(account, cn_on(60)))}


# ---------------------------------------------------------------------- contact window
@pytest.mark.parametrize(("hour", "minute"), [(22, 30), (7, 59), (21, 0), (23, 59), (0, 0), (5, 0)])
def test_outside_the_window_nothing_is_done(hour, minute):
    decisions = decide(cn_account(last_fired=fired(pre_due=-3)), cn_on(1, hour, minute))
    assert actions(decisions) == []
    assert skips(decisions) == {"reminder": "outside_window"}


def test_calls_are_also_held_outside_the_window():
    decisions = decide(cn_account(last_fired=fired(**EARLY_DONE)), cn_on(7, 22, 30))
    assert actions(decisions) == []
    assert skips(decisions) == {"follow_up": "outside_window", "follow_up_call": "outside_window"}


@pytest.mark.parametrize(("hour", "minute"), [(8, 0), (12, 0), (20, 59)])
def test_inside_the_window_the_reminder_goes(hour, minute):
    assert actions(decide(cn_account(last_fired=fired(pre_due=-3)), cn_on(1, hour, minute))) == [(Action.SMS, "reminder")]


def test_the_window_and_the_day_are_the_borrowers_local_ones():
    account = us_account(last_fired=fired(US_DUE, pre_due=-3))
    # 2026-06-04T01:30Z is 21:30 on 2026-06-03 (D+1) in New York: the reminder is due but the window is closed.
    late = decide(account, us_ctx(datetime(2026, 6, 4, 1, 30, tzinfo=UTC)))
    assert skips(late) == {"reminder": "outside_window"}
    assert late[0].local_day == date(2026, 6, 3)
    # 12:00Z is 08:00 EDT: open.
    assert actions(decide(account, us_ctx(datetime(2026, 6, 3, 12, 0, tzinfo=UTC)))) == [(Action.SMS, "reminder")]
    assert skips(decide(account, us_ctx(datetime(2026, 6, 3, 11, 59, tzinfo=UTC)))) == {"reminder": "outside_window"}


# ---------------------------------------------------------------------- opt-outs and consent
def test_sms_opt_out_stops_sms_but_not_calls():
    decisions = decide(cn_account(last_fired=fired(**EARLY_DONE), **opted_out("sms")), cn_on(7))
    assert actions(decisions) == [(Action.CALL, "follow_up_call")]
    assert skips(decisions) == {"follow_up": "opted_out_sms"}


def test_an_sms_opt_out_belongs_to_the_number_not_the_account():
    # Another account on the same number (its own record says nothing) is closed too; the borrower's own
    # account with a new number (an empty record) is open again.
    other = cn_account(account_id="CN-2", last_fired=fired(**EARLY_DONE), number=closed("sms"))
    assert skips(decide(other, cn_on(7))) == {"follow_up": "opted_out_sms"}
    moved = cn_account(last_fired=fired(**EARLY_DONE), opted_out=frozenset({"sms"}), phone="+8613800138111")
    assert (Action.SMS, "follow_up") in actions(decide(moved, cn_on(7)))


def test_no_sms_consent_closes_sms_for_the_account():
    decisions = decide(cn_account(last_fired=fired(**EARLY_DONE), sms_consent=False), cn_on(7))
    assert actions(decisions) == [(Action.CALL, "follow_up_call")]
    assert skips(decisions) == {"follow_up": "no_sms_consent"}


def test_call_opt_out_stops_calls_but_not_sms():
    decisions = decide(cn_account(last_fired=fired(**EARLY_DONE), **opted_out("call")), cn_on(7))
    assert actions(decisions) == [(Action.SMS, "follow_up")]
    assert skips(decisions) == {"follow_up_call": "opted_out_call"}


def test_opt_out_of_all_stops_sms_calls_and_visits():
    account = cn_account(last_fired=fired(**FOLLOW_UPS_TO_30), failed_call_attempts=5, **opted_out("all"))
    for n in (7, 30, 31, 35):
        assert actions(decide(account.with_changes(last_fired=fired(**EARLY_DONE)), cn_on(n))) == [], n


# ---------------------------------------------------------------------- statuses
@pytest.mark.parametrize("status", [Status.HOLD, Status.LEGAL, Status.CLOSED])
@pytest.mark.parametrize("n", [-3, 1, 3, 7, 30, 60])
def test_hold_legal_and_closed_accounts_get_nothing(status, n):
    account = cn_account(status=status, failed_call_attempts=5, visits_attempted=1, balance=Decimal("18800"))
    decisions = decide(account, cn_on(n))
    assert actions(decisions) == []
    assert [d.reason for d in decisions] == [f"status_{status.value}"]


def test_paid_account_gets_exactly_one_confirmation():
    account = cn_account(status=Status.PAID, balance=Decimal("0"), confirmation_due=True, last_fired=fired(**EARLY_DONE))
    decisions = decide(account, cn_on(7))
    assert actions(decisions) == [(Action.SMS, "confirmation")]


def test_paid_account_without_confirmation_due_gets_nothing():
    account = cn_account(status=Status.PAID, balance=Decimal("0"), last_fired=fired(**EARLY_DONE))
    for n in (7, 10, 30, 60):
        assert decide(account, cn_on(n)) == []


def test_confirmation_respects_the_window():
    account = cn_account(status=Status.PAID, balance=Decimal("0"), confirmation_due=True)
    assert skips(decide(account, cn_on(7, 22, 0))) == {"confirmation": "outside_window"}


# ---------------------------------------------------------------------- promises
PROMISED = date(2026, 3, 15)


def _promised(**changes) -> Account:
    base = {
        "status": Status.PROMISE,
        "promised_date": PROMISED,
        "promised_amount": Decimal("1250"),
        # Every follow-up rule is due on one of the days below if the promise did not hold it.
        "last_fired": fired(**EARLY_DONE, follow_up=7, follow_up_call=10),
    }
    return cn_account(**(base | changes))


def test_promise_reminder_the_day_before_the_promised_date_and_nothing_else():
    decisions = decide(_promised(), cn_ctx(local(PROMISED - timedelta(days=1))))
    assert actions(decisions) == [(Action.SMS, "promise_reminder")]
    assert len(decisions) == 1


@pytest.mark.parametrize("d", [date(2026, 3, 5), date(2026, 3, 13), PROMISED])
def test_promise_in_force_pauses_collection_contacts(d):
    decisions = decide(_promised(), cn_ctx(local(d)))
    assert actions(decisions) == []
    assert [x.reason for x in decisions] == ["promise_in_force"]


def test_promise_reminder_is_sent_once():
    reminder_day = PROMISED - timedelta(days=1)
    account = _promised(last_fired=fired(**EARLY_DONE, follow_up=7, follow_up_call=10) | {"promise_reminder": reminder_day})
    assert actions(decide(account, cn_ctx(local(reminder_day, 15)))) == []


def test_broken_promise_resumes_the_ladder_the_day_after_the_promised_date():
    decisions = decide(_promised(), cn_ctx(local(PROMISED + timedelta(days=1))))
    assert {rule for _, rule in actions(decisions)} == {"follow_up", "follow_up_call"}


def test_promise_blocks_the_early_call():
    account = cn_account(status=Status.PROMISE, promised_date=date(2026, 3, 10), last_fired=fired(pre_due=-3, reminder=1))
    assert actions(decide(account, cn_on(3))) == []


# ---------------------------------------------------------------------- frequency caps
def _recent(action: Action, *days: date) -> tuple[ContactKey, ...]:
    """Contacts recorded on those days, each by another rule (two on one day are two contacts)."""
    return tuple(ContactKey(d, action, f"rule{i}") for i, d in enumerate(days))


def _dials(*days: date) -> dict[date, int]:
    """Dial attempts agents reported on those days (a day listed twice had two)."""
    counts: dict[date, int] = {}
    for d in days:
        counts[d] = counts.get(d, 0) + 1
    return counts


US_FOLLOW_UP_DUE = fired(US_DUE, **EARLY_DONE)  # follow_up and follow_up_call due at D+7


def test_us_sms_weekly_cap_after_three_sms_in_seven_days():
    today = day(7, US_DUE)
    recent = _recent(Action.SMS, today - timedelta(days=6), today - timedelta(days=4), today - timedelta(days=2))
    decisions = decide(us_account(last_fired=US_FOLLOW_UP_DUE, recent=recent), us_on(7))
    assert skips(decisions)["follow_up"] == "sms_weekly_cap"
    assert (Action.SMS, "follow_up") not in actions(decisions)


def test_us_sms_weekly_cap_is_a_rolling_seven_days():
    today = day(7, US_DUE)
    recent = _recent(Action.SMS, today - timedelta(days=7), today - timedelta(days=4), today - timedelta(days=2))
    assert (Action.SMS, "follow_up") in actions(decide(us_account(last_fired=US_FOLLOW_UP_DUE, recent=recent), us_on(7)))


def test_us_sms_daily_cap_is_one():
    today = day(7, US_DUE)
    decisions = decide(us_account(last_fired=US_FOLLOW_UP_DUE, recent=_recent(Action.SMS, today)), us_on(7, 15))
    assert skips(decisions)["follow_up"] == "sms_daily_cap"


@pytest.mark.parametrize("ago", range(0, 7))
def test_us_no_call_within_seven_days_of_a_conversation(ago):
    account = us_account(last_fired=US_FOLLOW_UP_DUE, last_reached=day(7 - ago, US_DUE))
    decisions = decide(account, us_on(7))
    assert skips(decisions)["follow_up_call"] == "post_conversation_pause"
    assert (Action.SMS, "follow_up") in actions(decisions)


def test_us_call_allowed_on_the_eighth_day_after_a_conversation():
    account = us_account(last_fired=US_FOLLOW_UP_DUE, last_reached=day(0, US_DUE))
    assert (Action.CALL, "follow_up_call") in actions(decide(account, us_on(7)))


def test_us_at_most_seven_calls_in_seven_days():
    today = day(7, US_DUE)
    calls = [today - timedelta(days=k) for k in (6, 5, 5, 4, 3, 2, 1)]
    decisions = decide(us_account(last_fired=US_FOLLOW_UP_DUE, dials=_dials(*calls)), us_on(7))
    assert skips(decisions)["follow_up_call"] == "calls_7_in_7"


def test_us_calls_older_than_seven_days_do_not_count():
    today = day(7, US_DUE)
    calls = [today - timedelta(days=k) for k in (7, 6, 5, 4, 3, 2, 1)]
    decisions = decide(us_account(last_fired=US_FOLLOW_UP_DUE, dials=_dials(*calls)), us_on(7))
    assert (Action.CALL, "follow_up_call") in actions(decisions)


def test_cn_sms_daily_cap_is_two():
    account = cn_account(last_fired=fired(**EARLY_DONE))
    today = day(7)
    one = decide(account.with_changes(recent=_recent(Action.SMS, today)), cn_on(7))
    assert (Action.SMS, "follow_up") in actions(one)
    two = decide(account.with_changes(recent=_recent(Action.SMS, today, today)), cn_on(7))
    assert skips(two)["follow_up"] == "sms_daily_cap"
    assert (Action.CALL, "follow_up_call") in actions(two)


def test_cn_has_no_sms_weekly_cap():
    today = day(7)
    recent = _recent(Action.SMS, *(today - timedelta(days=k) for k in range(1, 7)))
    assert (Action.SMS, "follow_up") in actions(decide(cn_account(last_fired=fired(**EARLY_DONE), recent=recent), cn_on(7)))


def test_cn_call_attempts_per_day_cap():
    today = day(7)
    account = cn_account(last_fired=fired(**EARLY_DONE), dials=_dials(*[today] * 6))
    assert skips(decide(account, cn_on(7)))["follow_up_call"] == "call_daily_cap"


def test_cn_has_no_post_conversation_pause():
    account = cn_account(last_fired=fired(**EARLY_DONE), last_reached=day(6))
    assert (Action.CALL, "follow_up_call") in actions(decide(account, cn_on(7)))


# ---------------------------------------------------------------------- next_check
def test_next_check_after_pre_due_is_the_reminder_window_opening():
    account = cn_account(last_fired=fired(pre_due=-3))
    # D+1 = 2026-03-02, 08:00 in Shanghai = 00:00Z.
    assert next_check(account, cn_on(-3), day(-2)) == datetime(2026, 3, 2, 0, 0, tzinfo=UTC)


def test_next_check_after_d_plus_7_is_the_next_follow_up_call():
    account = cn_account(last_fired=fired(**EARLY_DONE, follow_up=7, follow_up_call=7))
    # D+10 = 2026-03-11, 08:00 in Shanghai = 00:00Z.
    assert next_check(account, cn_on(7), day(8)) == datetime(2026, 3, 11, 0, 0, tzinfo=UTC)


def test_next_check_opens_at_eight_local_in_new_york_summer_time():
    account = us_account(last_fired=fired(US_DUE, pre_due=-1))
    assert next_check(account, us_on(-1), day(0, US_DUE)) == datetime(2026, 6, 3, 12, 0, tzinfo=UTC)


def test_next_check_today_when_the_window_is_already_open_is_now():
    ctx = cn_on(1, 14)
    assert next_check(cn_account(last_fired=fired(pre_due=-3)), ctx, day(1)) == ctx.now


def test_next_check_before_the_due_date_is_the_pre_due_day():
    ctx = cn_ctx(local(date(2026, 2, 1)))
    assert next_check(cn_account(), ctx, date(2026, 2, 2)) == datetime(2026, 2, 26, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize("status", [Status.HOLD, Status.LEGAL, Status.CLOSED])
def test_next_check_is_none_for_no_contact_statuses(status):
    assert next_check(cn_account(status=status), cn_on(7), day(8)) is None


def test_next_check_for_paid_accounts():
    paid = cn_account(status=Status.PAID, balance=Decimal("0"))
    assert next_check(paid, cn_on(7), day(8)) is None
    assert next_check(paid.with_changes(confirmation_due=True), cn_on(7), day(8)) == local(day(8), 8)


def test_next_check_for_a_promise_is_the_reminder_then_the_day_after():
    account = _promised()
    assert next_check(account, cn_on(4), day(5)) == local(PROMISED - timedelta(days=1), 8)
    reminded = account.with_changes(last_fired=account.last_fired | {"promise_reminder": PROMISED - timedelta(days=1)})
    assert next_check(reminded, cn_on(13), day(14)) == local(PROMISED + timedelta(days=1), 8)


def test_next_check_schedules_the_reminder_of_a_second_promise():
    second = date(2026, 4, 15)
    account = _promised(promised_date=second, last_fired=fired(**EARLY_DONE, follow_up=28, promise_reminder=13))
    ctx = cn_ctx(local(date(2026, 4, 1)))
    assert actions(decide(account, cn_ctx(local(second - timedelta(days=1))))) == [(Action.SMS, "promise_reminder")]
    assert next_check(account, ctx, date(2026, 4, 2)) == local(second - timedelta(days=1), 8)


def test_next_check_finds_the_day_a_borrower_becomes_unreachable():
    account = cn_account(
        balance=Decimal("18800"),
        failed_call_attempts=3,
        last_reached=day(19),
        last_fired=fired(**EARLY_DONE, follow_up=28, follow_up_call=31),
    )
    assert actions(decide(account, cn_on(33))) == [(Action.VISIT, "field_visit")]
    assert next_check(account, cn_on(31), day(32)) == local(day(33), 8)


def test_next_check_drops_a_paid_account_whose_sms_channel_is_closed():
    paid = cn_account(status=Status.PAID, balance=Decimal("0"), confirmation_due=True, **opted_out("sms"))
    assert actions(decide(paid, cn_on(8))) == []
    assert next_check(paid, cn_on(7), day(8)) is None


# Property: without new events, the due index never misses a day on which the ladder would act.
_RULES = ("pre_due", "reminder", "early_call", "follow_up", "follow_up_call", "field_visit", "legal_review")


@settings(max_examples=150, deadline=None, database=None)
@given(
    fired_days=st.dictionaries(st.sampled_from(_RULES), st.integers(-3, 60), max_size=7),
    failed=st.integers(0, 5),
    refusals=st.integers(0, 3),
    visits=st.integers(0, 2),
    balance=st.sampled_from(["0.01", "1250", "18800"]),
    opted_out_of=st.sets(st.sampled_from(["sms", "call"])),
    earliest=st.integers(-10, 70),
    profile=st.sampled_from(["CN", "US"]),
)
def test_next_check_is_never_later_than_the_next_action(fired_days, failed, refusals, visits, balance, opted_out_of, earliest, profile):
    zone = SHANGHAI if profile == "CN" else NEW_YORK
    make = cn_account if profile == "CN" else us_account
    due = CN_DUE if profile == "CN" else US_DUE
    fired_days = {k: v for k, v in fired_days.items() if v < earliest}
    account = make(
        balance=Decimal(balance),
        last_fired=fired(due, **fired_days),
        failed_call_attempts=failed,
        refusals=refusals,
        visits_attempted=visits,
        **opted_out(*opted_out_of),
    )
    first = day(earliest, due)
    ctx = Context(DEFAULT_POLICY, profile_for(profile), (zone,), local(first - timedelta(days=1), 10, zone=zone))
    scheduled = next_check(account, ctx, first)
    for offset in range(0, 75):
        d = first + timedelta(days=offset)
        now = local(d, 8, zone=zone)
        if actions(decide(account, Context(DEFAULT_POLICY, profile_for(profile), (zone,), now))):
            assert scheduled is not None
            assert scheduled <= now
            return
