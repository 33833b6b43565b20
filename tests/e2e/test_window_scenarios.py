"""Contact windows through the whole stack: local time, DST both ways, zones derived from the phone.

Four short scenarios (sim.scenarios.run_scenario, the same replay as `make scenario`), each three days
around a DST transition, every account due the day before it so that the D+1 reminder falls on the
transition day:

- US spring forward 2026-03-08 and fall back 2026-11-01: New York, Honolulu and Shanghai borrowers with
  and without a `timezone` field, multi-zone +1 numbers without one (+1 907 Alaska: Adak and Anchorage;
  +1 208 Idaho: Boise and Los Angeles), a single-zone Boise borrower to contrast with the Idaho number,
  and a +1 500 personal number (the mapper gives it every NANP zone);
- EU spring forward 2026-03-29 and fall back 2026-10-25: Berlin and London borrowers, and Portuguese,
  Spanish and Icelandic mobiles without a `timezone` (+351: Azores and Lisbon; +34: Canary and Madrid).

The zones a test expects are derived here with phonenumbers, independently of the product. Every
`EXPECTED_REMINDER` instant is the first scheduled run (template.yaml: 10:00 in Shanghai, Berlin,
New York, Los Angeles, Honolulu) inside the borrower's window on local D+1. Each scenario runs once
per module, lazily.
"""

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import phonenumbers
import pytest
from phonenumbers import timezone as phone_timezones

from tests.support import utc

WINDOW = (time(8), time(21))  # CN, US and EU profiles alike (functions/escalation/domain/profiles.py)
CURRENCY = {"US": "USD", "CN": "CNY", "EU": "EUR"}


def account(account_id: str, phone: str, profile: str, due: str, timezone: str | None = None) -> dict[str, Any]:
    raw = {
        "account_id": account_id,
        "phone": phone,
        "profile": profile,
        "balance": "800.00",
        "currency": CURRENCY[profile],
        "due_date": due,
    }
    return raw | ({"timezone": timezone} if timezone else {})


def scenario(name: str, profile: str, due: date, accounts: list[tuple], events: list[dict] | None = None) -> dict[str, Any]:
    """Three days, D-1 to D+1: the pre-due reminder on D-1 (or D-2 local), the overdue reminder on D+1."""
    start = due - timedelta(days=1)
    return {
        "name": name,
        "start_date": start.isoformat(),
        "days": 3,
        "profile": profile,
        "accounts": [account(a[0], a[1], a[2], due.isoformat(), *a[3:]) for a in accounts],
        "events": events or [],
    }


