"""The daily-run schedules of template.yaml reach every borrower inside their contact window, every day.

The compliance guarantee: contact windows are in the borrower's local time; a missing time zone is
derived from the phone number, and when several zones fit only the hours valid in all of them count.
Nobody is contacted at night and nobody is starved. The schedules (EventBridge Scheduler, ScheduleV2
events of DailyRunStateMachine) are read from template.yaml, expanded for every day of 2026 and 2027
(every DST transition both ways, in every zone), and checked against:

- every IANA zone phonenumbers' time-zone mapper returns for numbers of the countries the profiles
  serve (CN +86; US/CA +1 with the US territories, the NANP country-level list included, which is what
  a +1 number the mapper cannot place gets; EU/EEA member states, their outermost regions with their own
  calling codes, GB, CH): on every local day some run falls inside 08:00–21:00 local;
- every multi-zone answer of the mapper (each with a real number that gets it): on every local day some
  run falls inside the window in all of its zones, at or after the account's due-index instant
  (`window_opens`), so the run that is due also may contact.

Starved zones or zone sets are marked xfail (strict) with the detail of when the window is open and
when the runs fire.
"""

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import phonenumbers
import pytest
from phonenumbers import PhoneMetadata
from phonenumbers import timezone as phone_timezones
from phonenumbers.tzdata import TIMEZONE_DATA

from escalation.domain.profiles import Profile, profile_for
from escalation.domain.windows import in_window, local_day, window_opens, zones_for
from sim.local.template import load_template, resources_of_type

FIRST, LAST = date(2026, 1, 1), date(2027, 12, 31)
DAYS = [FIRST + timedelta(days=n) for n in range((LAST - FIRST).days + 1)]

# ---------------------------------------------------------------------- the countries the profiles serve
EU_EEA_GB_CH = (
    "AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE"  # EU
    " IS LI NO"  # EEA
    " GB CH"
    " GF GP MQ RE YT MF"  # France's outermost regions with calling codes of their own (Canaries, Azores, Madeira are +34/+351)
).split()
NANP_SERVED = {"US", "CA", "PR", "GU", "VI", "AS", "MP"}  # the US, Canada and the US territories
PROFILE_OF_CODE: dict[str, str] = {"86": "CN", "1": "US"} | {str(phonenumbers.country_code_for_region(r)): "EU" for r in EU_EEA_GB_CH}
# NANP area codes of other countries (Jamaica, the Bahamas, ...): their numbers are not served.
FOREIGN_NANP = re.compile(
    "|".join(
        f"(?:{PhoneMetadata.metadata_for_region(r).leading_digits})"
        for r in phonenumbers.region_codes_for_country_code(1)
        if r not in NANP_SERVED and PhoneMetadata.metadata_for_region(r).leading_digits
    )
)


def code_of(prefix: str) -> str | None:
    """The served country calling code a phonenumbers time-zone prefix belongs to, or None."""
    for code in PROFILE_OF_CODE:
        if prefix.startswith(code):
            if code == "1" and len(prefix) > 1 and FOREIGN_NANP.match(prefix[1:]):
                return None
            return code
    return None


# Every prefix of the mapper's data for the served countries, with the zones it answers ("1", "86", ...
# alone are the country-level answers, given to numbers that are not geographic, e.g. toll-free).
SERVED: dict[str, tuple[str, ...]] = {p: zones for p, zones in TIMEZONE_DATA.items() if code_of(p)}


def profile_of(prefix: str) -> Profile:
    return profile_for(PROFILE_OF_CODE[code_of(prefix)])  # type: ignore[index]


# ---------------------------------------------------------------------- the schedules
@dataclass(frozen=True)
class Schedule:
    name: str
    zone: str
    times: tuple[time, ...]  # local wall-clock times it fires, every day

    def instants(self, day: date) -> list[datetime]:
        return [datetime.combine(day, t, tzinfo=ZoneInfo(self.zone)).astimezone(UTC) for t in self.times]


DAILY_CRON = re.compile(r"cron\((?P<minutes>[\d,]+) (?P<hours>[\d,]+) [*?] \* [*?] \*\)")


def schedules() -> list[Schedule]:
    machine = resources_of_type(load_template(), "AWS::Serverless::StateMachine")["DailyRunStateMachine"]
    out = []
    for name, event in machine["Properties"].get("Events", {}).items():
        if event["Type"] != "ScheduleV2" or event["Properties"].get("State", "ENABLED") != "ENABLED":
            continue
        props = event["Properties"]
        match = DAILY_CRON.fullmatch(props["ScheduleExpression"])
        assert match, f"{name}: {props['ScheduleExpression']} is not a daily cron this test can expand; extend the test"
        times = tuple(time(int(h), int(m)) for h in match["hours"].split(",") for m in match["minutes"].split(","))
        out.append(Schedule(name, props.get("ScheduleExpressionTimezone", "UTC"), times))
    return out


