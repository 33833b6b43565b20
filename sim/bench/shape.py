"""The daily run's shape, read from template.yaml and the daily-run ASL: which function runs where, and each handler's module."""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from typing import Any

from ..local.template import ROOT, load_template, resources_of_type
from . import cost_model


def handler_modules(template: dict[str, Any] | None = None) -> dict[str, str]:
    """Function logical name -> its handler's module, from template.yaml."""
    functions = resources_of_type(template or load_template(), "AWS::Serverless::Function")
    return {logical: res["Properties"]["Handler"].rsplit(".", 1)[0] for logical, res in sorted(functions.items())}


@dataclass(frozen=True)
class RunShape:
    """Which function the daily-run state machine invokes where, read from its ASL and template.yaml."""

    roles: dict[str, str]  # function -> cost_model.RUN (once a run) | BATCH (once a Map child) | ACTION (once a decision)
    actions: dict[str, str]  # decision action ("sms", ...) -> the function that dispatches it
    assess: str  # the function a Map child starts with
    plan: str  # the function that plans the run (writes the manifest)


@functools.cache
def daily_run_shape() -> RunShape:
    template = load_template()
    machine = resources_of_type(template, "AWS::Serverless::StateMachine")["DailyRunStateMachine"]["Properties"]
    functions = {
        placeholder: value["Fn::GetAtt"][0]
        for placeholder, value in machine.get("DefinitionSubstitutions", {}).items()
        if isinstance(value, dict) and "Fn::GetAtt" in value
    }
    asl = json.loads((ROOT / machine["DefinitionUri"]).read_text())
    roles: dict[str, str] = {}
    actions: dict[str, str] = {}

    def function_of(state: dict[str, Any]) -> str | None:
        name = str(state.get("Parameters", {}).get("FunctionName", ""))
        return functions.get(name.removeprefix("${").removesuffix("}")) if name.startswith("${") else None

    def walk(states: dict[str, Any], role: str) -> None:
        for state in states.values():
            if (function := function_of(state)) is not None:
                roles.setdefault(function, role)
            if state.get("Type") == "Choice":
                for choice in state.get("Choices", []):
                    target = function_of(states.get(choice.get("Next"), {}))
                    if choice.get("Variable") == "$.action" and target:
                        actions[choice["StringEquals"]] = target
            if "ItemProcessor" in state:
                walk(state["ItemProcessor"]["States"], cost_model.BATCH if role == cost_model.RUN else cost_model.ACTION)

    walk(asl["States"], cost_model.RUN)
    # SMS leave the run through the outbox; the releaser moves them to the send queue, whose consumer (an SQS event
    # source) sends them, per batch of messages.
    for logical, res in resources_of_type(template, "AWS::Serverless::Function").items():
        for source in res["Properties"].get("Events", {}).values():
            if source["Type"] == "SQS" and source["Properties"]["Queue"] == {"Fn::GetAtt": ["SmsSendQueue", "Arn"]}:
                roles[logical], actions["sms"] = cost_model.OUTBOX, logical
    child = next(s for s in asl["States"].values() if s.get("ItemProcessor", {}).get("ProcessorConfig", {}).get("Mode") == "DISTRIBUTED")
    assess = function_of(child["ItemProcessor"]["States"][child["ItemProcessor"]["StartAt"]]) or "AssessAccountsFunction"
    plan = function_of(asl["States"]["PlanRun"]) or "PlanRunFunction"
    return RunShape(roles, actions, assess, plan)
