"""Policy documents: validation errors name the rule and field; versions fingerprint content; the default ladder."""

import copy

import pytest

from escalation.domain.model import Action, Stage
from escalation.domain.policy import DEFAULT_LADDER, DEFAULT_POLICY, Policy, PolicyError


def _doc(**rule_overrides):
    rule = {"name": "nudge", "action": "sms", "stage": "early", "start": 1, "end": 5}
    rule.update(rule_overrides)
    return {"name": "lender-x", "rules": [{"name": "first", "action": "sms", "stage": "pre_due", "start": -3}, rule]}


def _without(field):
    doc = _doc()
    del doc["rules"][1][field]
    return doc


def _error(doc) -> str:
    with pytest.raises(PolicyError) as info:
        Policy.from_dict(doc)
    return str(info.value)


@pytest.mark.parametrize("field", ["name", "stage", "start"])
def test_missing_field_names_rule_and_field(field):
    message = _error(_without(field))
    assert "rule #2" in message
    assert f"'{field}'" in message


def test_missing_action_names_rule_and_field():
    message = _error(_without("action"))
    assert "rule #2 (nudge)" in message
    assert "'action'" in message


@pytest.mark.parametrize("field", ["action", "stage"])
def test_missing_action_or_stage_is_reported_as_missing(field):
    assert "missing field" in _error(_without(field))


def test_bad_action_names_rule_and_field():
    message = _error(_doc(action="fax"))
    assert "rule #2 (nudge)" in message
    assert "'action'" in message


def test_bad_stage_names_rule_and_field():
    message = _error(_doc(stage="collections"))
    assert "(nudge)" in message
    assert "'stage'" in message


def test_end_before_start_names_rule_and_field():
    message = _error(_doc(start=5, end=2))
    assert "(nudge)" in message
    assert "'end'" in message


def test_end_equal_to_start_is_allowed():
    policy = Policy.from_dict(_doc(start=4, end=4))
    assert policy.rules[1].start == policy.rules[1].end == 4


@pytest.mark.parametrize("every", [0, -7])
def test_every_below_one_names_rule_and_field(every):
    message = _error(_doc(every=every))
    assert "(nudge)" in message
    assert "'every'" in message


@pytest.mark.parametrize(("field", "value"), [("start", "3"), ("end", 2.5), ("every", True)])
def test_non_integer_day_fields_are_refused(field, value):
    message = _error(_doc(**{field: value}))
    assert "(nudge)" in message
    assert f"'{field}'" in message


def test_unknown_condition_names_rule_and_field():
    message = _error(_doc(condition="full_moon"))
    assert "(nudge)" in message
    assert "'condition'" in message


def test_duplicate_names_are_refused_naming_the_rule():
    doc = _doc(name="first")
    message = _error(doc)
    assert "duplicate" in message
    assert "first" in message


@pytest.mark.parametrize("rules", [None, [], "pre_due"])
def test_rules_must_be_a_non_empty_list(rules):
    assert "'rules'" in _error({"name": "x", "rules": rules})


def test_a_rule_that_is_not_an_object_is_a_policy_error():
    _error({"name": "x", "rules": ["pre_due"]})


def test_version_is_stable_for_the_same_content():
    again = Policy.from_dict(copy.deepcopy(DEFAULT_LADDER))
    assert again.version == DEFAULT_POLICY.version
    reordered = {"rules": DEFAULT_LADDER["rules"], "name": DEFAULT_LADDER["name"]}
    assert Policy.from_dict(reordered).version == DEFAULT_POLICY.version


@pytest.mark.parametrize(
    "change",
    [
        lambda d: d["rules"][1].update(start=2),
        lambda d: d["rules"][3].update(every=14),
        lambda d: d["rules"].pop(),
        lambda d: d["rules"][5].update(condition="always"),
    ],
)
def test_version_differs_when_content_differs(change):
    doc = copy.deepcopy(DEFAULT_LADDER)
    change(doc)
    assert Policy.from_dict(doc).version != DEFAULT_POLICY.version


def test_version_names_the_policy():
    assert DEFAULT_POLICY.version.startswith("default-ladder@")


def test_default_policy_is_the_domain_ladder():
    rules = {r.name: r for r in DEFAULT_POLICY.rules}
    expected = {
        # name: (action, stage, start, every, condition)
        "pre_due": (Action.SMS, Stage.PRE_DUE, -3, None, "always"),
        "reminder": (Action.SMS, Stage.EARLY, 1, None, "always"),
        "early_call": (Action.CALL, Stage.EARLY, 3, None, "no_promise"),
        "follow_up": (Action.SMS, Stage.FOLLOW_UP, 7, 7, "always"),
        "follow_up_call": (Action.CALL, Stage.FOLLOW_UP, 7, 3, "always"),
        "field_visit": (Action.VISIT, Stage.FIELD, 30, None, "unreachable_or_refused"),
        "legal_review": (Action.LEGAL_REVIEW, Stage.LEGAL, 60, None, "legal_prerequisites"),
    }
    assert set(rules) == set(expected)
    for name, (action, stage, start, every, condition) in expected.items():
        rule = rules[name]
        assert (rule.action, rule.stage, rule.start, str(rule.condition)) == (action, stage, start, condition), name
        if every is not None:
            assert rule.every == every, name
            assert rule.end is None, name


def test_default_pre_due_ends_before_the_due_date():
    pre_due = next(r for r in DEFAULT_POLICY.rules if r.name == "pre_due")
    assert pre_due.end is not None
    assert pre_due.end < 0
