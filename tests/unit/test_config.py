"""Each handler's settings: validated at its cold start, from its own environment, the variable named when wrong."""

from __future__ import annotations

import ast

import pytest

from escalation.config import ConfigError, Settings
from sim.local.template import ROOT, load_template, placeholder_environment, resources_of_type

TEMPLATE = load_template()
FUNCTIONS = resources_of_type(TEMPLATE, "AWS::Serverless::Function")
ENV = placeholder_environment(TEMPLATE, {})


def handler_needs(logical: str) -> tuple[str, ...] | None:
    """The NEEDS a function's handler module declares (read from its source: importing would load its settings)."""
    module = FUNCTIONS[logical]["Properties"]["Handler"].rsplit(".", 1)[0]
    tree = ast.parse((ROOT / "functions" / (module.replace(".", "/") + ".py")).read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "NEEDS" for t in node.targets):
            return tuple(ast.literal_eval(node.value))
    return None


def own_environment(logical: str) -> dict[str, str]:
    """Globals and the function's own block only, as its Lambda gets them."""
    return placeholder_environment(TEMPLATE, {}, logical)


@pytest.mark.parametrize("logical", sorted(FUNCTIONS))
def test_every_handler_loads_its_settings_from_its_own_template_block(logical: str) -> None:
    needs = handler_needs(logical)
    if needs is None:  # reads no settings (sync_opt_outs, return_to_ladder)
        return
    settings = Settings.load(*needs, env=own_environment(logical))
    assert settings.loaded == frozenset(needs)


def test_a_missing_variable_fails_naming_it() -> None:
    env = {k: v for k, v in ENV.items() if k != "CALL_QUEUE_URL"}
    with pytest.raises(ConfigError, match=r"^CALL_QUEUE_URL: missing"):
        Settings.load("call_queue_url", env=env)


@pytest.mark.parametrize(
    ("variable", "value", "need", "says"),
    [
        ("BATCH_SIZE", "0", "batch_size", "from 1 to 100"),
        ("BATCH_SIZE", "many", "batch_size", "invalid literal"),
        ("MANIFEST_BUCKET", "My_Bucket", "manifest_bucket", "an S3 bucket name"),
        ("VISIT_QUEUE_URL", "visit-queue", "visit_queue_url", "a queue URL"),
        ("REVIEWER_TOPIC_ARN", "reviewers", "reviewer_topic_arn", "an ARN"),
        ("DEFAULT_PROFILE", "UK", "default_profile", "CN, US or EU"),
        ("LENDER_CONFIG_PROFILE", "a/b", "lender_config", "an AppConfig id or name"),
        ("SMS_PER_SECOND", "0", "sms_seconds_per_send", "a positive rate"),
        ("SMS_PER_SECOND", "-2", "sms_per_second", "a positive rate"),
        ("SMS_SEND_QUEUE_URL", "send-queue", "sms_send_queue_url", "a queue URL"),
        ("CLOCK", "sometimes", "batch_size", "wall or run"),
    ],
)
def test_a_malformed_variable_fails_naming_it(variable: str, value: str, need: str, says: str) -> None:
    with pytest.raises(ConfigError) as caught:
        Settings.load(need, env=ENV | {variable: value})
    assert str(caught.value).startswith(f"{variable}: ")
    assert says in str(caught.value)


def test_what_a_handler_does_not_name_is_not_read() -> None:
    settings = Settings.load("batch_size", env={"BATCH_SIZE": "25"})
    assert (settings.batch_size, settings.manifest_bucket, settings.clock, settings.lender_config) == (25, "", "wall", None)


def test_an_unknown_setting_is_a_programming_error_named() -> None:
    with pytest.raises(ConfigError, match="unknown setting"):
        Settings.load("batch_sise", env=ENV)


def test_sms_pacing_spreads_the_rate_over_the_senders() -> None:
    settings = Settings.load("sms_seconds_per_send", env={"SMS_SENDERS": "4", "SMS_PER_SECOND": "20"})
    assert settings.sms_seconds_per_send == pytest.approx(0.2)


def test_the_releaser_reads_its_rate_fractions_allowed() -> None:
    settings = Settings.load("sms_per_second", env={"SMS_PER_SECOND": "12.5"})
    assert settings.sms_per_second == 12.5
