"""How the ops CLI reaches OperatorCommandsFunction: the one way a person's command gets onto the borrower bus.

Deployed, the function's URL takes AWS_IAM auth: the request is signed with the caller's own credentials (SigV4,
service "lambda"), and Lambda hands the function the caller's ARN, which becomes the command's principal. On a local
stack (make local, tests), nothing signs and nothing checks a signature, so the caller's ARN is what the local STS
says of the CLI's credentials (`aws sts assume-role` against the local endpoint first, to act as a reviewer).
"""

from __future__ import annotations

import getpass
import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any, Protocol

TIMEOUT_SECONDS = 20


class DoorRefused(Exception):
    """The function (or Lambda's IAM check in front of it) refused the command; the message is its reason."""


class OperatorDoor(Protocol):
    def send(self, command: Any) -> dict[str, Any]:
        """Send one command (or a list of up to ten); returns the function's acceptance ({"events": [...]}), or raises
        DoorRefused."""


def _answer(status: int, text: str) -> dict[str, Any]:
    try:
        body = json.loads(text) if text else {}
    except ValueError:
        body = {}
    if status >= 300:
        if status == 403 and not body.get("reason"):  # Lambda's own refusal: the caller lacks lambda:InvokeFunctionUrl
            hint = "assume the stack's ReviewerRole or OperatorRole (README, Security)"
            raise DoorRefused(f"not allowed to call OperatorCommandsFunction (HTTP 403): {hint}. {text[:200]}")
        raise DoorRefused(str(body.get("reason") or f"HTTP {status}: {text[:200]}"))
    return body


def _post(request: urllib.request.Request) -> dict[str, Any]:
    """Send the request; the answer (accepted) or DoorRefused (refused), whatever its HTTP status."""
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310 - the function's URL, or localhost
            return _answer(response.status, response.read().decode())
    except urllib.error.HTTPError as error:
        return _answer(error.code, error.read().decode(errors="replace"))


@dataclass
class SignedUrlDoor:
    """A deployed stack: a SigV4-signed POST to the function URL with the session's credentials."""

    session: Any
    url: str

    def send(self, command: Any) -> dict[str, Any]:
        from botocore.auth import SigV4Auth
        from botocore.awsrequest import AWSRequest

        data = json.dumps(command, ensure_ascii=False).encode()
        request = AWSRequest(method="POST", url=self.url, data=data, headers={"content-type": "application/json"})
        credentials = self.session.get_credentials()
        if credentials is None:
            raise DoorRefused("no AWS credentials: sign in (aws sso login, or a profile that assumes the reviewers' or operators' role)")
        SigV4Auth(credentials.get_frozen_credentials(), "lambda", self.session.region_name).add_auth(request)
        return _post(urllib.request.Request(self.url, data=data, headers=dict(request.headers), method="POST"))  # noqa: S310 - https


def local_caller(sts: Any, resources: dict[str, str], command: Any, person: str | None = None) -> str:
    """Who calls, on a local stack: the credentials' own session if they are one (`aws sts assume-role` against the
    local endpoint), else `person`'s (default: this OS user's) session of the stack's reviewers' role (a legal
    decision) or operators' role (the rest)."""
    arn = sts.get_caller_identity()["Arn"]
    if ":assumed-role/" in arn and person is None:
        return arn
    first = command[0] if isinstance(command, list) else command
    role = resources["ReviewerRole" if first.get("type") == "legal_decision" else "OperatorRole"]
    account = arn.split(":")[4]
    assumed = sts.assume_role(RoleArn=f"arn:aws:iam::{account}:role/{role}", RoleSessionName=person or getpass.getuser())
    return assumed["AssumedRoleUser"]["Arn"]


@dataclass
class LocalDoor:
    """A local stack served by `make local`: its control endpoint stands in for the function URL."""

    session: Any
    endpoint_url: str
    control_url: str
    resources: dict[str, str]
    person: str | None = None

    def send(self, command: Any) -> dict[str, Any]:
        caller = local_caller(self.session.client("sts", endpoint_url=self.endpoint_url), self.resources, command, self.person)
        data = json.dumps({"command": command, "caller": caller}).encode()
        return _post(urllib.request.Request(f"{self.control_url}/operator-command", data=data, method="POST"))  # noqa: S310 - localhost


@dataclass
class HarnessDoor:
    """In the same process as a LocalStack (tests): the stack calls the function's handler as its URL would."""

    stack: Any
    session: Any
    person: str | None = None

    def send(self, command: Any) -> dict[str, Any]:
        caller = local_caller(self.session.client("sts"), self.stack.refs, command, self.person)
        answer = self.stack.operator_command(command, caller)
        return _answer(answer["statusCode"], json.dumps(answer["body"]))
