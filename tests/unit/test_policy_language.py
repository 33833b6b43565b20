"""The policy language: every fact, every operator, all/any/not, money per currency, the first day a condition
holds, every refusal naming the rule and field — and a ladder written in it deciding like the built-in one."""

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from escalation.domain.expressions import FACTS, OPERATORS, ConditionError, parse_condition
from escalation.domain.ladder import Context, decide, next_check
from escalation.domain.model import Account, Action, LegalState, Stage, Status
from escalation.domain.numbers import ClosedBecause, NumberStatus
from escalation.domain.policy import DEFAULT_LADDER, PlanLimits, Policy, PolicyError
from escalation.domain.profiles import profile_for

CN, US = profile_for("CN"), profile_for("US")
DUE = date(2026, 3, 1)
SHANGHAI = "Asia/Shanghai"


def account(**changes) -> Account:
    base = Account("A-1", "+8613800138000", Decimal("8000.00"), "CNY", DUE, profile="CN", timezone=SHANGHAI, product="credit-line")
    return replace(base, **changes)


def closed(channel: str, why: ClosedBecause) -> NumberStatus:
    return NumberStatus("+8613800138000").closing((channel,), why, DUE)


def day(n: int) -> date:
    return DUE + timedelta(days=n)


def holds(condition, acct: Account | None = None, on: int = 10, profile=CN) -> bool:
    return parse_condition(condition).holds(acct or account(), profile, day(on))


# ---------------------------------------------------------------------- every fact
@pytest.mark.parametrize(
    ("fact", "op", "value", "changes", "on", "expected"),
    [
        ("days_past_due", ">=", 10, {}, 10, True),
        ("days_past_due", ">", 10, {}, 10, False),
        ("days_past_due", "<", 0, {}, -3, True),
        ("days_since_conversation", ">=", 14, {"last_reached": day(0)}, 14, True),
        ("days_since_conversation", ">=", 14, {"last_reached": day(1)}, 14, False),
        ("days_since_conversation", ">=", 365, {}, 1, True),  # never spoke: more than any number
        ("days_since_conversation", "<", 7, {}, 1, False),
        ("amount_due", ">=", "8000", {}, 1, True),
        ("amount_due", ">", 8000, {"fees": Decimal("0")}, 1, False),
        ("amount_due", ">", 8000, {"fees": Decimal("1")}, 1, True),
        ("balance", "<", "100.50", {"balance": Decimal("100.49")}, 1, True),
        ("fees", "==", "0", {}, 1, True),
        ("failed_call_attempts", ">=", 3, {"failed_call_attempts": 3}, 1, True),
        ("refusals", ">=", 2, {"refusals": 1}, 1, False),
        ("broken_promises", "==", 1, {"broken_promises": 1}, 1, True),
        ("kept_promises", "!=", 0, {"kept_promises": 0}, 1, False),
        ("visits_attempted", ">", 0, {"visits_attempted": 1}, 1, True),
        ("promise_in_force", "==", True, {"status": Status.PROMISE}, 1, True),
        ("promise_in_force", "==", False, {}, 1, True),
        ("sms_open", "==", False, {"sms_consent": False}, 1, True),
        ("sms_open", "==", True, {}, 1, True),
        ("call_open", "==", False, {"number": closed("call", ClosedBecause.OPTED_OUT)}, 1, True),
        ("wrong_number", "==", True, {"number": closed("sms", ClosedBecause.WRONG_NUMBER)}, 1, True),
        ("legal_review_open", "==", True, {"legal_state": LegalState.PENDING}, 1, True),
        ("legal_review_open", "!=", True, {"legal_state": LegalState.REJECTED}, 1, True),
        ("field_visits_offered", "==", True, {}, 1, True),
        ("product", "==", "credit-line", {}, 1, True),
        ("product", "in", ["cash-loan", "bnpl"], {}, 1, False),
        ("segment", "not_in", ["high-risk"], {"segment": "low-risk"}, 1, True),
        ("segment", "==", "", {}, 1, True),  # no segment: the empty name
        ("profile", "==", "CN", {}, 1, True),
        ("stage", "in", ["field", "legal"], {"stage": Stage.FIELD}, 1, True),
        ("currency", "!=", "USD", {}, 1, True),
    ],
)
def test_every_fact_compares(fact, op, value, changes, on, expected):
    assert holds({"fact": fact, "op": op, "value": value}, account(**changes), on) is expected


def test_the_table_covers_every_fact_and_operator():
    tested = {"days_past_due", "days_since_conversation", "amount_due", "balance", "fees", "failed_call_attempts", "refusals",
              "broken_promises", "kept_promises", "visits_attempted", "promise_in_force", "sms_open", "call_open", "wrong_number",
              "legal_review_open", "field_visits_offered", "product", "segment", "profile", "stage", "currency"}  # fmt: skip
    assert tested == set(FACTS)
    assert set(OPERATORS) == {f.kind for f in FACTS.values()}