SCHEDULES = schedules()
# Every run instant from a day before 2026 to a day after 2027: a local day's runs may come from either.
RUNS: list[tuple[datetime, str]] = sorted(
    (instant, s.name) for s in SCHEDULES for n in range(-2, len(DAYS) + 2) for instant in s.instants(FIRST + timedelta(days=n))
)
INSTANTS = [instant for instant, _ in RUNS]


def fmt(instant: datetime) -> str:
    return instant.strftime("%H:%MZ")


# ---------------------------------------------------------------------- the schedules themselves
def test_the_daily_run_has_schedules_in_all_five_zone_groups():
    assert {s.zone for s in SCHEDULES} >= {"Asia/Shanghai", "Europe/Berlin", "America/New_York", "America/Los_Angeles", "Pacific/Honolulu"}
    assert len(RUNS) == len(set(RUNS)), "two schedules fire at the same instant"


@pytest.mark.parametrize("schedule", SCHEDULES, ids=lambda s: s.name)
@pytest.mark.parametrize("code", ["CN", "US", "EU"])
def test_no_schedule_fires_at_night_in_its_own_zone(schedule, code):
    """Every run is at its configured wall-clock time (no DST drift) and inside 08:00–21:00 there."""
    profile = profile_for(code)
    zone = ZoneInfo(schedule.zone)
    for day in DAYS:
        for configured, instant in zip(schedule.times, schedule.instants(day), strict=True):
            local = instant.astimezone(zone)
            assert (local.date(), local.time()) == (day, configured), f"{schedule.name} on {day}: fires at {local}"
            assert profile.window_start <= local.time() < profile.window_end, f"{schedule.name} on {day}: {local} is at night"


def test_the_scenario_runner_fires_the_schedules_at_these_instants():
    """sim.scenarios replays exactly the instants read here (so the e2e window tests see AWS's timing)."""
    from sim.scenarios import run_instants

    stack = SimpleNamespace(template=load_template())
    for day in [date(2026, 3, 8), date(2026, 3, 29), date(2026, 10, 25), date(2026, 11, 1), date(2027, 3, 14), date(2027, 10, 31)]:
        expected = sorted((instant, s.name) for s in SCHEDULES for instant in s.instants(day))
        assert run_instants(stack, day) == expected, day


def test_the_served_countries_are_all_in_the_mappers_data():
    assert {code_of(p) for p in SERVED} == set(PROFILE_OF_CODE)
    assert "America/Puerto_Rico" in ZONES and "Pacific/Honolulu" in ZONES and "America/Anchorage" in ZONES
    assert "Pacific/Guam" in ZONES and "Asia/Shanghai" in ZONES and "Atlantic/Azores" in ZONES and "Europe/London" in ZONES


# ---------------------------------------------------------------------- every zone alone
def _zone_profiles() -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for prefix, zones in SERVED.items():
        for zone in zones:
            out.setdefault(zone, set()).add(profile_of(prefix).code)
    return out


ZONES = _zone_profiles()
# Held for the module's life: zoneinfo keeps only 8 zones strongly, and in_window looks zones up by name.
_LOADED = {zone: ZoneInfo(zone) for zone in ZONES}


def uncovered_days(zones: tuple[str, ...], profile: Profile, due_index: bool) -> list[str]:
    """Local days (of the first zone, the product's local day) with no run inside the all-zones window."""
    covered: set[date] = set()
    runs_by_day: dict[date, list[datetime]] = {}
    for instant in INSTANTS:
        day = local_day(instant, zones)
        if not FIRST <= day <= LAST:
            continue
        runs_by_day.setdefault(day, []).append(instant)
        if in_window(instant, zones, profile):
            covered.add(day)
    if due_index:
        # The run must also find the account due: its due-index instant is the window's opening that day.
        covered = {d for d in covered if any(window_opens(d, zones, profile) <= r and in_window(r, zones, profile) for r in runs_by_day[d])}
    missing = [d for d in DAYS if d not in covered]
    detail = []
    for d in missing[:3]:
        runs = ", ".join(f"{fmt(r)}={r.astimezone(ZoneInfo(zones[0])).strftime('%H:%M')}" for r in runs_by_day.get(d, []))
        detail.append(f"{d} (runs UTC=local {zones[0]}: {runs})")
    return [f"{len(missing)} of {len(DAYS)} local days starved, e.g. " + "; ".join(detail)] if missing else []


