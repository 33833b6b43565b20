"""The domain's caches answer exactly what the uncached computation would, key by key.

Each cache is keyed on what fully determines its answer; these pin the keys that could be
mistaken for one another: another day, another zone, another window, another instant that
merely compares equal, another overrides text.
"""

import json
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from escalation.domain.ladder import Context, decide, next_check
from escalation.domain.model import Account, LegalState, SkipReason
from escalation.domain.numbers import ClosedBecause, NumberStatus
from escalation.domain.policy import DEFAULT_LADDER, DEFAULT_POLICY, Policy
from escalation.domain.profiles import profile_for
from escalation.domain.windows import in_window, local_day, window_opens, zones_for

US = profile_for("US")
CN = profile_for("CN")
NY = ("America/New_York",)


def test_window_opening_is_per_day_per_zones_and_per_window():
    early = US.with_overrides(window_start=time(7))
    answers = {
        (d, zones, profile.window_start): window_opens(d, zones, profile)
        for d in (date(2026, 3, 7), date(2026, 3, 8), date(2026, 3, 9))  # across New York's DST change
        for zones in (NY, ("America/Chicago",), ("America/Boise", "America/Los_Angeles"))
        for profile in (US, early)
    }
    for (d, zones, start), opening in answers.items():
        first = datetime.combine(d, start, tzinfo=ZoneInfo(zones[-1])).astimezone(UTC)  # the last zone opens last
        assert opening == first, (d, zones, start)


def test_in_window_tells_apart_the_two_readings_of_an_ambiguous_wall_time():
    # 01:30 happens twice in New York on 2026-11-01: 05:30 UTC (EDT, fold=0) and 06:30 UTC (EST, fold=1).
    # The two datetimes compare and hash equal, so neither may answer for the other.
    dawn = US.with_overrides(window_start=time(6), window_end=time(21))
    first = datetime(2026, 11, 1, 1, 30, tzinfo=ZoneInfo("America/New_York"))
    second = first.replace(fold=1)
    assert first == second
    for _ in range(2):
        assert in_window(first, ("UTC",), dawn) is False
        assert in_window(second, ("UTC",), dawn) is True
        assert in_window(second, ("UTC",), dawn) is True
        assert in_window(first, ("UTC",), dawn) is False


def test_in_window_is_per_instant_zones_and_window():
    noon_utc = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)
    same_instant = noon_utc.astimezone(timezone(timedelta(hours=8)))
    assert in_window(noon_utc, ("Asia/Shanghai",), CN) is True  # 20:00 local
    assert in_window(same_instant, ("Asia/Shanghai",), CN) is True
    assert in_window(noon_utc, ("Asia/Shanghai",), CN.with_overrides(window_end=time(20))) is False
    assert in_window(noon_utc, ("Asia/Tokyo",), CN) is False  # 21:00 local
    assert in_window(noon_utc + timedelta(hours=1), ("Asia/Shanghai",), CN) is False


def test_a_given_time_zone_ignores_the_number_and_a_derived_one_follows_it():
    assert zones_for("+12125550187", "Asia/Shanghai") == ("Asia/Shanghai",)
    assert zones_for("+8613800138000", "Asia/Shanghai") == ("Asia/Shanghai",)
    assert zones_for("+12125550187", None) == ("America/New_York",)
    assert zones_for("+13105550143", None) == ("America/Los_Angeles",)
    with pytest.raises(Exception, match="Mars"):
        zones_for("+12125550187", "Mars/Olympus_Mons")
    with pytest.raises(Exception, match="Mars"):
        zones_for("+12125550187", "Mars/Olympus_Mons")  # a failure is not remembered as an answer


def test_context_today_follows_its_own_clock_and_zones():
    late_utc = datetime(2026, 6, 3, 23, 0, tzinfo=UTC)
    ny = Context(DEFAULT_POLICY, US, NY, late_utc)
    assert ny.today == date(2026, 6, 3) == local_day(late_utc, NY)
    shanghai = replace(ny, zones=("Asia/Shanghai",))
    assert shanghai.today == date(2026, 6, 4)
    assert replace(ny, now=late_utc + timedelta(hours=6)).today == date(2026, 6, 4)
    assert ny.today == date(2026, 6, 3)
    assert ny == Context(DEFAULT_POLICY, US, NY, late_utc)  # the remembered day is not part of equality
    assert "today" not in repr(ny)


CUSTOM = {
    "name": "custom",
    "rules": [
        {"name": "late", "action": "call", "stage": "field", "start": 40, "every": 5},
        {"name": "once", "action": "sms", "stage": "early", "start": 2, "end": 2},
        {"name": "wide", "action": "sms", "stage": "early", "start": -5, "end": 45},
        {"name": "narrow", "action": "call", "stage": "early", "start": 3, "end": 9, "every": 2},
    ],
}


@pytest.mark.parametrize("policy", [DEFAULT_POLICY, Policy.from_dict(CUSTOM), Policy.from_dict(DEFAULT_LADDER)])
def test_rules_in_force_on_each_day_are_those_whose_window_contains_it(policy):
    for day in range(-20, 200):
        expected = tuple(r for r in policy.rules if r.start <= day and (r.end is None or day <= r.end))
        assert policy.rules_on(day) == expected, day


