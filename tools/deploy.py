"""`make deploy ENV=dev|prod`: deploy one samconfig environment and its lender configuration, saying first what it will do.

    python tools/deploy.py ENV [--configuration FILE] [--sam PATH] [--dry-run]

Refuses, with one line naming what is wrong and before anything reaches AWS: an environment samconfig.toml does
not define, one without CAPABILITY_IAM and CAPABILITY_AUTO_EXPAND, a missing lender configuration (default
deploy/<ENV>.configuration.json: sender identities, policies, strategy map) or one the functions would refuse
(ops/configuration.py: the published schema, then the functions' own loader). Then it prints the stack, region,
parameters and configuration, and runs `sam build`, `sam deploy --config-env ENV`, `python -m ops config deploy`
(AppConfig validates the document again before it deploys it) and `python -m ops sms-receipts enable`.
`make deploy` runs the same lint and validation as `make test` before this.
"""

from __future__ import annotations

import argparse
import os
import shlex
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REQUIRED_CAPABILITIES = ("CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND")


class DeployError(Exception):
    """The deploy cannot proceed; the message says why and what to do."""


@dataclass(frozen=True)
class Plan:
    env: str
    stack: str
    region: str
    capabilities: tuple[str, ...]
    overrides: tuple[str, ...]  # "Key=Value" as SAM reads them (the environment's own)
    configuration: Path  # the lender configuration file
    holds: str  # what it holds, for the printout

    def commands(self, sam: str, python: str = sys.executable) -> list[list[str]]:
        deploy = [sam, "deploy", "--config-env", self.env] + (["--parameter-overrides", *self.overrides] if self.overrides else [])
        ops = [python, "-m", "ops", "--stack", self.stack, "--region", self.region]
        receipts = [*ops, "sms-receipts", "enable"]  # the account's SMS settings: SNS logs delivery status (receipts)
        return [[sam, "build"], deploy, [*ops, "config", "deploy", str(self.configuration)], receipts]

    def describe(self) -> str:
        return "\n".join(
            [
                f"deploy: environment {self.env!r} -> stack {self.stack!r} in {self.region}",
                f"  capabilities:  {' '.join(self.capabilities)}",
                f"  parameters:    {' '.join(self.overrides) or '(the template defaults)'}",
                f"  configuration: {self.configuration.name}: {self.holds}",
                "  then: sam build; sam deploy (the change set is shown for confirmation); python -m ops config deploy;"
                " python -m ops sms-receipts enable (the account's SMS delivery-status logging, for the receipts)",
            ]
        )


def plan(env: str, configuration: Path | None = None, samconfig: Path = ROOT / "samconfig.toml") -> Plan:
    config = tomllib.loads(samconfig.read_text(encoding="utf-8"))
    deploy = config.get(env, {}).get("deploy", {}).get("parameters")
    if env == "default" or deploy is None:
        known = sorted(k for k, v in config.items() if isinstance(v, dict) and "deploy" in v and k != "default")
        raise DeployError(f"ENV={env}: not an environment of samconfig.toml; expected one of {', '.join(known)}")
    capabilities = tuple(str(deploy.get("capabilities", "")).split())
    missing = [c for c in REQUIRED_CAPABILITIES if c not in capabilities]
    if missing:
        raise DeployError(
            f"samconfig.toml [{env}.deploy.parameters] capabilities: add {' '.join(missing)} (the stack nests an application)"
        )
    for key in ("stack_name", "region"):
        if not deploy.get(key):
            raise DeployError(f"samconfig.toml [{env}.deploy.parameters]: {key} is required")
    path = configuration or ROOT / "deploy" / f"{env}.configuration.json"
    holds = _configuration(path)
    overrides = tuple(shlex.split(str(deploy.get("parameter_overrides", ""))))
    return Plan(env, deploy["stack_name"], deploy["region"], capabilities, overrides, path, holds)


def _configuration(path: Path) -> str:
    """What the file holds, once it passed the checks the functions and AppConfig will make."""
    sys.path[:0] = [str(ROOT / "functions"), str(ROOT)]
    from ops.configuration import ConfigurationRefused, validate_file

    if not path.is_file():
        shown = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
        raise DeployError(
            f"{shown}: no lender configuration for this environment; write the lender's own sender identities (and any "
            "policies and strategy) — shape: deploy/dev.configuration.json, docs/POLICIES.md. There is no default."
        )
    try:
        config, _ = validate_file(path)
    except ConfigurationRefused as exc:
        raise DeployError(str(exc)) from None
    senders = ", ".join(sorted(config.senders.identities)) if config.senders else "-"
    return f"senders {senders}; policies {', '.join(sorted(config.policies))}; default {config.strategy.default}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="tools/deploy.py", description=__doc__.splitlines()[0])
    parser.add_argument("env")
    parser.add_argument("--configuration", type=Path, help="lender configuration JSON (default: deploy/<env>.configuration.json)")
    parser.add_argument("--sam", default=str(ROOT / ".venv-sam" / "bin" / "sam"), help="the SAM CLI to use (the project's own)")
    parser.add_argument("--dry-run", action="store_true", help="print what would be done, and stop")
    args = parser.parse_args(argv)
    try:
        deployment = plan(args.env, args.configuration)
    except DeployError as exc:
        print(f"deploy refused: {exc}", file=sys.stderr)
        return 2
    print(deployment.describe(), flush=True)
    if args.dry_run:
        return 0
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "functions"), str(ROOT)])}  # for `python -m ops`
    for command in deployment.commands(args.sam):
        done = subprocess.run(command, cwd=ROOT, env=env, check=False)  # noqa: S603 - the project's own tools, arguments from the plan
        if done.returncode:
            return done.returncode
    return 0


if __name__ == "__main__":
    sys.exit(main())