@pytest.mark.parametrize("zone", sorted(ZONES))
def test_every_zone_gets_a_run_inside_its_window_every_local_day(zone):
    for code in sorted(ZONES[zone]):
        assert uncovered_days((zone,), profile_for(code), due_index=False) == [], f"{zone} ({code})"


# ---------------------------------------------------------------------- numbers with several zones
def _example(prefix: str, zones: tuple[str, ...]) -> str | None:
    """A real (valid) number the mapper gives exactly these zones, starting with this prefix if possible."""
    code = code_of(prefix)
    assert code is not None
    candidates = []
    for region in phonenumbers.region_codes_for_country_code(int(code)):
        for kind in (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE, *phonenumbers.PhoneNumberType.values()):
            example = phonenumbers.example_number_for_type(region, kind)
            if example is not None:
                candidates.append(phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.E164))
    rest = prefix[len(code) :]
    for filler in ("5550123456", "2345678901", "9123456789", "6123456789", "7012345678", "3456789012", "4567890123", "8005550199"):
        for length in range(len(rest) + 1, 13):
            candidates.append(f"+{code}{(rest + filler)[:length]}")
    candidates.sort(key=lambda c: not c.startswith("+" + prefix))
    for candidate in candidates:
        number = phonenumbers.parse(candidate)
        if phonenumbers.is_valid_number(number) and tuple(phone_timezones.time_zones_for_number(number)) == zones:
            return candidate
    return None


def _multi_zone_cases() -> list[tuple[str, tuple[str, ...], str | None]]:
    seen: dict[tuple[str, ...], tuple[str, str | None]] = {}
    for prefix, zones in sorted(SERVED.items()):
        if len(zones) > 1 and zones not in seen:
            seen[zones] = (prefix, _example(prefix, zones))
    return [(prefix, zones, example) for zones, (prefix, example) in seen.items()]


NANP_COUNTRY_LEVEL = TIMEZONE_DATA["1"]
# Zone sets with no common window: enrolment refuses such a number without a time zone (windows.require_common_daytime).
REFUSED = {NANP_COUNTRY_LEVEL}


def _case_param(prefix: str, zones: tuple[str, ...], example: str | None):
    names = "+".join(z.split("/")[-1] for z in zones) if len(zones) <= 4 else f"{len(zones)}-zones"
    return pytest.param(prefix, zones, example, id=f"+{prefix}:{names}")


MULTI_ZONE = [_case_param(*case) for case in _multi_zone_cases() if case[1] not in REFUSED]


def test_a_number_placed_only_at_country_level_in_nanp_is_refused_without_a_time_zone():
    from escalation.domain.profiles import profile_for
    from escalation.domain.windows import common_daytime_hours, require_common_daytime, zones_for

    assert len(NANP_COUNTRY_LEVEL) == 42 and zones_for("+15005550100", None) == NANP_COUNTRY_LEVEL
    assert common_daytime_hours(NANP_COUNTRY_LEVEL, profile_for("US")) < 0
    with pytest.raises(ValueError, match="required for this number: it fits 42 time zones"):
        require_common_daytime("+15005550100", None, profile_for("US"))
    require_common_daytime("+15005550100", "America/Chicago", profile_for("US"))  # the zone given: fine
    for _, zones, example in _multi_zone_cases():
        if zones not in REFUSED:
            assert common_daytime_hours(zones, profile_for("US")) >= 1, zones


def test_multi_zone_answers_include_the_known_ones():
    answers = {zones for _, zones, _ in _multi_zone_cases()}
    assert ("America/Boise", "America/Los_Angeles") in answers  # +1 208, Idaho
    assert ("America/Adak", "America/Anchorage") in answers  # +1 907, Alaska
    assert ("Atlantic/Azores", "Europe/Lisbon") in answers  # +351 mobiles
    assert ("Atlantic/Canary", "Europe/Madrid") in answers  # +34 mobiles
    assert NANP_COUNTRY_LEVEL in answers


@pytest.mark.parametrize(("prefix", "zones", "example"), MULTI_ZONE)
def test_every_multi_zone_number_gets_a_run_inside_all_its_windows_every_local_day(prefix, zones, example):
    if example is not None:
        assert zones_for(example, None) == zones, f"{example} is a real number that gets these zones"
    profile = profile_of(prefix)
    assert uncovered_days(zones, profile, due_index=True) == [], f"+{prefix} {zones} ({profile.code}), e.g. {example}"


def test_a_toll_free_or_personal_us_number_gets_every_nanp_zone():
    """The numbers behind the NANP country-level answer are real, valid US numbers the scenario format accepts."""
    for phone in ("+18005550199", "+15005550100"):
        assert phonenumbers.is_valid_number(phonenumbers.parse(phone))
        assert zones_for(phone, None) == NANP_COUNTRY_LEVEL
