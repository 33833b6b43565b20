"""Lint the SMS templates: ``PYTHONPATH=functions python -m escalation.lint_messages`` (run by ``make lint``).

Renders every text at its worst (``domain.message_rules``) for the default sender, the
longest supported sender and the sender configured in the environment (LENDER_NAME,
SMS_SIGNATURE, SUPPORT_PHONE, PAY_HINT, as the functions read them), checks each against
its profile's rules, and exits 0 when all pass or 1 after printing one line per problem.
"""

from __future__ import annotations

import sys

from .domain.message_rules import SENDERS, lint_samples, worst_case_samples
from .domain.profiles import PROFILES


def main() -> int:
    from .config import Settings  # reads the environment only; no AWS client

    configured = Settings.from_env().sender
    senders = SENDERS if configured in SENDERS else (*SENDERS, configured)
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
