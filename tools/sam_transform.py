"""template.yaml through the SAM transform, offline: the CloudFormation that `sam deploy` would create.

The security scan (`make scan`, docs/SECURITY.md) runs checkov on template.yaml as written and on
this output. The transform is what shows the scanner the resources SAM generates: one IAM role
per function and state machine (with the policies of their `Policies`), the Lambda functions,
event source mappings, schedules and state machines. `sam build`'s output is no substitute: it
is still a SAM template (`Transform: AWS::Serverless-2016-10-31`), only with built code paths.

Checkov suppressions stay in template.yaml: SAM copies a function's `Metadata` to its
AWS::Lambda::Function, and this script also copies a SAM resource's checkov skips to the role
SAM generates for it (`<LogicalId>Role`), so a finding on a generated role is suppressed (with
its reason) next to the statement that causes it.

Runs with the SAM CLI's interpreter (it ships the translator):
    AWS_DEFAULT_REGION=us-east-1 .venv-sam/bin/python tools/sam_transform.py template.yaml out.json
"""

from __future__ import annotations

import copy
import json
import sys
from pathlib import Path
from typing import Any

from samcli.yamlhelper import yaml_parse
from samtranslator.translator.transform import transform

# Local paths are uploaded by `sam deploy`; the transform only needs them to look like S3 locations.
PLACEHOLDER_CODE = "s3://local-build/functions.zip"


class _NoManagedPolicies:
    """The template names no AWS managed policy in `Policies`, so nothing needs looking up in IAM."""

    def load(self) -> dict[str, str]:
        return {}


def prepare(template: dict[str, Any], root: Path) -> dict[str, Any]:
    """Replace local code paths with placeholders and inline the state machines' definitions."""
    template = copy.deepcopy(template)
    function_globals = template.get("Globals", {}).get("Function", {})
    if isinstance(function_globals.get("CodeUri"), str):
        function_globals["CodeUri"] = PLACEHOLDER_CODE
    for resource in template["Resources"].values():
        props = resource.get("Properties", {})
        if resource["Type"] == "AWS::Serverless::Function" and isinstance(props.get("CodeUri"), str):
            props["CodeUri"] = PLACEHOLDER_CODE
        if resource["Type"] == "AWS::Serverless::StateMachine" and isinstance(props.get("DefinitionUri"), str):
            props["Definition"] = json.loads((root / props.pop("DefinitionUri")).read_text())
    return template


def carry_suppressions(source: dict[str, Any], transformed: dict[str, Any]) -> None:
    """A SAM resource's checkov skips apply to the IAM role SAM generates for it."""
    resources = transformed["Resources"]
    for logical, resource in source["Resources"].items():
        skips = resource.get("Metadata", {}).get("checkov", {}).get("skip")
        role = resources.get(f"{logical}Role")
        if skips and resource["Type"].startswith("AWS::Serverless::") and role and role["Type"] == "AWS::IAM::Role":
            role.setdefault("Metadata", {}).setdefault("checkov", {}).setdefault("skip", []).extend(copy.deepcopy(skips))


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: sam_transform.py TEMPLATE OUT.json", file=sys.stderr)
        return 2
    source_path, out_path = Path(argv[0]), Path(argv[1])
    source = yaml_parse(source_path.read_text())
    transformed = transform(prepare(source, source_path.resolve().parent), {}, _NoManagedPolicies())
    carry_suppressions(source, transformed)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_text(json.dumps(transformed, indent=1, default=str))
    kinds = sorted({r["Type"] for r in transformed["Resources"].values()})
    print(f"sam transform: {len(transformed['Resources'])} resources ({', '.join(kinds)}) -> {out_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
