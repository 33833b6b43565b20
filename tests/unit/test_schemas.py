"""The published JSON Schemas (schemas/) and the loaders agree: the same vocabulary, the same documents accepted
and refused. The loaders are the authority (they also check what a schema cannot: names that refer to policies,
end after start, currencies); the schemas are what editors, AppConfig and a lender's CI can check against."""

import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator
from referencing import Registry, Resource

from escalation.domain import conditions, policy, strategy
from escalation.domain.expressions import FACTS, OPERATORS
from escalation.domain.model import Action, Stage
from escalation.domain.policy import DEFAULT_LADDER, Policy, PolicyError
from escalation.domain.strategy import Configuration, ConfigurationError

ROOT = Path(__file__).resolve().parents[2]
POLICY_SCHEMA = json.loads((ROOT / "schemas" / "policy.schema.json").read_text(encoding="utf-8"))
CONFIG_SCHEMA = json.loads((ROOT / "schemas" / "configuration.schema.json").read_text(encoding="utf-8"))
REGISTRY = Registry().with_resources(
    [(POLICY_SCHEMA["$id"], Resource.from_contents(POLICY_SCHEMA)), (CONFIG_SCHEMA["$id"], Resource.from_contents(CONFIG_SCHEMA))]
)
POLICY = Draft202012Validator(POLICY_SCHEMA, registry=REGISTRY)
CONFIG = Draft202012Validator(CONFIG_SCHEMA, registry=REGISTRY)
SENDERS = json.loads((ROOT / "infra" / "sender-identities.example.json").read_text(encoding="utf-8"))


def test_the_schemas_are_valid_json_schemas():
    Draft202012Validator.check_schema(POLICY_SCHEMA)
    Draft202012Validator.check_schema(CONFIG_SCHEMA)


def test_the_policy_schema_has_the_loaders_vocabulary():
    defs = POLICY_SCHEMA["$defs"]
    assert sorted(POLICY_SCHEMA["properties"]) == sorted(policy.POLICY_FIELDS)
    assert sorted(defs["rule"]["properties"]) == sorted(policy.RULE_FIELDS)
    assert sorted(defs["plans"]["properties"]) == sorted(policy.PLAN_FIELDS)
    assert defs["rule"]["properties"]["action"]["enum"] == [a.value for a in Action]
    assert defs["rule"]["properties"]["stage"]["enum"] == [s.value for s in Stage]
    assert defs["condition"]["oneOf"][0]["enum"] == list(conditions.CONDITIONS)
    facts = {f for c in defs["comparison"]["oneOf"] for f in c["properties"]["fact"]["enum"]}
    assert facts == set(FACTS)
    for comparison in defs["comparison"]["oneOf"]:
        kinds = {FACTS[f].kind for f in comparison["properties"]["fact"]["enum"]}
        assert len(kinds) == 1
        assert set(comparison["properties"]["op"]["enum"]) <= set(OPERATORS[kinds.pop()])


def test_the_configuration_schema_has_the_loaders_vocabulary():
    assert sorted(CONFIG_SCHEMA["properties"]) == sorted(strategy.DOCUMENT_FIELDS)
    assert sorted(CONFIG_SCHEMA["properties"]["strategy"]["properties"]) == sorted(strategy.STRATEGY_FIELDS)
    assert sorted(CONFIG_SCHEMA["$defs"]["experiment"]["properties"]) == sorted(strategy.EXPERIMENT_FIELDS)