@pytest.mark.parametrize(
    ("value", "currency", "expected"),
    [
        ({"CNY": "5000", "USD": "700"}, "CNY", True),
        ({"CNY": "9000", "USD": "700"}, "CNY", False),
        ({"USD": "700"}, "CNY", False),  # no threshold in the account's currency: the comparison does not apply
        ({"EUR": "1"}, "EUR", True),
    ],
)
def test_money_compares_in_the_accounts_own_currency(value, currency, expected):
    assert holds({"fact": "amount_due", "op": ">=", "value": value}, account(currency=currency)) is expected


def test_all_any_not_and_named_conditions_combine():
    late = {"fact": "days_past_due", "op": ">=", "value": 30}
    refused = {"fact": "refusals", "op": ">=", "value": 2}
    assert holds({"all": [late, "no_promise"]}, on=30)
    assert not holds({"all": [late, refused]}, on=30)
    assert holds({"any": [late, refused]}, on=30)
    assert holds({"not": refused})
    assert not holds({"all": [late, "no_promise"]}, account(status=Status.PROMISE), on=30)
    assert str(parse_condition({"all": [late, {"not": refused}]})) == "(days_past_due >= 30 and not refusals >= 2)"


# ---------------------------------------------------------------------- the first day it holds
def test_the_first_day_a_days_past_due_comparison_holds_is_computed():
    condition = parse_condition({"fact": "days_past_due", "op": ">=", "value": 20})
    assert condition.first_day(account(), CN, day(5)) == day(20)
    assert condition.first_day(account(), CN, day(5), last=day(19)) is None
    window = parse_condition({"all": [{"fact": "days_past_due", "op": ">", "value": 9}, {"fact": "days_past_due", "op": "<", "value": 12}]})
    assert window.first_day(account(), CN, day(1)) == day(10)
    assert window.first_day(account(), CN, day(12)) is None


def test_the_first_day_after_quiet_days_since_a_conversation():
    quiet = parse_condition({"fact": "days_since_conversation", "op": ">=", "value": 14})
    assert quiet.first_day(account(last_reached=day(3)), CN, day(5)) == day(17)
    assert quiet.first_day(account(), CN, day(5)) == day(5)  # never spoke: already quiet


def test_a_condition_on_the_accounts_state_alone_never_comes_with_time():
    condition = parse_condition({"fact": "refusals", "op": ">=", "value": 2})
    assert not condition.day_dependent(CN)
    assert condition.first_day(account(), CN, day(1)) is None


def test_a_named_condition_keeps_its_own_first_day():
    unreachable = parse_condition({"any": ["unreachable_or_refused", {"fact": "days_past_due", "op": ">=", "value": 90}]})
    acct = account(failed_call_attempts=3, last_reached=day(20))
    assert unreachable.first_day(acct, CN, day(30)) == day(34)  # 14 quiet days after day 20


# ---------------------------------------------------------------------- a ladder in the language
def at(d: date, hour: int = 10) -> datetime:
    return datetime.combine(d, time(hour), tzinfo=ZoneInfo(SHANGHAI)).astimezone(UTC)


def test_a_rule_with_a_comparison_decides_and_schedules_like_any_rule():
    policy = Policy.from_dict(
        {
            "name": "big-balances",
            "rules": [
                {"name": "reminder", "action": "sms", "stage": "early", "start": 1, "end": 6},
                {
                    "name": "early_visit",
                    "action": "visit",
                    "stage": "field",
                    "start": 5,
                    "condition": {
                        "all": [
                            {"fact": "amount_due", "op": ">=", "value": {"CNY": "5000"}},
                            {"fact": "days_past_due", "op": ">=", "value": 8},
                        ]
                    },
                },
            ],
        }
    )
    acct = account(last_fired={"reminder": day(1)})
    ctx = Context(policy, CN, (SHANGHAI,), at(day(5)))
    assert [d.action for d in decide(acct, ctx) if d.action] == []
    assert next_check(acct, ctx, day(5)) == at(day(8), 8)  # the window's opening on day 8
    ctx8 = Context(policy, CN, (SHANGHAI,), at(day(8)))
    assert [(d.action, d.rule) for d in decide(acct, ctx8) if d.action] == [(Action.VISIT, "early_visit")]
    small = account(balance=Decimal("100"), last_fired={"reminder": day(1)})
    assert next_check(small, ctx, day(5)) is None  # nothing left for it on this ladder


# ---------------------------------------------------------------------- refusals name the rule and field
def rule_with(condition) -> dict:
    return {"name": "p", "rules": [{"name": "late", "action": "sms", "stage": "early", "start": 1, "condition": condition}]}


