"""infra/observability.yaml: the dashboard and alarms exist, are wired from template.yaml, and watch metrics the code emits."""

import re
from pathlib import Path

from sim.local.template import ROOT, load_template, resources_of_type

INFRA = load_template(ROOT / "infra" / "observability.yaml")
MAIN = load_template()


def test_the_main_template_deploys_the_observability_stack_with_every_parameter():
    [app] = resources_of_type(MAIN, "AWS::Serverless::Application").values()
    assert app["Properties"]["Location"] == "infra/observability.yaml"
    required = {name for name, p in INFRA["Parameters"].items() if "Default" not in p}
    assert required <= set(app["Properties"]["Parameters"]), required - set(app["Properties"]["Parameters"])
    assert set(app["Properties"]["Parameters"]) <= set(INFRA["Parameters"])


def test_a_dashboard_and_at_least_four_alarms_each_notifying_the_alarm_topic():
    assert len(resources_of_type(INFRA, "AWS::CloudWatch::Dashboard")) == 1
    alarms = resources_of_type(INFRA, "AWS::CloudWatch::Alarm")
    assert len(alarms) >= 4
    for name, alarm in alarms.items():
        assert alarm["Properties"]["AlarmActions"] == [{"Ref": "AlarmTopic"}], name
        assert "docs/OPERATIONS.md" in alarm["Properties"]["AlarmDescription"], f"{name}: point the on-call to its runbook"
    kinds = " ".join(alarms)
    for watched in ("DailyRunFailed", "DispatchFailures", "DeadLetters", "SmsThrottled", "SmsFailed", "SmsSpend"):
        assert watched in kinds


def test_every_alarm_has_a_runbook_row():
    readme = (ROOT / "docs" / "OPERATIONS.md").read_text(encoding="utf-8")
    for name in resources_of_type(INFRA, "AWS::CloudWatch::Alarm"):
        assert f"| {name.removesuffix('Alarm')} |" in readme, name


def test_the_custom_metrics_watched_are_ones_the_functions_emit():
    code = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "functions").rglob("*.py"))
    text = (ROOT / "infra" / "observability.yaml").read_text(encoding="utf-8")  # the dashboard body is a string
    watched = set(re.findall(r'\["CollectionsEscalation", "(\w+)"', text)) | set(re.findall(r'MetricName=\\"(\w+)\\"', text))
    for alarm in resources_of_type(INFRA, "AWS::CloudWatch::Alarm").values():
        props = alarm["Properties"]
        if props.get("Namespace") == "CollectionsEscalation":
            watched.add(props["MetricName"])
        for metric in props.get("Metrics", []):
            stat = metric.get("MetricStat", {}).get("Metric", {})
            if stat.get("Namespace") == "CollectionsEscalation":
                watched.add(stat["MetricName"])
    assert {"FailedAccounts", "SmsThrottled", "SmsFailed"} <= watched
    for name in watched:
        # Emitted by name, or as the name of the exception counted (SmsThrottled, SmsFailed: count(type(exc).__name__)).
        assert f'"{name}"' in code or f"class {name}(" in code, f"no function emits {name}"


def test_the_alarm_topic_is_encrypted_with_the_stacks_key():
    topic = INFRA["Resources"]["AlarmTopic"]["Properties"]
    assert topic["KmsMasterKeyId"] == {"Ref": "EncryptionKeyArn"}
    assert Path(ROOT / "infra" / "observability.yaml").exists()
