"""What template.yaml allows, as data: per role, the (IAM action, resource) pairs it may use.

A resource is named by the logical id of what it points at, with the path the statement adds:
"AccountsTable", "AccountsTable/index/due", "ManifestBucket/runs/*/manifest.json",
"DailyRunStateMachine:execution:*", or "*". A role is the SAM function or state machine whose
`Policies` make it (SAM generates `<LogicalId>Role`), or an AWS::IAM::Role of the template.

SAM policy templates are expanded as SAM defines them (samtranslator's policy_templates.json),
so a template that still used one (DynamoDBCrudPolicy, ...) would show what it really allows.
Used by tests/unit/test_security_template.py (the shape of every role) and
tests/e2e/test_iam_covers_calls.py (every AWS call the handlers make on the local stack is allowed).
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterator
from typing import Any

ROLE_TYPES = ("AWS::Serverless::Function", "AWS::Serverless::StateMachine", "AWS::IAM::Role")
STATES_ARN = "arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}"

# SAM policy templates: name -> (actions, resources as suffixes of the named resource).
SAM_POLICY_TEMPLATES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "DynamoDBCrudPolicy": (
        (
            "dynamodb:GetItem", "dynamodb:DeleteItem", "dynamodb:PutItem", "dynamodb:Scan", "dynamodb:Query",
            "dynamodb:UpdateItem", "dynamodb:BatchWriteItem", "dynamodb:BatchGetItem", "dynamodb:DescribeTable",
            "dynamodb:ConditionCheckItem",
        ),
        ("", "/index/*"),
    ),
    "DynamoDBReadPolicy": (
        ("dynamodb:GetItem", "dynamodb:Scan", "dynamodb:Query", "dynamodb:BatchGetItem", "dynamodb:DescribeTable"),
        ("", "/index/*"),
    ),
    "DynamoDBWritePolicy": (("dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:BatchWriteItem"), ("", "/index/*")),
    "S3ReadPolicy": (
        ("s3:GetObject", "s3:ListBucket", "s3:GetBucketLocation", "s3:GetObjectVersion", "s3:GetLifecycleConfiguration"),
        ("", "/*"),
    ),
    "S3WritePolicy": (("s3:PutObject", "s3:PutObjectAcl", "s3:PutLifecycleConfiguration"), ("", "/*")),
    "S3CrudPolicy": (
        (
            "s3:GetObject", "s3:ListBucket", "s3:GetBucketLocation", "s3:GetObjectVersion", "s3:PutObject", "s3:PutObjectAcl",
            "s3:GetLifecycleConfiguration", "s3:PutLifecycleConfiguration", "s3:DeleteObject",
        ),
        ("", "/*"),
    ),
    "SQSSendMessagePolicy": (("sqs:SendMessage*",), ("",)),
    "SNSPublishMessagePolicy": (("sns:Publish",), ("",)),
    "StepFunctionsExecutionPolicy": (("states:StartExecution",), ("",)),
    "LambdaInvokePolicy": (("lambda:InvokeFunction",), ("*",)),
    "KMSDecryptPolicy": (("kms:Decrypt",), ("",)),
    "KMSEncryptPolicy": (("kms:Encrypt",), ("",)),
}  # fmt: skip


class UnknownResource(ValueError):
    """A statement names a resource in a form this module cannot map to a logical id."""


def roles(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {name: r for name, r in template["Resources"].items() if r["Type"] in ROLE_TYPES}


def statements(template: dict[str, Any], logical: str) -> list[dict[str, Any]]:
    """Every policy statement of one role, SAM policy templates expanded."""
    resource = template["Resources"][logical]
    props = resource.get("Properties", {})
    if resource["Type"] == "AWS::IAM::Role":
        return [s for p in props.get("Policies", []) for s in _listed(p["PolicyDocument"]["Statement"])]
    out: list[dict[str, Any]] = []
    for policy in _listed(props.get("Policies", [])):
        if isinstance(policy, dict) and "Statement" in policy:
            out += _listed(policy["Statement"])
        elif isinstance(policy, dict) and len(policy) == 1:
            ((name, args),) = policy.items()
            if name not in SAM_POLICY_TEMPLATES:
                raise ValueError(f"{logical}: unknown SAM policy template {name}")
            actions, suffixes = SAM_POLICY_TEMPLATES[name]
            target = _target_of(next(iter(args.values())))
            out.append({"Effect": "Allow", "Action": list(actions), "Resource": [f"{target}{s}" for s in suffixes], "_template": name})
        else:
            raise ValueError(f"{logical}: policy {policy!r} is neither a statement list nor a SAM policy template")
    return out


def policy_templates(template: dict[str, Any]) -> dict[str, list[str]]:
    """The SAM policy templates each role uses (none: every statement is written out in the template)."""
    found: dict[str, list[str]] = {}
    for logical in roles(template):
        names = [s["_template"] for s in statements(template, logical) if "_template" in s]
        if names:
            found[logical] = names
    return found


def grants(template: dict[str, Any], logical: str) -> set[tuple[str, str]]:
    """(action, resource) pairs one role is allowed."""
    return {
        (action, resource_id(template, res))
        for s in statements(template, logical)
        if s.get("Effect") == "Allow"
        for action in _listed(s["Action"])
        for res in _listed(s["Resource"])
    }


def all_allow_statements(template: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(owner, statement) for every Allow in the template: roles, key policies and resource policies."""
    for logical in roles(template):
        for s in statements(template, logical):
            if s.get("Effect") == "Allow":
                yield logical, s
    for logical, resource in template["Resources"].items():
        props = resource.get("Properties", {})
        document = props.get("KeyPolicy") or props.get("PolicyDocument")
        if isinstance(document, dict):
            for s in _listed(document.get("Statement", [])):
                if s.get("Effect") == "Allow":
                    yield logical, s