def test_a_policy_without_rules_has_none_in_force():
    assert Policy("empty", (), "empty@0").rules_on(5) == ()


def test_rule_offsets_follow_the_rule():
    for rule in Policy.from_dict(CUSTOM).rules:
        assert rule.start_delta == timedelta(days=rule.start)
        assert rule.end_delta == (None if rule.end is None else timedelta(days=rule.end))
        assert rule.every_delta == (None if rule.every is None else timedelta(days=rule.every))


def test_the_effective_profile_follows_the_account_and_the_overrides_text(monkeypatch):
    from escalation.service.context import profile_of

    card = Account("A", "+12125550187", Decimal("10"), "USD", date(2026, 3, 1), profile="US", product="card")
    auto = replace(card, product="auto-loan")
    monkeypatch.setenv("PROFILE_OVERRIDES", json.dumps({"US/auto-loan": {"sms_per_day": 0}}))
    assert (profile_of(card).sms_per_day, profile_of(auto).sms_per_day) == (1, 0)
    assert profile_of(replace(auto, profile="CN")) == CN
    monkeypatch.setenv("PROFILE_OVERRIDES", json.dumps({"US/auto-loan": {"sms_per_day": 2}}))
    assert (profile_of(card).sms_per_day, profile_of(auto).sms_per_day) == (1, 2)
    monkeypatch.setenv("PROFILE_OVERRIDES", "{}")
    assert profile_of(auto) == US


@pytest.mark.parametrize("policy", [DEFAULT_POLICY, Policy.from_dict(CUSTOM)])
def test_rules_not_ended_on_each_day_are_those_whose_end_is_not_before_it(policy):
    for day in range(-20, 200):
        expected = tuple(r for r in policy.rules if r.end is None or day <= r.end)
        assert policy.rules_not_ended(day) == expected, day


# ---------------------------------------------------------------------- next_check's shortcuts
# `next_check` skips rules that have ended and checks a condition on the account's state before any
# date arithmetic. Whatever it skips, its answer must stay the first day on which `decide` would
# fire a rule (guardrails aside: caps and windows delay an action, they do not make it due).
POLICIES = [DEFAULT_POLICY, Policy.from_dict(CUSTOM)]
# Skips for a channel closed whatever the day: not a day the rule is due.
CLOSED_CHANNEL = {r for r in SkipReason if r.startswith(("opted_out_", "wrong_number_", "failing_number_"))} | {SkipReason.NO_SMS_CONSENT}
HORIZON = 250  # days: beyond the latest day any generated account can first be due


def _first_due_day(account, policy, profile, zones, earliest):
    """Brute force: the first local day >= earliest on which `decide` fires a rule for an open channel."""
    for n in range(HORIZON):
        d = earliest + timedelta(days=n)
        ctx = Context(policy, profile, zones, datetime.combine(d, time(12), tzinfo=ZoneInfo(zones[0])).astimezone(UTC))
        if any(x.reason not in CLOSED_CHANNEL for x in decide(account, ctx) if x.rule != "-"):
            return d
    return None


@settings(max_examples=300, deadline=None, database=None)
@given(data=st.data())
def test_next_check_is_the_first_day_decide_would_fire_a_rule(data):
    draw = data.draw
    policy = draw(st.sampled_from(POLICIES))
    profile = draw(st.sampled_from([CN, US]))
    zones = ("Asia/Shanghai",) if profile is CN else NY
    earliest = date(2026, 4, 15)
    due = earliest - timedelta(days=draw(st.integers(-10, 130)))
    rule_days = st.integers(-5, 130).map(lambda n: due + timedelta(days=n))
    last_fired = draw(st.dictionaries(st.sampled_from([r.name for r in policy.rules]), rule_days, max_size=5))
    account = Account(
        "A",
        "+8613800138000" if profile is CN else "+12125550187",
        draw(st.sampled_from([Decimal("10"), Decimal("5000"), Decimal("100000")])),
        "CNY",
        due,
        profile=profile.code,
        sms_consent=draw(st.booleans()),
        opted_out=draw(st.sampled_from([frozenset(), frozenset({"all"})])),
        number=NumberStatus("+8613800138000").closing(
            tuple(draw(st.sets(st.sampled_from(["sms", "call"])))), draw(st.sampled_from(list(ClosedBecause))), earliest
        ),
        last_fired=last_fired,
        failed_call_attempts=draw(st.integers(0, 4)),
        refusals=draw(st.integers(0, 2)),
        last_reached=draw(st.none() | st.integers(-40, 0).map(lambda n: earliest + timedelta(days=n))),
        visits_attempted=draw(st.integers(0, 1)),
        legal_state=draw(st.sampled_from([None, LegalState.APPROVED, LegalState.REJECTED])),
    )
    now = datetime.combine(earliest - timedelta(days=1), time(3), tzinfo=UTC)
    ctx = Context(policy, profile, zones, now)
    first = _first_due_day(account, policy, profile, zones, earliest)
    assert next_check(account, ctx, earliest) == (None if first is None else max(window_opens(first, zones, profile), now))
