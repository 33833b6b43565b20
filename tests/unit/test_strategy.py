"""The lender configuration: the strategy map, experiments and their deterministic arms, every refusal named."""

import json
from decimal import Decimal
from pathlib import Path

import pytest

from escalation.domain.strategy import CHALLENGER, CHAMPION, NO_ARM, Assignment, Configuration, ConfigurationError

ROOT = Path(__file__).resolve().parents[2]
SENDERS = json.loads((ROOT / "infra" / "sender-identities.example.json").read_text(encoding="utf-8"))
GENTLE = {"name": "gentle", "rules": [{"name": "reminder", "action": "sms", "stage": "early", "start": 2, "end": 6}]}
FIRM = {"name": "firm", "rules": [{"name": "reminder", "action": "sms", "stage": "early", "start": 1, "end": 6}]}


def document(**strategy) -> dict:
    return {"senders": SENDERS, "policies": {"gentle": GENTLE, "firm": FIRM}, "strategy": strategy}


def config(**strategy) -> Configuration:
    return Configuration.from_dict(document(**strategy))


def test_without_policies_every_account_follows_the_default_ladder():
    plain = Configuration.from_dict({"senders": SENDERS})
    assert plain.assign("A-1", "credit-line", None) == Assignment("default-ladder")
    assert plain.policy("default-ladder").version.startswith("default-ladder@")


def test_the_map_picks_by_segment_then_product_then_default():
    c = config(default="gentle", by_product={"credit-line": "firm"}, by_segment={"high-risk": "firm", "low-risk": "gentle"})
    assert c.assign("A", "cash-loan", None) == Assignment("gentle")
    assert c.assign("A", "credit-line", None) == Assignment("firm")
    assert c.assign("A", "cash-loan", "high-risk") == Assignment("firm")
    assert c.assign("A", "credit-line", "low-risk") == Assignment("gentle")  # the segment is the more specific


def test_an_experiment_assigns_arms_deterministically_in_its_scope():
    experiment = {"name": "firm-vs-gentle", "product": "cash-loan", "champion": "gentle", "challenger": "firm", "challenger_share": 0.3}
    c = config(default="gentle", experiment=experiment)
    assert c.assign("A-1", "credit-line", None) == Assignment("gentle")  # outside the experiment's product
    first = c.assign("A-1", "cash-loan", None)
    assert first.experiment == "firm-vs-gentle" and first.arm in (CHAMPION, CHALLENGER)
    assert first.policy == ("firm" if first.arm == CHALLENGER else "gentle")
    assert all(c.assign("A-1", "cash-loan", None) == first for _ in range(5))
    again = Configuration.from_dict(document(default="gentle", experiment=experiment))  # another load, the same arm
    assert again.assign("A-1", "cash-loan", None) == first


def test_the_challenger_share_holds_on_ten_thousand_accounts():
    c = config(experiment={"name": "e1", "champion": "gentle", "challenger": "firm", "challenger_share": "0.3"})
    arms = [c.assign(f"ACC-{n:05d}", "any", None).arm for n in range(10_000)]
    share = arms.count(CHALLENGER) / len(arms)
    assert abs(share - 0.3) < 0.015  # binomial sd is 0.0046: three sd and more


def test_a_different_experiment_name_draws_other_arms():
    a = config(experiment={"name": "e1", "champion": "gentle", "challenger": "firm", "challenger_share": 0.5})
    b = config(experiment={"name": "e2", "champion": "gentle", "challenger": "firm", "challenger_share": 0.5})
    ids = [f"ACC-{n}" for n in range(200)]
    assert [a.assign(i, "x", None).arm for i in ids] != [b.assign(i, "x", None).arm for i in ids]


@pytest.mark.parametrize("share", [0, 1])
def test_shares_of_zero_and_one_put_everybody_in_one_arm(share):
    c = config(experiment={"name": "e", "champion": "gentle", "challenger": "firm", "challenger_share": share})
    arms = {c.assign(f"ACC-{n}", "x", None).arm for n in range(500)}
    assert arms == {CHAMPION if share == 0 else CHALLENGER}


