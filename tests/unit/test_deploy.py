"""The way from a clone to an AWS account: samconfig, the template's prompts, and `make deploy`'s refusals."""

import json
import re
import sys
import tomllib

import pytest

from sim.local.template import ROOT, load_template

sys.path.insert(0, str(ROOT / "tools"))
from deploy import DeployError, plan

SAMCONFIG = tomllib.loads((ROOT / "samconfig.toml").read_text(encoding="utf-8"))
DEPLOY_ENVS = {name: env["deploy"]["parameters"] for name, env in SAMCONFIG.items() if isinstance(env, dict) and "deploy" in env}
# Names that exist only for the local harness (sim/local/stack.py: LOCAL_SUBSTITUTIONS, LOCAL_ENVIRONMENT).
HARNESS_ONLY = ("Clock", "MapChildExecutionType")
EXAMPLE_SENDERS = json.loads((ROOT / "infra" / "sender-identities.example.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("env", sorted(DEPLOY_ENVS))
def test_every_environment_can_deploy_the_nested_application_in_its_own_region(env):
    params = DEPLOY_ENVS[env]
    assert set(params["capabilities"].split()) >= {"CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"}
    assert re.fullmatch(r"[a-z]{2}-[a-z]+-\d", params["region"])


def test_each_environment_is_its_own_stack_and_the_default_is_not_a_debug_dev():
    stacks = [p["stack_name"] for p in DEPLOY_ENVS.values()]
    assert len(stacks) == len(set(stacks)) and {"dev", "prod", "default"} <= set(DEPLOY_ENVS)
    assert "DEBUG" not in DEPLOY_ENVS["default"].get("parameter_overrides", "")
    assert "global" not in SAMCONFIG["default"]  # no stack name shared by every environment


def test_no_identity_has_a_default_and_no_real_company_is_named():
    template = load_template()
    # Sender identities live only in the lender configuration a deployment brings (AppConfig); none ships.
    assert not {"SenderIdentities", "LenderName", "SmsSignature", "SupportPhone", "PayHint"} & set(template["Parameters"])
    assert "AWS::AppConfig::HostedConfigurationVersion" not in {r["Type"] for r in template["Resources"].values()}
    assert not (ROOT / "deploy" / "prod.configuration.json").exists()
    shipped = "".join(
        (ROOT / f).read_text(encoding="utf-8")
        for f in ("template.yaml", "samconfig.toml", "infra/sender-identities.example.json", "deploy/dev.configuration.json")
    )
    for real in ("Shengbei", "省呗", "400-800-1234"):
        assert real not in shipped


def test_harness_only_settings_are_not_offered_at_deploy():
    template = load_template()
    assert not set(HARNESS_ONLY) & set(template["Parameters"])
    assert "CLOCK" not in template["Globals"]["Function"]["Environment"]["Variables"]


def test_the_due_shard_count_may_change_either_way():
    description = load_template()["Parameters"]["DueShards"]["Description"]
    assert "Only ever raise it" not in description and "either way" in description


def test_make_deploy_says_what_it_will_do_then_deploys_the_configuration():
    deployment = plan("dev")
    assert (deployment.stack, deployment.region) == ("collections-escalation-dev", "us-east-1")
    assert deployment.overrides == ("LogLevel=DEBUG", "DueShards=32")
    assert "dev.configuration.json: senders CN, EU, US; policies default-ladder" in deployment.describe()
    build, sam_deploy, config_deploy, receipts = deployment.commands("sam", "python")
    assert receipts[-2:] == ["sms-receipts", "enable"] and receipts[receipts.index("--stack") + 1] == "collections-escalation-dev"
    assert build == ["sam", "build"] and sam_deploy[:4] == ["sam", "deploy", "--config-env", "dev"]
    assert config_deploy[:2] == ["python", "-m"] and config_deploy[-3:] == ["config", "deploy", str(ROOT / "deploy/dev.configuration.json")]
    assert config_deploy[config_deploy.index("--stack") + 1] == "collections-escalation-dev"


def test_make_deploy_refuses_without_a_configuration_naming_the_file(tmp_path):
    with pytest.raises(DeployError, match=r"missing\.json: no lender configuration for this environment.*There is no default"):
        plan("dev", tmp_path / "missing.json")


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"senders": {"US": {"lender_name": "X", "support_phone": "+1 800", "pay_hint": "y", "motto": "z"}}}, r"US\.motto: unknown field"),
        ({"senders": {"CN": {"lender_name": "示例", "support_phone": "400-000-0000", "pay_hint": "在App"}}}, "signature not configured"),
        ({"policies": {}}, "'senders' is a required property"),
        ({"senders": EXAMPLE_SENDERS, "strategy": {"default": "missing"}}, "strategy.default: names policy 'missing'"),
        ({"senders": EXAMPLE_SENDERS, "policies": {"p": {"rules": [{"name": "r", "action": "sms", "stage": "early", "start": 1,
                                                               "condition": {"fact": "mood", "op": "==", "value": 1}}]}}},
         "policies/p/rules/0/condition"),
    ],
)  # fmt: skip
def test_make_deploy_refuses_a_configuration_the_functions_would_refuse(tmp_path, document, message):
    path = tmp_path / "configuration.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(DeployError, match=message):
        plan("dev", path)


def test_make_deploy_refuses_an_unknown_environment_or_missing_capabilities(tmp_path):
    with pytest.raises(DeployError, match=r"ENV=staging: not an environment of samconfig\.toml; expected one of dev, prod"):
        plan("staging")
    config = tmp_path / "samconfig.toml"
    config.write_text('[dev.deploy.parameters]\nstack_name = "s"\nregion = "us-east-1"\ncapabilities = "CAPABILITY_IAM"\n', "utf-8")
    with pytest.raises(DeployError, match="add CAPABILITY_AUTO_EXPAND"):
        plan("dev", samconfig=config)


def test_the_readme_deploys_with_both_capabilities():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "CAPABILITY_AUTO_EXPAND" in readme and "make deploy ENV=" in readme