US_SPRING_DUE, US_FALL_DUE = date(2026, 3, 7), date(2026, 10, 31)  # D+1: 2026-03-08, 2026-11-01
EU_SPRING_DUE, EU_FALL_DUE = date(2026, 3, 28), date(2026, 10, 24)  # D+1: 2026-03-29, 2026-10-25
US_ACCOUNTS = [
    ("NY", "+12125550187", "US", "America/New_York"),
    ("HNL", "+18085550111", "US"),  # no timezone: Pacific/Honolulu from +1 808
    ("HNL-TZ", "+18085550112", "US", "Pacific/Honolulu"),
    ("SHA", "+8613800138001", "CN"),  # no timezone: Asia/Shanghai from +86
    ("SHA-TZ", "+8613800138002", "CN", "Asia/Shanghai"),
    ("AK", "+19075550123", "US"),  # America/Adak + America/Anchorage
    ("ID", "+12082234567", "US"),  # America/Boise + America/Los_Angeles
    ("BOISE", "+12082234568", "US", "America/Boise"),  # the same area code with its zone given
]
EU_ACCOUNTS = [
    ("BER", "+4915112345678", "EU", "Europe/Berlin"),
    ("LON", "+447400123456", "EU", "Europe/London"),
    ("PT", "+351912345678", "EU"),  # Atlantic/Azores + Europe/Lisbon
    ("ES", "+34612345678", "EU"),  # Atlantic/Canary + Europe/Madrid
    ("IS", "+3546111234", "EU"),  # Atlantic/Reykjavik, UTC all year
]
# Enrolled at 23:30 EDT on 10-30 (D-2 of its due date 11-01): its pre-due reminder is due on 10-31, its D-1.
LATE_ENROLLED_AT = "2026-10-31T03:30:00Z"
LATE_ENROLLED = {
    "at": LATE_ENROLLED_AT,
    "type": "new_account",
    "account": account("NY-LATE", "+12125550188", "US", "2026-11-01", "America/New_York"),
}
SCENARIOS: dict[str, dict[str, Any]] = {
    "us_spring": scenario("US spring forward 2026-03-08", "US", US_SPRING_DUE, US_ACCOUNTS),
    "us_fall": scenario("US fall back 2026-11-01", "US", US_FALL_DUE, US_ACCOUNTS, [LATE_ENROLLED]),
    "eu_spring": scenario("EU spring forward 2026-03-29", "EU", EU_SPRING_DUE, EU_ACCOUNTS),
    "eu_fall": scenario("EU fall back 2026-10-25", "EU", EU_FALL_DUE, EU_ACCOUNTS),
}
DUE = {"us_spring": US_SPRING_DUE, "us_fall": US_FALL_DUE, "eu_spring": EU_SPRING_DUE, "eu_fall": EU_FALL_DUE}
# INPUTS: every account a scenario enrols, also by a new_account event; LISTED: its `accounts`, all due on its due date.
INPUTS: dict[str, dict[str, dict[str, Any]]] = {
    name: {a["account_id"]: a for a in raw["accounts"]}
    | {e["account"]["account_id"]: e["account"] for e in raw["events"] if e["type"] == "new_account"}
    for name, raw in SCENARIOS.items()
}
LISTED: dict[str, list[str]] = {name: [a["account_id"] for a in raw["accounts"]] for name, raw in SCENARIOS.items()}
STARVED: set[str] = set()  # numbers that could never be reached are refused at enrolment (see the last tests)

# The D+1 reminder: (UTC instant, local wall time in the borrower's zones) — the first run inside the window.
EXPECTED_REMINDER: dict[str, dict[str, str]] = {
    "us_spring": {
        "NY": "2026-03-08T14:00:00Z",  # New York run, 10:00 EDT (the day before it fired at 15:00Z, 10:00 EST)
        "HNL": "2026-03-08T20:00:00Z",  # Honolulu run, 10:00 HST: Los Angeles' run moved to 17:00Z, 07:00 HST
        "HNL-TZ": "2026-03-08T20:00:00Z",
        "SHA": "2026-03-08T02:00:00Z",  # Shanghai run, 10:00 CST on local 03-08 (still 03-07 in Honolulu)
        "SHA-TZ": "2026-03-08T02:00:00Z",
        "AK": "2026-03-08T17:00:00Z",  # Los Angeles run: 08:00 HDT in Adak (its window's first minute), 09:00 AKDT
        "ID": "2026-03-08T17:00:00Z",  # Los Angeles run: 10:00 PDT / 11:00 MDT (at 14:00Z Los Angeles is at 07:00)
        "BOISE": "2026-03-08T14:00:00Z",  # New York run: 08:00 MDT in Boise
    },
    "us_fall": {
        "NY": "2026-11-01T15:00:00Z",  # New York run, 10:00 EST (the day before 14:00Z, 10:00 EDT)
        "HNL": "2026-11-01T18:00:00Z",  # Los Angeles run back at 18:00Z: 08:00 HST, the window's first minute
        "HNL-TZ": "2026-11-01T18:00:00Z",
        "SHA": "2026-11-01T02:00:00Z",
        "SHA-TZ": "2026-11-01T02:00:00Z",
        "AK": "2026-11-01T18:00:00Z",  # 08:00 HST in Adak, 09:00 AKST in Anchorage
        "ID": "2026-11-01T18:00:00Z",  # 10:00 PST / 11:00 MST (at 15:00Z Los Angeles is at 07:00)
        "BOISE": "2026-11-01T15:00:00Z",  # New York run: 08:00 MST in Boise
    },
    "eu_spring": {
        "BER": "2026-03-29T08:00:00Z",  # Europe run, 10:00 CEST (the day before 09:00Z, 10:00 CET)
        "LON": "2026-03-29T08:00:00Z",  # 09:00 BST
        "PT": "2026-03-29T08:00:00Z",  # 08:00 in the Azores (the window's first minute), 09:00 in Lisbon
        "ES": "2026-03-29T08:00:00Z",  # 09:00 in the Canaries, 10:00 in Madrid
        "IS": "2026-03-29T08:00:00Z",  # 08:00 in Reykjavik
    },
    "eu_fall": {
        "BER": "2026-10-25T09:00:00Z",  # Europe run, 10:00 CET
        "LON": "2026-10-25T09:00:00Z",  # 09:00 GMT
        "PT": "2026-10-25T09:00:00Z",  # 08:00 in the Azores, 09:00 in Lisbon
        "ES": "2026-10-25T09:00:00Z",
        "IS": "2026-10-25T09:00:00Z",  # 09:00 in Reykjavik (its window opened at 08:00Z, between runs)
    },
}


