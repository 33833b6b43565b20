"""`python -m ops config validate|deploy|show`: the lender configuration (senders, policies, strategy map) in AppConfig.

`validate` checks a file offline: the published JSON Schema (schemas/configuration.schema.json), then the functions'
own loader, which names the field. `deploy` validates, stores the file as a new hosted version and deploys it with
the stack's all-at-once strategy; AppConfig runs ValidateConfigurationFunction (the same loader) before it lets the
version out, so a document refused here is refused there too. `show` says which version is deployed and what it
holds. Daily runs read the deployed version from their next start; events within about half a minute.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from escalation.domain.strategy import Configuration, ConfigurationError

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = ROOT / "schemas" / "configuration.schema.json"
POLICY_SCHEMA = ROOT / "schemas" / "policy.schema.json"
RESOURCES = ("LenderConfigApplication", "LenderConfigEnvironment", "LenderConfigProfile", "LenderConfigDeploymentStrategy")
DEPLOY_WAIT_SECONDS = 120
NOTHING_DEPLOYED = "no lender configuration deployed: python -m ops --stack STACK config deploy FILE"


class ConfigurationRefused(Exception):
    """The document cannot be deployed; the message names the file and the field."""


def validate_file(path: Path) -> tuple[Configuration, bytes]:
    """The file's configuration, checked against the schema and by the loader; ConfigurationRefused names what is wrong."""
    try:
        body = path.read_bytes()
    except OSError as exc:
        raise ConfigurationRefused(f"{path}: {exc.strerror}") from None
    try:
        document = json.loads(body)
    except ValueError as exc:
        raise ConfigurationRefused(f"{path.name}: not JSON ({exc})") from None
    if problems := schema_problems(document):
        raise ConfigurationRefused(f"{path.name}: {problems[0]}")
    try:
        return Configuration.from_dict(document), body
    except ConfigurationError as exc:
        raise ConfigurationRefused(f"{path.name}: {exc}") from None


def schema_problems(document: Any) -> list[str]:
    """Where the document breaks the published schema, most specific first ("policies/firm/rules/0/action: ...")."""
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import best_match
    from referencing import Registry, Resource

    schemas = [json.loads(p.read_text(encoding="utf-8")) for p in (SCHEMA, POLICY_SCHEMA)]
    registry = Registry().with_resources([(s["$id"], Resource.from_contents(s)) for s in schemas])
    errors = list(Draft202012Validator(schemas[0], registry=registry).iter_errors(document))
    if not errors:
        return []
    best = best_match(errors)
    return [f"{'/'.join(map(str, best.absolute_path)) or '(document)'}: {best.message}"]


def summary(configuration: Configuration, version: str | None = None) -> dict[str, Any]:
    """What a configuration holds, for people: its policies (with their rules) and how accounts are assigned."""
    strategy = configuration.strategy
    return {
        "version": configuration.version,
        "appconfig_version": version,
        "policies": {n: {"version": p.version, "rules": [r.name for r in p.rules]} for n, p in sorted(configuration.policies.items())},
        "default": strategy.default,
        "by_product": dict(strategy.by_product),
        "by_segment": dict(strategy.by_segment),
        "experiments": [_experiment(e) for e in strategy.experiments],
        "senders": sorted(configuration.senders.identities) if configuration.senders else [],
    }


def _experiment(e: Any) -> dict[str, Any]:
    fields = ("name", "product", "segment", "champion", "challenger")
    return {f: getattr(e, f) for f in fields} | {"challenger_share": str(e.challenger_share)}


def deploy(appconfig: Any, resources: dict[str, str], path: Path, wait: float = DEPLOY_WAIT_SECONDS) -> dict[str, Any]:
    """Validate the file, store it as a hosted version and deploy it; returns the deployment and what it holds."""
    configuration, body = validate_file(path)
    ids = resource_ids(resources)
    version = appconfig.create_hosted_configuration_version(
        ApplicationId=ids["LenderConfigApplication"],
        ConfigurationProfileId=ids["LenderConfigProfile"],
        Content=body,
        ContentType="application/json",
        Description=f"{path.name} ({configuration.version})"[:1024],
    )["VersionNumber"]
    try:
        deployment = appconfig.start_deployment(
            ApplicationId=ids["LenderConfigApplication"],
            EnvironmentId=ids["LenderConfigEnvironment"],
            DeploymentStrategyId=ids["LenderConfigDeploymentStrategy"],
            ConfigurationProfileId=ids["LenderConfigProfile"],
            ConfigurationVersion=str(version),
            Description=configuration.version,
        )
    except appconfig.exceptions.BadRequestException as exc:
        raise ConfigurationRefused(f"{path.name}: AppConfig's validator refused version {version}: {exc}") from None
    state = _wait(appconfig, ids, deployment["DeploymentNumber"], wait)
    return {"deployment": deployment["DeploymentNumber"], "state": state, **summary(configuration, str(version))}


def deployed(appconfig: Any, resources: dict[str, str]) -> tuple[Configuration, str, int] | None:
    """The configuration deployed now, its AppConfig version and deployment number; None before the first deployment.

    ConfigurationRefused if the deployed document does not load (AppConfig's validator refuses such a version: it
    was bypassed)."""
    ids = resource_ids(resources)
    done, token = [], None
    while True:
        page = appconfig.list_deployments(
            ApplicationId=ids["LenderConfigApplication"],
            EnvironmentId=ids["LenderConfigEnvironment"],
            **({"NextToken": token} if token else {}),
        )
        done += [d for d in page["Items"] if d.get("State") == "COMPLETE"]
        if not (token := page.get("NextToken")):
            break
    if not done:
        return None
    latest = max(done, key=lambda d: d["DeploymentNumber"])
    version = str(latest["ConfigurationVersion"])
    hosted = appconfig.get_hosted_configuration_version(
        ApplicationId=ids["LenderConfigApplication"], ConfigurationProfileId=ids["LenderConfigProfile"], VersionNumber=int(version)
    )
    try:
        return Configuration.from_json(hosted["Content"].read()), version, latest["DeploymentNumber"]
    except ConfigurationError as exc:
        raise ConfigurationRefused(f"the deployed configuration (AppConfig version {version}): {exc}") from None


def show(appconfig: Any, resources: dict[str, str]) -> dict[str, Any]:
    """The deployed version and what it holds; None-valued when nothing has been deployed yet."""
    found = deployed(appconfig, resources)
    if found is None:
        return {"version": None, "note": NOTHING_DEPLOYED}
    configuration, version, number = found
    return {"deployment": number, **summary(configuration, version)}


def resource_ids(resources: dict[str, str]) -> dict[str, str]:
    missing = [r for r in RESOURCES if r not in resources]
    if missing:
        raise ConfigurationRefused(f"the stack has no {', '.join(missing)}: deploy this version of the template first")
    return {r: resources[r] for r in RESOURCES}


def _wait(appconfig: Any, ids: dict[str, str], number: int, wait: float) -> str:
    deadline = time.monotonic() + wait
    while True:
        state = appconfig.get_deployment(
            ApplicationId=ids["LenderConfigApplication"], EnvironmentId=ids["LenderConfigEnvironment"], DeploymentNumber=number
        )["State"]
        if state in ("COMPLETE", "ROLLED_BACK", "REVERTED") or time.monotonic() > deadline:
            return state
        time.sleep(2)
