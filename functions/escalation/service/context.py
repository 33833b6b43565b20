"""The decision context of an account at an instant: policy, profile, zones and clock."""

from __future__ import annotations

from datetime import datetime

from ..domain.ladder import Context
from ..domain.model import Account
from ..domain.policy import DEFAULT_POLICY, Policy
from ..domain.profiles import profile_for
from ..domain.windows import zones_for


def context_for(account: Account, now: datetime, policy: Policy = DEFAULT_POLICY) -> Context:
    return Context(policy=policy, profile=profile_for(account.profile), zones=zones_for(account.phone, account.timezone), now=now)
