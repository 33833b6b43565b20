"""A lender's own guardrail settings, per profile and per product (template.yaml: ProfileOverrides)."""

import json
from datetime import date, time
from decimal import Decimal

import pytest

from escalation.domain.model import Account
from escalation.domain.profiles import PROFILES, effective_profile, parse_overrides


def test_no_overrides_means_the_shipped_defaults():
    assert parse_overrides({}) == {}
    for code, profile in PROFILES.items():
        assert effective_profile(code, "any", {}) == profile


def test_profile_then_product_overrides_apply_in_that_order():
    overrides = parse_overrides(
        {
            "US": {"sms_per_week": 2, "window_start": "09:00"},
            "US/auto-loan": {"sms_per_week": 1, "legal_threshold": "2500.00", "calls_per_7_days": None, "legal_approvals": 1},
        }
    )
    card = effective_profile("US", "card", overrides)
    assert (card.sms_per_week, card.window_start, card.legal_threshold) == (2, time(9), Decimal("1000"))
    auto = effective_profile("US", "auto-loan", overrides)
    assert (auto.sms_per_week, auto.window_start, auto.legal_threshold, auto.calls_per_7_days) == (1, time(9), Decimal("2500.00"), None)
    assert (card.legal_approvals, auto.legal_approvals) == (2, 1)
    assert effective_profile("CN", "auto-loan", overrides) == PROFILES["CN"]


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ([], "expected a JSON object"),
        ({"XX": {"sms_per_day": 1}}, "'XX': expected a profile"),
        ({"US/": {"sms_per_day": 1}}, "'US/': expected a profile"),
        ({"US": {}}, "US: expected an object of settings"),
        ({"US": {"sms_per_dya": 1}}, "US.sms_per_dya: unknown setting"),
        ({"US": {"code": "EU"}}, "US.code: unknown setting"),
        ({"US": {"sms_per_day": -1}}, "US.sms_per_day: expected a whole number >= 0"),
        ({"US": {"sms_per_day": "2"}}, "US.sms_per_day: expected a whole number >= 0"),
        ({"US": {"sms_per_day": None}}, "US.sms_per_day: expected a whole number >= 0"),
        ({"US": {"field_visits": "yes"}}, "US.field_visits: expected true or false"),
        ({"US": {"window_start": "8am"}}, "US.window_start: expected a time like 08:00"),
        ({"US": {"window_start": "22:00"}}, "US.window_end: must be after window_start"),
        ({"CN/card": {"legal_threshold": "lots"}}, "CN/card.legal_threshold: expected an amount"),
        ({"CN/card": {"legal_threshold": "-5"}}, "CN/card.legal_threshold: expected a non-negative amount"),
        ({"US": {"legal_approvals": 0}}, "US.legal_approvals: expected a whole number from 1 to 5"),
        ({"US": {"legal_approvals": 6}}, "US.legal_approvals: expected a whole number from 1 to 5"),
        ({"US": {"legal_approvals": "2"}}, "US.legal_approvals: expected a whole number from 1 to 5"),
        ({"US": {"legal_approvals": True}}, "US.legal_approvals: expected a whole number from 1 to 5"),
        ({"US": {"legal_approvals": None}}, "US.legal_approvals: expected a whole number from 1 to 5"),
    ],
)
def test_bad_overrides_are_refused_naming_the_key_and_setting(raw, message):
    with pytest.raises(ValueError, match=r"^profile overrides: ") as info:
        parse_overrides(raw)
    assert message in str(info.value)


def test_the_service_reads_overrides_from_the_environment_and_versions_them(monkeypatch):
    from escalation.domain.policy import DEFAULT_POLICY
    from escalation.service.context import policy_version, profile_of

    account = Account("A", "+12125550187", Decimal("10"), "USD", date(2026, 3, 1), profile="US", product="auto-loan")
    monkeypatch.setenv("PROFILE_OVERRIDES", "{}")
    shipped = policy_version(DEFAULT_POLICY)
    assert profile_of(account) == PROFILES["US"]
    monkeypatch.setenv("PROFILE_OVERRIDES", json.dumps({"US/auto-loan": {"sms_per_day": 0}}))
    assert profile_of(account).sms_per_day == 0
    assert policy_version(DEFAULT_POLICY).startswith(shipped + "+profiles@") and policy_version(DEFAULT_POLICY) != shipped
    monkeypatch.setenv("PROFILE_OVERRIDES", '{"US": {"sms_per_day": "many"}}')
    with pytest.raises(ValueError, match=r"US\.sms_per_day"):
        profile_of(account)
