"""Lint the SMS templates: ``PYTHONPATH=functions python -m escalation.lint_messages`` (run by ``make lint``).

Renders every text at its worst (``domain.message_rules``) for the longest identities a deployment
may configure, the example identities of ``infra/sender-identities.example.json`` (the local stack's)
and the identities of every lender configuration the repository deploys (``deploy/*.configuration.json``),
checks each against its profile's rules, and exits 0 when all pass or 1 after printing one line per problem.

It also warns, without failing, about every text that takes more than one part at its longest with the
identities a lender deploys (the example's and deploy/*'s): providers bill each part, so a second part doubles
that text's SMS fee and halves a sender's texts per second (docs/SCALING.md, "SMS in parts").
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from .domain.message_rules import SENDERS, Sample, lint_samples, worst_case_samples
from .domain.messages import sms_encoding, sms_parts
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
    configured = {sender for identities in senders[len(SENDERS) :] for sender in identities.each()}
    deployed = [s for s in samples if s.sender in configured]
    for line in multi_part_warnings(deployed):
        print(line)
    if not problems:
        print(f"message templates: {len(samples)} texts checked, all pass")
        return 0
    for line in problems:
        print(line)
    print(f"message templates: {len(samples)} texts checked, {len(problems)} problem(s)", file=sys.stderr)
    return 1


def multi_part_warnings(samples: list[Sample]) -> list[str]:
    """One line per profile, template language and purpose whose longest text takes more than one part."""
    from .domain.locales import template_language

    longest: dict[tuple[str, str, str], Sample] = {}
    for sample in samples:
        key = (sample.profile, template_language(sample.locale), sample.purpose)
        if not sample.error and (key not in longest or sms_parts(sample.text) > sms_parts(longest[key].text)):
            longest[key] = sample
    return [
        f"warning: {profile} {language} {purpose}: {sms_parts(s.text)} {sms_encoding(s.text)} parts at its longest "
        f"({len(s.text)} characters, {s.locale}; {s.where()}): each part is billed"
        for (profile, language, purpose), s in sorted(longest.items())
        if sms_parts(s.text) > 1
    ]


if __name__ == "__main__":
    sys.exit(main())
