"""`make deploy ENV=dev|prod`: deploy one samconfig environment with its sender identities, saying first what it will do.

    python tools/deploy.py ENV [--identities FILE] [--sam PATH] [--dry-run]

Refuses, with one line naming what is wrong and before anything reaches AWS: an environment samconfig.toml does
not define, one without CAPABILITY_IAM and CAPABILITY_AUTO_EXPAND, a missing identities file (default
deploy/<ENV>.sender-identities.json) or identities the functions would refuse (escalation.domain.sender). Then it
prints the stack, region and parameters, and runs `sam build` and `sam deploy --config-env ENV` with the
environment's own parameter overrides plus SenderIdentities (SAM replaces, not merges, overrides given on the
command line). `make deploy` runs the same lint and validation as `make test` before this.
"""

from __future__ import annotations

import argparse
import json
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
    overrides: tuple[str, ...]  # "Key=Value" as SAM reads them, SenderIdentities last
    profiles: tuple[str, ...]  # the identities' keys, for the printout

    def commands(self, sam: str) -> list[list[str]]:
        return [
            [sam, "build"],
            [sam, "deploy", "--config-env", self.env, "--parameter-overrides", *self.overrides],
        ]

    def describe(self) -> str:
        shown = [o if not o.startswith("SenderIdentities=") else f"SenderIdentities=<{', '.join(self.profiles)}>" for o in self.overrides]
        return "\n".join(
            [
                f"deploy: environment {self.env!r} -> stack {self.stack!r} in {self.region}",
                f"  capabilities: {' '.join(self.capabilities)}",
                f"  parameters:   {' '.join(shown)}",
                "  then: sam build; sam deploy (the change set is shown for confirmation)",
            ]
        )


def plan(env: str, identities: Path | None = None, samconfig: Path = ROOT / "samconfig.toml") -> Plan:
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
    path = identities or ROOT / "deploy" / f"{env}.sender-identities.json"
    senders = _identities(path)
    overrides = tuple(shlex.split(str(deploy.get("parameter_overrides", ""))))
    if any(o.startswith("SenderIdentities=") for o in overrides):
        raise DeployError(f"samconfig.toml [{env}.deploy.parameters]: SenderIdentities belongs in {path.name}, not in samconfig")
    value = json.dumps(senders, ensure_ascii=False, separators=(",", ":")).replace("\\", "\\\\").replace("'", "\\'")
    return Plan(env, deploy["stack_name"], deploy["region"], capabilities, (*overrides, f"SenderIdentities='{value}'"), tuple(senders))


def _identities(path: Path) -> dict:
    sys.path.insert(0, str(ROOT / "functions"))
    from escalation.domain.sender import SenderError, Senders

    if not path.is_file():
        raise DeployError(
            f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}: no sender identities for this environment; "
            "write the lender's own (shape: infra/sender-identities.example.json; docs/OPERATIONS.md, Deploy). There is no default."
        )
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        Senders.parse(raw, path.name)
    except json.JSONDecodeError as exc:
        raise DeployError(f"{path.name}: not JSON ({exc.msg} at line {exc.lineno})") from None
    except SenderError as exc:
        raise DeployError(str(exc)) from None
    return raw


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="tools/deploy.py", description=__doc__.splitlines()[0])
    parser.add_argument("env")
    parser.add_argument("--identities", type=Path, help="sender identities JSON (default: deploy/<env>.sender-identities.json)")
    parser.add_argument("--sam", default=str(ROOT / ".venv-sam" / "bin" / "sam"), help="the SAM CLI to use (the project's own)")
    parser.add_argument("--dry-run", action="store_true", help="print what would be done, and stop")
    args = parser.parse_args(argv)
    try:
        deployment = plan(args.env, args.identities)
    except DeployError as exc:
        print(f"deploy refused: {exc}", file=sys.stderr)
        return 2
    print(deployment.describe(), flush=True)
    if args.dry_run:
        return 0
    for command in deployment.commands(args.sam):
        done = subprocess.run(command, cwd=ROOT, check=False)  # noqa: S603 - the project's own SAM CLI, arguments from the plan
        if done.returncode:
            return done.returncode
    return 0


if __name__ == "__main__":
    sys.exit(main())