def zones_of(raw: dict[str, Any]) -> tuple[str, ...]:
    """The borrower's zones as the compliance rule defines them, derived here independently of the product."""
    if raw.get("timezone"):
        return (raw["timezone"],)
    zones = tuple(z for z in phone_timezones.time_zones_for_number(phonenumbers.parse(raw["phone"])) if z != "Etc/Unknown")
    assert zones, raw
    return zones


def zones_in(name: str, account_id: str) -> tuple[str, ...]:
    return zones_of(INPUTS[name][account_id])


def in_window(instant: datetime, zones: tuple[str, ...]) -> bool:
    return all(WINDOW[0] <= instant.astimezone(ZoneInfo(z)).time() < WINDOW[1] for z in zones)


# ---------------------------------------------------------------------- running them
@pytest.fixture(scope="module")
def runs(run_scenarios):
    return lambda name: run_scenarios(name, SCENARIOS[name])


def reminder_cases(*names: str) -> list[tuple[str, str]]:
    return [(n, a) for n in names for a in EXPECTED_REMINDER[n]]


# ---------------------------------------------------------------------- every contact of every run
@pytest.mark.parametrize("name", list(SCENARIOS))
def test_runs_cleanly_and_every_contact_is_inside_the_window_in_every_zone(runs, name):
    """(a)–(d): nobody is contacted at night, in any zone the borrower may be in."""
    run = runs(name)
    assert run.summary["handler_errors"] == []
    assert run.contacts, "the scenario contacted nobody"
    for c in run.contacts:
        assert c["action"] == "sms", c  # three days: pre-due and D+1 reminders only
        at, zones = utc(c["at"]), zones_in(name, c["account_id"])
        for zone in zones:
            local = at.astimezone(ZoneInfo(zone))
            assert WINDOW[0] <= local.time() < WINDOW[1], f"{c['account_id']} contacted at {local} in {zone}: {c}"


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_local_time_is_the_contact_instant_in_the_borrowers_zone(runs, name):
    """(f): `local_time` is `at` in the borrower's zone — the given one, or (several derived) one of the number's."""
    run = runs(name)
    for c in run.contacts:
        at, local = utc(c["at"]), datetime.fromisoformat(c["local_time"])
        assert local.tzinfo is not None and local == at, c
        zones = zones_in(name, c["account_id"])
        assert any(local.utcoffset() == at.astimezone(ZoneInfo(z)).utcoffset() for z in zones), (zones, c)
        if len(zones) == 1:
            assert local.isoformat() == at.astimezone(ZoneInfo(zones[0])).isoformat(), c


@pytest.mark.parametrize(
    "name",
    # eu_spring: PT (Atlantic/Azores first) is enrolled at 00:00Z, 23:00 on D-2 in the Azores; the 02:00Z run finds
    # it at 01:00 on D-1, outside the window, and puts it off to D: no pre-due reminder (the others get theirs on D-1).
    ["us_spring", "us_fall", "eu_spring", "eu_fall"],
)
def test_every_borrower_gets_its_pre_due_reminder_before_the_due_date(runs, name):
    run = runs(name)
    for account_id in LISTED[name]:
        if account_id in STARVED:
            continue
        pre_due = run.of(account_id, purpose="pre_due")
        assert len(pre_due) == 1, f"{account_id}: {pre_due}"
        assert datetime.fromisoformat(pre_due[0]["local_time"]).date() < DUE[name], pre_due


