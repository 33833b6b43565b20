"""AWS AppConfig for the local stack: what moto 5.2.5 lacks, answered at the HTTP layer on moto's own state.

moto implements AppConfig applications, configuration profiles (their validators are stored, never run) and
hosted configuration versions. It has no environments, deployment strategies, deployments or
ValidateConfiguration, and no appconfigdata at all (404 "Not yet implemented"). This module adds:

  appconfig      CreateEnvironment, GetEnvironment, ListEnvironments; CreateDeploymentStrategy,
                 GetDeploymentStrategy (and the predefined AppConfig.AllAtOnce); StartDeployment, which first
                 runs the profile's validators (LAMBDA: lambda:Invoke with AppConfig's validator event, a
                 FunctionError or an errorMessage refuses; JSON_SCHEMA: jsonschema, when it is installed) and
                 refuses with BadRequestException; GetDeployment, ListDeployments (newest first); ValidateConfiguration.
  appconfigdata  StartConfigurationSession, GetLatestConfiguration: the version deployed to the environment
                 (application, environment and profile by name or id), an empty body when the session already
                 has it, single-use tokens, "Request too early" within RequiredMinimumPollIntervalInSeconds
                 (15..86400, default 60) unless `enforce_poll_interval` is off (a simulation of days in seconds).

In process, `install()` hooks botocore's before-send in every session created from then on (through
botocore.handlers.BUILTIN_HANDLERS, so the private session Powertools' AppConfigProvider makes is hooked too) and
`attach(session)` an older one; the hook answers only while a moto mock is active, and only for AWS's endpoints
(a client with an endpoint_url reaches that endpoint). In moto's server mode, `wsgi(app)` sends the same requests
to `serve(...)`: one state per process, per (account, region), thread-safe, kept until `reset()`. Errors are sent
as AWS sends them (x-amzn-ErrorType and a JSON body), so botocore raises the modelled exceptions.

Not emulated: gradual rollout, bake time, alarms and rollback (a deployment is COMPLETE at once), StopDeployment,
IAM, S3/SSM/Secrets Manager-backed profiles (hosted ones only), token expiry (24 h), extensions.
"""

from __future__ import annotations

import base64
import json
import os
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from http import HTTPStatus
from io import BytesIO
from typing import Any
from urllib.parse import parse_qs, urlsplit

import boto3
import botocore.handlers
from botocore.awsrequest import AWSResponse
from moto.appconfig.models import appconfig_backends
from moto.core.botocore_stubber import MockRawResponse
from moto.core.models import botocore_stubber
from moto.iam.models import get_account_id_from

enforce_poll_interval = True  # off: GetLatestConfiguration answers however soon a session polls again
clock: Callable[[], float] = time.monotonic  # the poll interval's clock (a simulation may give its own)

# How a strategy rolls a deployment out: recorded on each deployment (which completes at once all the same).
_ROLLOUT = {"DeploymentDurationInMinutes": 0, "GrowthType": "LINEAR", "GrowthFactor": 100.0, "FinalBakeTimeInMinutes": 0}
ALL_AT_ONCE = {"Id": "AppConfig.AllAtOnce", "Name": "AppConfig.AllAtOnce", **_ROLLOUT, "FinalBakeTimeInMinutes": 10, "ReplicateTo": "NONE"}
Response = tuple[int, dict[str, str], bytes]

_LOCK = threading.RLock()  # one request at a time (its validators included): handlers call from Map worker threads
_ROUTES: list[tuple[str, re.Pattern[str], Callable[[_Call], Response]]] = []
_APP = r"/applications/(?P<app>[^/]+)"
_ENV = _APP + r"/environments/(?P<env>[^/]+)"