@pytest.mark.parametrize(
    ("condition", "field", "says"),
    [
        ("sunny", "condition", "unknown named condition 'sunny'"),
        ({"fact": "mood", "op": "==", "value": 1}, "condition.fact", "unknown fact 'mood'"),
        ({"fact": "refusals", "op": "=>", "value": 1}, "condition.op", "'=>' does not apply to refusals"),
        ({"fact": "product", "op": ">", "value": "x"}, "condition.op", "'>' does not apply to product"),
        ({"fact": "refusals", "op": ">=", "value": "2"}, "condition.value", "a whole number"),
        ({"fact": "sms_open", "op": "==", "value": 1}, "condition.value", "true or false"),
        ({"fact": "amount_due", "op": ">=", "value": {"XYZ": "1"}}, "condition.value", "'XYZ' is not an ISO 4217"),
        ({"fact": "amount_due", "op": ">=", "value": "-5"}, "condition.value", "non-negative"),
        ({"fact": "amount_due", "op": ">=", "value": "lots"}, "condition.value", "expected an amount"),
        ({"fact": "segment", "op": "in", "value": []}, "condition.value", "non-empty list"),
        ({"fact": "refusals", "op": ">="}, "condition", "missing field 'value'"),
        ({"fact": "refusals", "op": ">=", "value": 1, "unit": "x"}, "condition", "unknown field 'unit'"),
        ({"all": []}, "condition.all", "non-empty list"),
        ({"any": ["no_promise", {"nor": []}]}, "condition.any[1]", "unknown field 'nor'"),
        ({"all": ["always"], "any": ["always"]}, "condition", "exactly one of all, any, not"),
        ({"not": {"fact": "stage", "op": "==", "value": 3}}, "condition.not.value", "a name"),
    ],
)
def test_a_bad_condition_is_refused_naming_the_rule_and_field(condition, field, says):
    with pytest.raises(PolicyError) as caught:
        Policy.from_dict(rule_with(condition))
    message = str(caught.value)
    assert message.startswith(f"policy rule #1 (late): field '{field}': "), message
    assert says in message


@pytest.mark.parametrize(
    ("plans", "says"),
    [
        ({"max_installments": 0}, "'max_installments' must be at least 1"),
        ({"min_first_payment_share": "1.5"}, "'min_first_payment_share' must be a share"),
        ({"max_term_days": "long"}, "'max_term_days' must be an integer"),
        ({"grace": 3}, "unknown field 'grace'"),
    ],
)
def test_bad_plan_limits_are_refused_naming_the_field(plans, says):
    with pytest.raises(PolicyError, match=says):
        Policy.from_dict({**DEFAULT_LADDER, "plans": plans})


def test_plan_limits_default_and_can_be_switched_off():
    assert Policy.from_dict(DEFAULT_LADDER).plans == PlanLimits()
    assert Policy.from_dict({**DEFAULT_LADDER, "plans": False}).plans is None
    limits = Policy.from_dict({**DEFAULT_LADDER, "plans": {"max_installments": 3, "min_first_payment_share": 0.25}}).plans
    assert limits == PlanLimits(3, Decimal("0.25"), 180)


def test_a_condition_error_on_its_own_names_the_path():
    with pytest.raises(ConditionError) as caught:
        parse_condition({"any": [{"fact": "refusals", "op": "~", "value": 1}]})
    assert caught.value.path == "condition.any[0].op"


def test_the_schema_key_does_not_change_the_version():
    assert (
        Policy.from_dict({**DEFAULT_LADDER, "$schema": "../schemas/policy.schema.json"}).version == Policy.from_dict(DEFAULT_LADDER).version
    )


def test_every_sms_rule_has_a_text_by_name_stage_or_template():
    policy = Policy.from_dict(
        {
            "name": "texts",
            "rules": [
                {"name": "reminder", "action": "sms", "stage": "follow_up", "start": 1},  # its name is a text
                {"name": "nudge", "action": "sms", "stage": "early", "start": 2},  # its stage's
                {"name": "late", "action": "sms", "stage": "legal", "start": 3},
                {"name": "soft", "action": "sms", "stage": "follow_up", "start": 4, "template": "reminder"},
            ],
        }
    )
    assert [policy.text_template(n) for n in ("reminder", "nudge", "late", "soft", "confirmation")] == [
        "reminder", "reminder", "follow_up", "reminder", "confirmation"
    ]  # fmt: skip


@pytest.mark.parametrize(
    "rule",
    [
        {"name": "x", "action": "call", "stage": "early", "start": 1, "template": "reminder"},
        {"name": "x", "action": "sms", "stage": "early", "start": 1, "template": "threat"},
    ],
)
def test_a_template_only_names_a_text_of_an_sms_rule(rule):
    with pytest.raises(PolicyError, match="field 'template' names the text of an sms rule"):
        Policy.from_dict({"name": "p", "rules": [rule]})


def test_the_texts_a_rule_may_name_exist_in_every_language():
    from escalation.domain.messages import PURPOSES
    from escalation.domain.policy import TEXT_TEMPLATES

    assert set(TEXT_TEMPLATES) <= set(PURPOSES)