# ---------------------------------------------------------------------- the D+1 reminder, on the borrower's own D+1
@pytest.mark.parametrize(("name", "account_id"), reminder_cases(*SCENARIOS))
def test_the_d_plus_1_reminder_comes_on_the_local_d_plus_1_at_the_first_run_inside_the_window(runs, name, account_id):
    """(a) New York, (b) Berlin/London, (c) derived zones, (d) multi-zone numbers, across each DST transition."""
    run = runs(name)
    reminders = run.of(account_id, purpose="reminder")
    assert len(reminders) == 1, reminders
    [reminder] = reminders
    at = utc(reminder["at"])
    d_plus_1 = DUE[name] + timedelta(days=1)
    for zone in zones_in(name, account_id):
        assert at.astimezone(ZoneInfo(zone)).date() == d_plus_1, f"{account_id}: reminder on {at.astimezone(ZoneInfo(zone))} in {zone}"
    assert in_window(at, zones_in(name, account_id))
    assert at == utc(EXPECTED_REMINDER[name][account_id]), f"{account_id}: reminder at {reminder['at']} ({reminder['local_time']})"


@pytest.mark.parametrize("name", ["us_spring", "us_fall"])
def test_new_york_keeps_10_local_across_the_transition(runs, name):
    """(a) The New York run is 10:00 local on both sides of the change: the UTC instant moves, the wall clock does not."""
    run = runs(name)
    local_times = {c["purpose"]: datetime.fromisoformat(c["local_time"]) for c in run.of("NY")}
    assert set(local_times) == {"pre_due", "reminder"}
    assert [t.time() for t in local_times.values()] == [time(10), time(10)]
    offsets = {p: t.utcoffset() for p, t in local_times.items()}
    edt, est = timedelta(hours=-4), timedelta(hours=-5)
    assert offsets == ({"pre_due": est, "reminder": edt} if name == "us_spring" else {"pre_due": edt, "reminder": est})


@pytest.mark.parametrize("name", ["eu_spring", "eu_fall"])
def test_berlin_and_london_keep_their_local_hour_across_the_transition(runs, name):
    """(b) Europe's run is 10:00 in Berlin, 09:00 in London, on both sides of the change."""
    run = runs(name)
    for account_id, hour in (("BER", 10), ("LON", 9)):
        contacts = run.of(account_id)
        assert [c["purpose"] for c in contacts] == ["pre_due", "reminder"]
        assert [datetime.fromisoformat(c["local_time"]).time() for c in contacts] == [time(hour), time(hour)]
        before, after = (datetime.fromisoformat(c["local_time"]).utcoffset() for c in contacts)
        assert after - before == (timedelta(hours=1) if name == "eu_spring" else timedelta(hours=-1)), account_id


# ---------------------------------------------------------------------- (c) a missing time zone comes from the phone
@pytest.mark.parametrize("name", ["us_spring", "us_fall"])
def test_a_derived_zone_is_contacted_exactly_like_the_given_one(runs, name):
    """(c) +1 808 without a timezone is treated as Pacific/Honolulu, +86 as Asia/Shanghai: the same contacts, same instants."""
    run = runs(name)
    for derived, given in (("HNL", "HNL-TZ"), ("SHA", "SHA-TZ")):
        assert "timezone" not in INPUTS[name][derived]
        assert [(c["purpose"], c["at"], c["local_time"]) for c in run.of(derived)] == [
            (c["purpose"], c["at"], c["local_time"]) for c in run.of(given)
        ]
    hnl = datetime.fromisoformat(run.of("HNL", purpose="reminder")[0]["local_time"])
    sha = datetime.fromisoformat(run.of("SHA", purpose="reminder")[0]["local_time"])
    assert hnl.utcoffset() == timedelta(hours=-10) and sha.utcoffset() == timedelta(hours=8)


# ---------------------------------------------------------------------- (d) several zones: only hours valid in all
@pytest.mark.parametrize("name", list(SCENARIOS))
def test_multi_zone_numbers_are_contacted_only_when_every_zone_is_open(runs, name):
    run = runs(name)
    multi = [a for a in INPUTS[name] if len(zones_in(name, a)) > 1 and a not in STARVED]
    assert len(multi) == 2, multi  # AK and ID, or PT and ES
    for account_id in multi:
        contacts = run.of(account_id)
        assert "reminder" in {c["purpose"] for c in contacts}, account_id
        for c in contacts:
            assert in_window(utc(c["at"]), zones_in(name, account_id)), (zones_in(name, account_id), c)