def resource_id(template: dict[str, Any], value: Any) -> str:
    """A statement's Resource as "<LogicalId>[path]" or "*"."""
    if value == "*":
        return "*"
    if isinstance(value, str) and not value.startswith("arn:"):
        return value  # already a logical id (expanded SAM policy templates)
    if isinstance(value, dict) and len(value) == 1:
        ((kind, arg),) = value.items()
        if kind == "Ref":
            return arg
        if kind == "Fn::GetAtt" and arg[1] == "Arn":
            return arg[0]
        if kind == "Fn::Sub" and isinstance(arg, str):
            text = arg
            for name, machine in roles(template).items():
                sm_name = machine.get("Properties", {}).get("Name", {})
                if machine["Type"] == "AWS::Serverless::StateMachine" and isinstance(sm_name, dict) and "Fn::Sub" in sm_name:
                    text = text.replace(f"{STATES_ARN}:stateMachine:{sm_name['Fn::Sub']}", name)
                    text = text.replace(f"{STATES_ARN}:execution:{sm_name['Fn::Sub']}:", f"{name}:execution:")
            # A state machine's executions, by its Name attribute (people's roles: ops legal list, runs report).
            text = re.sub(rf"^{re.escape(STATES_ARN)}:execution:\$\{{(\w+)\.Name\}}:", r"\1:execution:", text)
            # An AppConfig configuration: application/<app>/environment/<env>/configuration/<profile> -> the profile.
            if found := re.fullmatch(r"arn:\$\{AWS::Partition\}:appconfig:.*/configuration/\$\{(\w+)\}", text):
                return found.group(1)
            # SNS's SMS delivery-status groups, by their fixed names (the stack may create them or find them).
            if found := re.fullmatch(r"arn:\$\{AWS::Partition\}:logs:.*:log-group:sns/.*/DirectPublishToPhone\w+(/Failure)?(:\*)?", text):
                return "SmsDeliveryFailureLogGroup" if found.group(1) else "SmsDeliveryLogGroup"
            text = re.sub(r"^\$\{(\w+)\.Arn\}", r"\1", text)
            if "${" not in text and not text.startswith("arn:"):
                return text
    raise UnknownResource(f"cannot name resource {value!r}")


def allows(granted: set[tuple[str, str]], action: str, resource: str) -> bool:
    """Whether (action, resource) is covered by the grants, with IAM's wildcards in either."""
    return any(fnmatch.fnmatchcase(action, a) and fnmatch.fnmatchcase(resource, r) for a, r in granted)


def _target_of(value: Any) -> str:
    if isinstance(value, dict) and "Ref" in value:
        return value["Ref"]
    if isinstance(value, dict) and "Fn::GetAtt" in value:
        return value["Fn::GetAtt"][0]
    raise UnknownResource(f"cannot name policy template parameter {value!r}")


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]
