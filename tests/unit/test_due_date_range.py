"""Due dates are within the years 2000-2199 wherever an account enters, and the ladder works at both ends.

The ladder's `next_check` skips the date arithmetic of rules that cannot fire; near the calendar's
ends (0001, 9999) that arithmetic would overflow, so absurd due dates are refused at the boundary
instead: the borrower-event contract (escalation.contract.Day) and the scenario files.
"""

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from escalation.contract import ContractError, parse_event
from escalation.domain.ladder import Context, decide, next_check
from escalation.domain.model import Account
from escalation.domain.policy import DEFAULT_POLICY, MAX_RULE_DAYS, Policy, PolicyError
from escalation.domain.profiles import profile_for
from sim.scenarios import DUE_DATES, ScenarioError, validate

FIRST, LAST = date(2000, 1, 1), date(2199, 12, 31)
SHANGHAI = ("Asia/Shanghai",)
CN = profile_for("CN")


def new_account(due: str) -> dict:
    return {
        "type": "new_account",
        "event_id": "e-1",
        "account_id": "N",
        "occurred_at": "2026-03-05T04:00:00Z",
        "account": {"account_id": "N", "phone": "+8613800138001", "balance": "1.00", "currency": "CNY", "due_date": due},
    }


def scenario(due: str) -> dict:
    account = {"account_id": "A", "phone": "+8613800138000", "timezone": "Asia/Shanghai", "balance": "10", "currency": "CNY"}
    return {"start_date": "2026-03-02", "days": 1, "accounts": [{**account, "due_date": due}]}


@pytest.mark.parametrize("due", ["0001-01-01", "1999-12-31", "2200-01-01", "9999-12-31"])
def test_the_contract_refuses_a_due_date_outside_the_range_naming_the_field(due):
    with pytest.raises(ContractError, match=r"^account\.due_date: must be between 2000 and 2200"):
        parse_event(new_account(due))


@pytest.mark.parametrize("due", [FIRST, LAST])
def test_the_contract_accepts_the_first_and_last_due_dates(due):
    assert parse_event(new_account(due.isoformat())).account.due_date == due


@pytest.mark.parametrize("due", ["0001-01-01", "1999-12-31", "2200-01-01", "9999-12-31"])
def test_a_scenario_refuses_a_due_date_outside_the_range_naming_the_field(due):
    with pytest.raises(ScenarioError, match=r"accounts\[0\]\.due_date: must be between 2000 and 2200"):
        validate(scenario(due), "s.json")


def test_a_scenario_refuses_a_new_account_events_due_date_as_the_contract_would():
    raw = scenario("2026-03-01")
    new = {"account_id": "B", "phone": "+8613800138009", "balance": "10", "currency": "CNY", "due_date": "9999-12-31"}
    raw["events"] = [{"at": "2026-03-02T06:00:00Z", "type": "new_account", "account": new}]
    with pytest.raises(ScenarioError, match=r"events\[0\]\.account\.due_date: must be between 2000 and 2200"):
        validate(raw, "s.json")


def test_a_scenario_takes_the_contracts_range():
    assert DUE_DATES == (FIRST, LAST)
    for due in DUE_DATES:
        validate(scenario(due.isoformat()), "s.json")


@pytest.mark.parametrize("field", ["start", "end", "every"])
def test_a_policy_refuses_rule_days_beyond_a_century(field):
    rule = {"name": "r", "action": "sms", "stage": "early", "start": 1, "every": 2}
    Policy.from_dict({"rules": [{**rule, field: MAX_RULE_DAYS}]})
    with pytest.raises(PolicyError, match=f"rule #1 \\(r\\): field '{field}' must be between"):
        Policy.from_dict({"rules": [{**rule, field: MAX_RULE_DAYS + 1}]})


def at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=ZoneInfo(SHANGHAI[0])).astimezone(UTC)


@pytest.mark.parametrize("due", [FIRST, LAST])
@pytest.mark.parametrize("days_after", [-3, 0, 1, 7, 45, 400])
def test_the_ladder_decides_and_schedules_at_both_ends_of_the_range(due, days_after):
    account = Account("A", "+8613800138000", Decimal("100000"), "CNY", due, timezone=SHANGHAI[0], visits_attempted=1)
    today = due + timedelta(days=days_after)
    ctx = Context(DEFAULT_POLICY, CN, SHANGHAI, at(today, 10))
    decide(account, ctx)
    for ahead in (0, 1, 10, 100):
        check = next_check(account, ctx, today + timedelta(days=ahead))
        assert check is not None and check >= ctx.now