@pytest.mark.parametrize("name", ["us_spring", "us_fall"])
def test_the_idaho_number_waits_for_los_angeles_where_a_boise_borrower_does_not(runs, name):
    """(d) At the New York run Boise is open and Los Angeles is not: +1 208 without a timezone must wait for both."""
    run = runs(name)
    boise, idaho = utc(run.of("BOISE", purpose="reminder")[0]["at"]), utc(run.of("ID", purpose="reminder")[0]["at"])
    assert in_window(boise, ("America/Boise",)) and not in_window(boise, ("America/Los_Angeles",))
    assert idaho > boise
    assert boise.astimezone(ZoneInfo("America/Boise")).date() == idaho.astimezone(ZoneInfo("America/Boise")).date()


# ---------------------------------------------------------------------- (e) Hawaii and Shanghai, same due date
@pytest.mark.parametrize("name", ["us_spring", "us_fall"])
def test_hawaii_and_shanghai_both_get_the_reminder_on_their_own_d_plus_1(runs, name):
    run = runs(name)
    d_plus_1 = DUE[name] + timedelta(days=1)
    for hnl_id, sha_id in (("HNL", "SHA"), ("HNL-TZ", "SHA-TZ")):
        assert INPUTS[name][hnl_id]["due_date"] == INPUTS[name][sha_id]["due_date"]
        [hnl] = run.of(hnl_id, purpose="reminder")
        [sha] = run.of(sha_id, purpose="reminder")
        hnl_at, sha_at = utc(hnl["at"]), utc(sha["at"])
        assert hnl_at.astimezone(ZoneInfo("Pacific/Honolulu")).date() == d_plus_1
        assert sha_at.astimezone(ZoneInfo("Asia/Shanghai")).date() == d_plus_1
        # 16 hours or more apart in UTC: Shanghai's D+1 starts the better part of a day before Honolulu's.
        assert hnl_at - sha_at >= timedelta(hours=16), (hnl["at"], sha["at"])
        # Not a day early for Honolulu: when Shanghai got its reminder it was still D in Honolulu.
        assert sha_at.astimezone(ZoneInfo("Pacific/Honolulu")).date() == DUE[name]


# ---------------------------------------------------------------------- starvation
def test_a_number_with_no_common_daytime_needs_its_time_zone(tmp_path):
    """+1 500 (personal), 8xx (toll-free) and other non-geographic +1 numbers fit all 42 NANP zones, Guam to Pago Pago:
    no 08:00-21:00 hour is shared on one local date, so such a borrower could never be contacted. The scenario (like the
    new_account event) is refused naming the timezone field; with the zone given, it is accepted."""
    from sim.scenarios import ScenarioError, validate

    raw = scenario("personal number", "US", US_SPRING_DUE, [("PERSONAL", "+15005550100", "US")])
    with pytest.raises(ScenarioError, match=r"accounts\[0\]\.timezone: required for this number: it fits 42 time zones"):
        validate(raw, "personal.json")
    given = scenario("personal number", "US", US_SPRING_DUE, [("PERSONAL", "+15005550100", "US", "America/Chicago")])
    assert validate(given, "personal.json").accounts[0]["timezone"] == "America/Chicago"


def test_an_account_found_before_its_window_opens_is_contacted_when_it_opens_that_day(runs):
    """NY-LATE is enrolled at 23:30 EDT on 10-30, due 11-01. The Europe run (09:00Z on 10-31) finds it due at 05:00 EDT,
    outside the window, on D-1, the last day of the pre-due reminder; the window opens at 08:00 EDT and the New York run
    at 10:00 EDT (14:00Z) should send it."""
    run = runs("us_fall")
    assert "NY-LATE" in run.accounts
    [pre_due] = run.of("NY-LATE", purpose="pre_due")
    assert pre_due["at"] == "2026-10-31T14:00:00Z" and pre_due["local_time"] == "2026-10-31T10:00:00-04:00"
