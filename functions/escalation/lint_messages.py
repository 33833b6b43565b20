"""Lint the SMS templates: ``PYTHONPATH=functions python -m escalation.lint_messages`` (run by ``make lint``).

Renders every text at its worst (``domain.message_rules``) for the longest identities a deployment
may configure, the example identities of ``infra/sender-identities.example.json`` (the local stack's)
and the identities of every lender configuration the repository deploys (``deploy/*.configuration.json``),
checks each against its profile's rules, and exits 0 when all pass or 1 after printing one line per problem.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from .domain.message_rules import SENDERS, lint_samples, worst_case_samples
from .domain.profiles import PROFILES
from .domain.sender import Senders

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "infra" / "sender-identities.example.json"
DEPLOYED = ROOT / "deploy"  # <env>.configuration.json: what `make deploy ENV=<env>` deploys


def main() -> int:
    from .domain.strategy import Configuration

    senders = [*SENDERS]
    if EXAMPLE.exists():
        senders.append(Senders.parse(json.loads(EXAMPLE.read_text(encoding="utf-8")), EXAMPLE.name))
    for path in sorted(DEPLOYED.glob("*.configuration.json")):
        if (configured := Configuration.from_json(path.read_bytes()).senders) is not None:
            senders.append(configured)
    samples = worst_case_samples(PROFILES, senders)
    problems = lint_samples(samples, PROFILES)
    if not problems:
        print(f"message templates: {len(samples)} texts checked, all pass")
        return 0
    for line in problems:
        print(line)
    print(f"message templates: {len(samples)} texts checked, {len(problems)} problem(s)", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