def test_the_first_experiment_that_covers_an_account_wins():
    c = config(
        experiments=[
            {"name": "seg", "segment": "high-risk", "champion": "firm", "challenger": "gentle", "challenger_share": 0},
            {"name": "all", "champion": "gentle", "challenger": "firm", "challenger_share": 0},
        ]
    )
    assert c.assign("A", "x", "high-risk") == Assignment("firm", CHAMPION, "seg")
    assert c.assign("A", "x", None) == Assignment("gentle", CHAMPION, "all")
    assert Assignment("gentle").arm == NO_ARM


def test_the_version_fingerprints_the_document():
    assert config(default="gentle").version == config(default="gentle").version
    assert config(default="gentle").version != config(default="firm").version


def test_an_account_under_a_policy_since_removed_follows_the_default():
    c = config(default="gentle")
    assert c.policy("retired").name == "gentle"


@pytest.mark.parametrize(
    ("change", "says"),
    [
        (
            lambda d: d["policies"]["gentle"]["rules"][0].update(condition={"fact": "mood", "op": "==", "value": 1}),
            "policies.gentle: policy rule #1 (reminder): field 'condition.fact': unknown fact 'mood'",
        ),
        (lambda d: d["strategy"].update(default="strict"), "strategy.default: names policy 'strict', which is not in policies"),
        (lambda d: d["strategy"].update(by_product={"credit-line": "missing"}), "strategy.by_product.credit-line: names policy 'missing'"),
        (lambda d: d["strategy"].update(by_segment=["x"]), "strategy.by_segment: expected an object"),
        (
            lambda d: d["strategy"].update(experiment={"name": "e", "champion": "gentle", "challenger": "firm", "challenger_share": 1.2}),
            "strategy.experiment.challenger_share: expected a share from 0 to 1, got 1.2",
        ),
        (
            lambda d: d["strategy"].update(experiment={"name": "e", "champion": "gentle", "challenger": "firm", "challenger_share": -0.1}),
            "strategy.experiment.challenger_share",
        ),
        (
            lambda d: d["strategy"].update(experiment={"name": "e", "champion": "gentle", "challenger": "firm", "challenger_share": True}),
            "strategy.experiment.challenger_share",
        ),
        (
            lambda d: d["strategy"].update(experiment={"name": "e", "champion": "gentle", "challenger": "firm"}),
            "strategy.experiment: missing field 'challenger_share'",
        ),
        (
            lambda d: d["strategy"].update(experiment={"name": "e", "champion": "gentle", "challenger": "nope", "challenger_share": 0.1}),
            "strategy.experiment.challenger: names policy 'nope'",
        ),
        (
            lambda d: d["strategy"].update(
                experiments=[{"name": "e", "champion": "gentle", "challenger": "firm", "challenger_share": 0.1, "arms": 3}]
            ),
            "strategy.experiments[0]: unknown field 'arms'",
        ),
        (lambda d: d["strategy"].update(rollout="all"), "strategy: unknown field 'rollout'"),
        (lambda d: d.update(colours={}), "configuration: unknown field 'colours'"),
        (lambda d: d.pop("senders"), "senders: missing"),
        (lambda d: d["senders"].update(XX={}), "senders: 'XX': expected a profile"),
        (lambda d: d["policies"]["gentle"].update(name="firm"), "policies.gentle: field 'name' is 'firm'; it must be the key"),
        (lambda d: d["policies"].update(loose=[]), "policies.loose: policy: must be a JSON object"),
    ],
)
def test_a_bad_configuration_is_refused_naming_the_field(change, says):
    raw = json.loads(json.dumps(document(default="gentle")))
    change(raw)
    with pytest.raises(ConfigurationError) as caught:
        Configuration.from_dict(raw)
    assert says in str(caught.value), str(caught.value)


def test_a_configuration_that_is_not_json_is_refused():
    with pytest.raises(ConfigurationError, match="configuration: not JSON"):
        Configuration.from_json("{policies:")


def test_the_share_is_kept_exactly():
    c = config(experiment={"name": "e", "champion": "gentle", "challenger": "firm", "challenger_share": "0.125"})
    assert c.strategy.experiments[0].challenger_share == Decimal("0.125")