class _State:
    """One account's AppConfig in one region, beyond moto's applications, profiles and hosted versions."""

    def __init__(self) -> None:
        self.environments: dict[str, dict[str, dict[str, Any]]] = {}  # application id -> environment id -> environment
        self.strategies: dict[str, dict[str, Any]] = {ALL_AT_ONCE["Id"]: dict(ALL_AT_ONCE)}
        self.deployments: dict[tuple[str, str], list[dict[str, Any]]] = {}  # (application, environment) -> oldest first
        self.deployed: dict[tuple[str, str, str], Any] = {}  # (application, environment, profile) -> moto's hosted version
        self.sessions: dict[str, dict[str, Any]] = {}  # a configuration token -> its session


_STATES: dict[tuple[str, str], _State] = {}


def install() -> None:
    """Answer AppConfig in every botocore session created from now on (idempotent)."""
    for event in ("before-send.appconfig", "before-send.appconfigdata"):
        if (event, _before_send) not in botocore.handlers.BUILTIN_HANDLERS:
            botocore.handlers.BUILTIN_HANDLERS.append((event, _before_send))


def attach(session: Any) -> None:
    """Answer it in a session created before `install()` too (a boto3 or botocore session; idempotent)."""
    events = session.events if hasattr(session, "events") else session.get_component("event_emitter")
    for event in ("before-send.appconfig", "before-send.appconfigdata"):
        events.register_first(event, _before_send, unique_id=f"local-{event}")


def reset() -> None:
    """Forget every environment, strategy, deployment and session (e.g. between LocalStacks: moto forgets its apps)."""
    with _LOCK:
        _STATES.clear()


def serve(method: str, url: str, headers: Mapping[str, Any], body: bytes | str | None) -> Response | None:
    """Answer one request this module emulates: (status, headers, body); None for any other request."""
    lowered = {k.lower(): v.decode() if isinstance(v, bytes) else str(v) for k, v in headers.items()}
    scope = _credential_scope(lowered.get("authorization", ""))
    parts = urlsplit(url)
    route = _route_of(method, parts.path) if scope and scope[2] == "appconfig" else None  # appconfigdata signs as appconfig too
    if route is None:
        return None
    handler, params = route
    account = os.environ.get("MOTO_ACCOUNT_ID") or lowered.get("x-moto-account-id") or get_account_id_from(scope[0])
    call = _Call(account, scope[1], params, parse_qs(parts.query), body)
    try:
        with _LOCK:
            return handler(call)
    except (KeyError, ValueError) as exc:  # a required member missing, a malformed one
        return _Error(400, "BadRequestException", f"Invalid request: {exc!r}").response()
    except _Error as error:
        return error.response()


