"""The lender configuration as AppConfig serves it: the deployed version's bytes, through Powertools Parameters.

The only module that reads AppConfig. One provider per process (Powertools' `get_app_config` keeps the first
call's application and environment for the whole process); its cache holds the bytes for `max_age` seconds, and
AppConfig's own session (a poll token) is asked again only after that, never sooner than the session allows.
"""

from __future__ import annotations

import threading
from typing import Any

# A deployed configuration reaches a warm function within this many seconds (and a cold one at once). AppConfig
# refuses polls sooner than the session's minimum interval, which is asked to be the same.
MAX_AGE_SECONDS = 30

_providers: dict[tuple[str, str], Any] = {}  # (application, environment) -> Powertools' AppConfigProvider
_lock = threading.Lock()


def deployed(application: str, environment: str, profile: str) -> bytes:
    """The configuration deployed to the environment now (cached for MAX_AGE_SECONDS)."""
    with _lock:
        provider = _providers.get((application, environment))
        if provider is None:
            # Imported here: Powertools Parameters loads boto3, which the functions that never read AppConfig
            # (the run's batches and dispatchers) should not pay for at their cold start.
            from aws_lambda_powertools.utilities.parameters import AppConfigProvider

            provider = _providers[(application, environment)] = AppConfigProvider(environment=environment, application=application)
    value = provider.get(profile, max_age=MAX_AGE_SECONDS, RequiredMinimumPollIntervalInSeconds=max(MAX_AGE_SECONDS, 15))
    return value if isinstance(value, bytes) else str(value).encode()


def forget() -> None:
    """Start afresh: the next read opens a new session (the local harness, after it deploys a new version)."""
    with _lock:
        _providers.clear()