RULE = {"name": "late", "action": "call", "stage": "follow_up", "start": 10, "every": 3}
GOOD_POLICIES = [
    DEFAULT_LADDER,
    {"rules": [RULE]},
    {"name": "p", "description": "d", "plans": False, "rules": [{**RULE, "condition": {"not": "no_promise"}}]},
    {"name": "p", "plans": {"max_installments": 3, "min_first_payment_share": "0.2", "max_term_days": 90}, "rules": [RULE]},
    {"name": "p", "rules": [{**RULE, "condition": {"all": [
        {"fact": "amount_due", "op": ">=", "value": {"CNY": "5000", "USD": 700}},
        {"any": [{"fact": "segment", "op": "in", "value": ["a", "b"]}, {"fact": "sms_open", "op": "==", "value": False}]},
        {"fact": "days_since_conversation", "op": ">", "value": 14},
    ]}}]},
]  # fmt: skip
BAD_POLICIES = [
    {"name": "p", "rules": []},
    {"name": "p", "rules": [RULE], "owner": "x"},
    {"name": "p", "rules": [{**RULE, "action": "fax"}]},
    {"name": "p", "rules": [{**RULE, "stage": "collections"}]},
    {"name": "p", "rules": [{**RULE, "cadence": 3}]},
    {"name": "p", "rules": [{**RULE, "name": "confirmation"}]},
    {"name": "p", "rules": [{**RULE, "every": 0}]},
    {"name": "p", "rules": [{**RULE, "condition": "sunny"}]},
    {"name": "p", "rules": [{**RULE, "condition": {"fact": "mood", "op": "==", "value": 1}}]},
    {"name": "p", "rules": [{**RULE, "condition": {"fact": "refusals", "op": "in", "value": [1]}}]},
    {"name": "p", "rules": [{**RULE, "condition": {"fact": "product", "op": ">", "value": "x"}}]},
    {"name": "p", "rules": [{**RULE, "condition": {"fact": "refusals", "op": ">=", "value": "2"}}]},
    {"name": "p", "rules": [{**RULE, "condition": {"all": []}}]},
    {"name": "p", "rules": [{**RULE, "condition": {"all": ["always"], "any": ["always"]}}]},
    {"name": "p", "rules": [RULE], "plans": {"max_installments": 0}},
    {"name": "p", "rules": [{**RULE, "action": "sms", "template": "threat"}]},
    {"name": "p", "rules": [RULE], "plans": {"min_first_payment_share": 2}},
]


@pytest.mark.parametrize("document", GOOD_POLICIES)
def test_a_good_policy_passes_both(document):
    assert list(POLICY.iter_errors(document)) == []
    Policy.from_dict(document)


@pytest.mark.parametrize("document", BAD_POLICIES)
def test_a_bad_policy_fails_both(document):
    assert list(POLICY.iter_errors(document)) != []
    with pytest.raises(PolicyError):
        Policy.from_dict(document)


def config_with(**changes) -> dict:
    return {"senders": SENDERS, "policies": {"firm": {"rules": [RULE]}}, "strategy": {"default": "firm"}} | changes


GOOD_CONFIGS = [
    {"senders": SENDERS},
    config_with(),
    config_with(strategy={"default": "firm", "by_product": {"x": "default-ladder"}, "by_segment": {"y": "firm"},
                          "experiment": {"name": "e", "product": "x", "champion": "firm", "challenger": "default-ladder",
                                         "challenger_share": 0.5}}),
]  # fmt: skip
BAD_CONFIGS = [
    {"policies": {}},
    config_with(colours={}),
    config_with(strategy={"rollout": 1}),
    config_with(strategy={"experiment": {"name": "e", "champion": "firm", "challenger": "firm"}}),
    config_with(strategy={"experiment": {"name": "e", "champion": "firm", "challenger": "firm", "challenger_share": 1.5}}),
    config_with(policies={"firm": {"rules": []}}),
    config_with(senders={"XX": {}}),
]


@pytest.mark.parametrize("document", GOOD_CONFIGS)
def test_a_good_configuration_passes_both(document):
    assert list(CONFIG.iter_errors(document)) == []
    Configuration.from_dict(document)


@pytest.mark.parametrize("document", BAD_CONFIGS)
def test_a_bad_configuration_fails_both(document):
    assert list(CONFIG.iter_errors(document)) != []
    with pytest.raises(ConfigurationError):
        Configuration.from_dict(document)