def wsgi(app: Callable[..., Any]) -> Callable[..., Any]:
    """moto's server application, with the requests `serve` answers answered here (on this process's state).

    moto's server picks a backend by the credential scope's service, and appconfigdata signs as "appconfig": its
    requests reach moto's appconfig backend (404). `serve` tells the two apart by path, which they do not share.
    """

    def middleware(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        scope = _credential_scope(environ.get("HTTP_AUTHORIZATION", ""))
        if scope is None or scope[2] != "appconfig":
            return app(environ, start_response)
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        environ["wsgi.input"] = BytesIO(body)  # moto reads it again when this module does not answer
        headers = {k[5:].replace("_", "-"): v for k, v in environ.items() if k.startswith("HTTP_")}
        url = f"http://{environ.get('HTTP_HOST', 'localhost')}{environ.get('PATH_INFO', '')}?{environ.get('QUERY_STRING', '')}"
        answer = serve(environ["REQUEST_METHOD"], url, headers, body)
        if answer is None:
            return app(environ, start_response)
        status, out_headers, out = answer
        start_response(f"{status} {HTTPStatus(status).phrase}", [*out_headers.items(), ("Content-Length", str(len(out)))])
        return [out]

    return middleware


# --------------------------------------------------------------------------------------------------- plumbing
def _before_send(request: Any, **_: Any) -> AWSResponse | None:
    # botocore *emits* before-send to every handler: moto's stubber runs after this one, its answer discarded. Where
    # moto routes a URL to an action it lacks (GET /applications: ListApplications), it raises NotImplementedError
    # before the first answer wins: such calls cannot be added here.
    host = urlsplit(request.url).hostname or ""
    if not botocore_stubber.enabled or not host.endswith(".amazonaws.com"):
        return None
    body = request.body
    if hasattr(body, "read"):
        body = body.read()
        request.reset_stream()
    answer = serve(request.method, request.url, request.headers, body)
    return None if answer is None else AWSResponse(request.url, answer[0], answer[1], MockRawResponse(answer[2]))


def _credential_scope(authorization: str) -> tuple[str, str, str] | None:
    """(access key, region, service) of a SigV4 Authorization header."""
    match = re.search(r"Credential=([^/,\s]+)/\d{8}/([^/]+)/([^/]+)/aws4_request", authorization)
    return match.groups() if match else None  # type: ignore[return-value]


@dataclass
class _Call:
    account: str
    region: str
    params: dict[str, str]
    query: dict[str, list[str]]
    body: bytes | str | None

    @property
    def state(self) -> _State:
        return _STATES.setdefault((self.account, self.region), _State())

    def json(self) -> dict[str, Any]:
        return json.loads(self.body or b"{}")


class _Error(Exception):
    def __init__(self, status: int, code: str, message: str, **members: Any) -> None:
        super().__init__(message)
        self.status, self.code, self.members = status, code, {"Message": message, **members}

    def response(self) -> Response:
        return self.status, {"Content-Type": "application/json", "x-amzn-ErrorType": self.code}, json.dumps(self.members).encode()


def _route(method: str, path: str) -> Callable[[Callable[[_Call], Response]], Callable[[_Call], Response]]:
    def register(handler: Callable[[_Call], Response]) -> Callable[[_Call], Response]:
        _ROUTES.append((method, re.compile(path), handler))
        return handler

    return register


def _route_of(method: str, path: str) -> tuple[Callable[[_Call], Response], dict[str, str]] | None:
    for verb, pattern, handler in _ROUTES:
        if verb == method and (match := pattern.fullmatch(path)):
            return handler, match.groupdict()
    return None


def _json(status: int, document: Any) -> Response:
    return status, {"Content-Type": "application/json"}, json.dumps(document).encode()


def _find(items: Iterable[Any], ident: str, kind: str, names: Callable[[Any], tuple[str, str]]) -> Any:
    found = next((item for item in list(items) if ident in names(item)), None)
    if found is None:
        raise _Error(404, "ResourceNotFoundException", f"{kind} {ident} not found")
    return found


def _application(call: _Call, ident: str | None = None) -> Any:
    applications = appconfig_backends[call.account][call.region].applications.values()
    return _find(applications, ident or call.params["app"], "Application", lambda a: (a.id, a.name))


def _environment(call: _Call, app: Any, ident: str | None = None) -> dict[str, Any]:
    environments = call.state.environments.get(app.id, {}).values()
    return _find(environments, ident or call.params["env"], "Environment", lambda e: (e["Id"], e["Name"]))


def _profile(app: Any, ident: str) -> Any:
    return _find(app.config_profiles.values(), ident, "Configuration profile", lambda p: (p.id, p.name))


def _strategy(call: _Call, ident: str) -> dict[str, Any]:
    return _find(call.state.strategies.values(), ident, "Deployment strategy", lambda s: (s["Id"], s["Name"]))


def _deployments(call: _Call, app: Any = None, env: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    app = app or _application(call)
    return call.state.deployments.setdefault((app.id, (env or _environment(call, app))["Id"]), [])


def _content(hosted: Any) -> bytes:
    return hosted.content.encode() if isinstance(hosted.content, str) else bytes(hosted.content or b"")


# --------------------------------------------------------------------------------------------- control plane
@_route("POST", _APP + "/environments")
def _create_environment(call: _Call) -> Response:
    app, body = _application(call), call.json()
    env = {"ApplicationId": app.id, "Id": uuid.uuid4().hex[:7], "Name": body["Name"], "State": "READY_FOR_DEPLOYMENT"}
    env |= {"Description": body.get("Description", ""), "Monitors": body.get("Monitors", [])}
    call.state.environments.setdefault(app.id, {})[env["Id"]] = env
    return _json(201, env)


@_route("GET", _APP + "/environments")
def _list_environments(call: _Call) -> Response:
    return _json(200, {"Items": list(call.state.environments.get(_application(call).id, {}).values())})


@_route("GET", _ENV)
def _get_environment(call: _Call) -> Response:
    return _json(200, _environment(call, _application(call)))


@_route("POST", "/deploymentstrategies")
def _create_deployment_strategy(call: _Call) -> Response:
    body = call.json()
    strategy = {"Id": uuid.uuid4().hex[:7], "Name": body["Name"], "Description": body.get("Description", ""), "ReplicateTo": "NONE"}
    strategy |= _ROLLOUT | {k: body[k] for k in (*_ROLLOUT, "ReplicateTo") if k in body}
    call.state.strategies[strategy["Id"]] = strategy
    return _json(201, strategy)


@_route("GET", r"/deploymentstrategies/(?P<strategy>[^/]+)")
def _get_deployment_strategy(call: _Call) -> Response:
    return _json(200, _strategy(call, call.params["strategy"]))


@_route("POST", _ENV + "/deployments")
def _start_deployment(call: _Call) -> Response:
    body, app = call.json(), _application(call)
    env, profile = _environment(call, app), _profile(app, body["ConfigurationProfileId"])
    strategy = _strategy(call, body["DeploymentStrategyId"])
    hosted = _validated(call, app, profile, body["ConfigurationVersion"])
    deployments, now = _deployments(call, app, env), time.time()
    deployment = {"DeploymentNumber": len(deployments) + 1, "State": "COMPLETE", "PercentageComplete": 100.0, "StartedAt": now}
    deployment |= {"CompletedAt": now, "ApplicationId": app.id, "EnvironmentId": env["Id"], "DeploymentStrategyId": strategy["Id"]}
    deployment |= {"ConfigurationProfileId": profile.id, "ConfigurationName": profile.name, "ConfigurationVersion": str(hosted.version)}
    deployment |= {k: strategy[k] for k in _ROLLOUT} | {"Description": body.get("Description", "")}
    deployment |= {"VersionLabel": hosted.version_label} if hosted.version_label else {}
    deployments.append(deployment)
    call.state.deployed[(app.id, env["Id"], profile.id)] = hosted
    return _json(201, deployment)


@_route("GET", _ENV + r"/deployments/(?P<number>\d+)")
def _get_deployment(call: _Call) -> Response:
    deployments, number = _deployments(call), int(call.params["number"])
    if not 1 <= number <= len(deployments):
        raise _Error(404, "ResourceNotFoundException", f"Deployment {number} not found")
    return _json(200, deployments[number - 1])


@_route("GET", _ENV + "/deployments")
def _list_deployments(call: _Call) -> Response:
    return _json(200, {"Items": _deployments(call)[::-1]})


@_route("POST", _APP + r"/configurationprofiles/(?P<profile>[^/]+)/validators")
def _validate_configuration(call: _Call) -> Response:
    app = _application(call)
    _validated(call, app, _profile(app, call.params["profile"]), call.query.get("configuration_version", [""])[0])
    return 204, {}, b""


def _validated(call: _Call, app: Any, profile: Any, version: str) -> Any:
    """moto's hosted version, once every validator of the profile accepted it."""
    hosted = profile.config_versions.get(int(version)) if str(version).isdigit() else None
    if hosted is None:
        raise _Error(404, "ResourceNotFoundException", f"Configuration version {version} of profile {profile.id} not found")
    for validator in profile.validators or []:
        check = _lambda_refusal if validator["Type"] == "LAMBDA" else _schema_refusal
        if reason := check(call, validator["Content"], app, profile, hosted.version, _content(hosted)):
            details = {"InvalidConfiguration": [{"Type": validator["Type"], "Reason": reason}]}
            message = f"Configuration version {hosted.version} failed {validator['Type']} validation: {reason}"
            raise _Error(400, "BadRequestException", message, Reason="InvalidConfiguration", Details=details)
    return hosted


def _lambda_refusal(call: _Call, function: str, app: Any, profile: Any, version: int, content: bytes) -> str | None:
    # AppConfig's documented validator event (the configuration's bytes in base64).
    event = {"applicationId": app.id, "configurationProfileId": profile.id, "configurationVersion": str(version)}
    event |= {"content": base64.b64encode(content).decode(), "uri": profile.location_uri}
    try:
        out = boto3.client("lambda", region_name=call.region).invoke(FunctionName=function, Payload=json.dumps(event).encode())
    except Exception as exc:  # noqa: BLE001 - a function that cannot be invoked refuses every version
        return f"invoking {function} failed: {exc}"
    raw = out["Payload"].read()
    try:
        payload = json.loads(raw) if raw else None
    except ValueError:
        payload = raw.decode(errors="replace")
    if isinstance(payload, dict) and "errorMessage" in payload:
        return str(payload["errorMessage"])
    return f"{out['FunctionError']}: {str(payload)[:500]}" if out.get("FunctionError") else None


def _schema_refusal(call: _Call, schema: str, app: Any, profile: Any, version: int, content: bytes) -> str | None:
    try:
        import jsonschema
    except ImportError:  # not installed: JSON_SCHEMA validators are not run
        return None
    try:
        document = json.loads(content)
    except ValueError as exc:
        return f"not JSON: {exc}"
    schema_document = json.loads(schema)  # AppConfig's schemas are draft-04, unless they say otherwise
    validator = jsonschema.validators.validator_for(schema_document, default=jsonschema.Draft4Validator)(schema_document)
    error = jsonschema.exceptions.best_match(validator.iter_errors(document))
    return None if error is None else f"{'/'.join(map(str, error.absolute_path)) or '$'}: {error.message}"


# ----------------------------------------------------------------------------------------------- data plane
@_route("POST", "/configurationsessions")
def _start_configuration_session(call: _Call) -> Response:
    body = call.json()
    app = _application(call, body["ApplicationIdentifier"])
    env, profile = _environment(call, app, body["EnvironmentIdentifier"]), _profile(app, body["ConfigurationProfileIdentifier"])
    interval = int(body.get("RequiredMinimumPollIntervalInSeconds", 60))
    if not 15 <= interval <= 86400:
        raise _Error(400, "BadRequestException", "RequiredMinimumPollIntervalInSeconds must be between 15 and 86400")
    token = _new_token(call.state, {"key": (app.id, env["Id"], profile.id), "interval": interval, "seen": None, "not_before": 0.0})
    return _json(201, {"InitialConfigurationToken": token})


@_route("GET", "/configuration")
def _get_latest_configuration(call: _Call) -> Response:
    token = call.query.get("configuration_token", [""])[0]
    session = call.state.sessions.get(token)
    if session is None:
        raise _Error(400, "BadRequestException", "The configuration token is not valid or was used already")
    if enforce_poll_interval and clock() < session["not_before"]:
        raise _Error(400, "BadRequestException", "Request too early")
    deployed = call.state.deployed.get(session["key"])
    if deployed is None:  # the token stays valid: a later poll gets the first deployment
        raise _Error(404, "ResourceNotFoundException", "No configuration is deployed to this environment")
    del call.state.sessions[token]
    token = _new_token(call.state, {**session, "seen": deployed.version, "not_before": clock() + session["interval"]})
    headers = {"Next-Poll-Configuration-Token": token, "Next-Poll-Interval-In-Seconds": str(session["interval"])}
    headers |= {"Content-Type": deployed.content_type or "application/octet-stream"}
    headers |= {"Version-Label": deployed.version_label} if deployed.version_label else {}
    return 200, headers, b"" if session["seen"] == deployed.version else _content(deployed)


def _new_token(state: _State, session: dict[str, Any]) -> str:
    token = uuid.uuid4().hex
    state.sessions[token] = session
    return token
