"""Reading template.yaml: the one description of the stack, for the local harness and tests.

A tiny CloudFormation-aware YAML loader (short-form intrinsics become their long form)
and a resolver for the intrinsics the template uses in values we need locally.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "template.yaml"


class _CfnLoader(yaml.SafeLoader):
    pass


def _intrinsic(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    name = "Ref" if suffix == "Ref" else f"Fn::{suffix}"
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
        if name == "Fn::GetAtt":
            value = value.split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    return {name: value}


_CfnLoader.add_multi_constructor("!", _intrinsic)


def load_template(path: Path = TEMPLATE) -> dict[str, Any]:
    return yaml.load(path.read_text(), Loader=_CfnLoader)  # noqa: S506 - SafeLoader subclass


def resources_of_type(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {name: r for name, r in template["Resources"].items() if r["Type"] == kind}


def resolve(value: Any, refs: dict[str, str], attrs: dict[tuple[str, str], str]) -> Any:
    """Resolve Ref / Fn::GetAtt / Fn::Join / Fn::Sub against local physical names; other values pass through."""
    if isinstance(value, dict) and len(value) == 1:
        ((key, arg),) = value.items()
        if key == "Ref":
            return refs[arg]
        if key == "Fn::GetAtt":
            return attrs[(arg[0], arg[1])]
        if key == "Fn::Join":
            separator, parts = arg
            return separator.join(str(resolve(part, refs, attrs)) for part in parts)
        if key == "Fn::Sub":
            text = arg if isinstance(arg, str) else arg[0]
            for name, val in refs.items():
                text = text.replace("${" + name + "}", str(val))
            return text
    if isinstance(value, dict):
        return {k: resolve(v, refs, attrs) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve(v, refs, attrs) for v in value]
    return value


# What a Ref to each kind of resource names in a deployed stack, written for a placeholder account and region.
_REF_SHAPES = {
    "AWS::SQS::Queue": "https://sqs.us-east-1.amazonaws.com/123456789012/{}",
    "AWS::SNS::Topic": "arn:aws:sns:us-east-1:123456789012:{}",
    "AWS::Serverless::StateMachine": "arn:aws:states:us-east-1:123456789012:stateMachine:{}",
    "AWS::S3::Bucket": "{}",
}


def placeholder_environment(template: dict[str, Any], parameters: dict[str, str], function: str | None = None) -> dict[str, str]:
    """A function's environment (Globals and its block; every block if None) as a deployment would resolve it, with
    placeholder names: for starting a handler where no stack exists (the bench's cold imports). `parameters` override
    the template's defaults."""
    refs = {name: str(p.get("Default", "")) for name, p in template.get("Parameters", {}).items()} | parameters
    for logical, res in template["Resources"].items():
        refs.setdefault(logical, _REF_SHAPES.get(res["Type"], "{}").format(logical.lower()))
    blocks = [template.get("Globals", {}).get("Function", {})]
    functions = resources_of_type(template, "AWS::Serverless::Function")
    blocks += [res["Properties"] for name, res in functions.items() if function in (None, name)]
    env: dict[str, str] = {}
    for block in blocks:
        variables = block.get("Environment", {}).get("Variables", {})
        env |= {name: str(resolve(value, refs, {})) for name, value in variables.items()}
    return env


def run_instants(template: dict[str, Any], day: date) -> list[tuple[datetime, str]]:
    """When the daily-run schedules of template.yaml fire on a UTC date: (UTC instant, schedule name), in time order.

    The one reading of the schedules: the harness fires them (sim.scenarios.replay), the preview and the lab walk them.
    """
    machine = template["Resources"]["DailyRunStateMachine"]
    out = []
    for name, event in machine["Properties"].get("Events", {}).items():
        props = event["Properties"]
        found = re.match(r"cron\((\d+) (\d+) ", props["ScheduleExpression"])
        if found is None:
            continue
        minute, hour = found.groups()
        local = datetime.combine(day, time(int(hour), int(minute)), tzinfo=ZoneInfo(props.get("ScheduleExpressionTimezone", "UTC")))
        out.append((local.astimezone(UTC), name))
    return sorted(out)
