"""The decision context of an account at an instant: its policy (from the lender configuration), profile, zones, clock.

The lender's profile overrides (PROFILE_OVERRIDES, from template.yaml's ProfileOverrides
parameter) are read and validated once per cold start; the version recorded on every
contact names both the ladder and the overrides in force.
"""

from __future__ import annotations

import hashlib
import json
import os
from datetime import datetime
from functools import lru_cache

from ..domain.ladder import Context
from ..domain.model import Account
from ..domain.policy import Policy
from ..domain.profiles import Profile, effective_profile, parse_overrides
from ..domain.strategy import Configuration
from ..domain.windows import zones_for


@lru_cache(maxsize=4)
def _overrides(raw: str) -> tuple[dict[str, dict[str, object]], str]:
    try:
        document = json.loads(raw or "{}")
    except ValueError as exc:
        raise ValueError(f"PROFILE_OVERRIDES: not JSON ({exc})") from None
    parsed = parse_overrides(document)
    digest = hashlib.sha256(json.dumps(document, sort_keys=True).encode()).hexdigest()[:10] if parsed else ""
    return parsed, digest


def profile_of(account: Account) -> Profile:
    return _profile(account.profile, account.product, os.environ.get("PROFILE_OVERRIDES", "{}"))


# Cached: the effective profile is a function of the profile code, the product and the overrides'
# text alone (the shipped PROFILES are constants; the text parses the same way every time).
# An unknown code or invalid text raises, and is not cached.
@lru_cache(maxsize=256)
def _profile(code: str, product: str, raw: str) -> Profile:
    return effective_profile(code, product, _overrides(raw)[0])


def policy_version(policy: Policy) -> str:
    """The ladder's version, plus the overrides' fingerprint when a lender has any."""
    digest = _overrides(os.environ.get("PROFILE_OVERRIDES", "{}"))[1]
    return f"{policy.version}+profiles@{digest}" if digest else policy.version


def context_for(account: Account, now: datetime, config: Configuration) -> Context:
    """The account's context under the configuration in force: the policy it is assigned to, at that version."""
    return Context(config.policy_for(account), profile_of(account), zones_for(account.phone, account.timezone), now)
