"""AWS clients, created once per container and reused across invocations.

Made by botocore directly, as `boto3.client` would through its default session: the
functions use only low-level clients, so importing boto3 (its resource layer and
s3transfer, ~30 ms of every cold start) would buy nothing.
"""

from __future__ import annotations

from functools import cache

import botocore.session
from botocore.config import Config
from botocore.exceptions import ClientError

# Standard retry mode: jittered exponential backoff on throttling and transient errors.
_CONFIG = Config(retries={"mode": "standard", "max_attempts": 5})


@cache
def _session() -> botocore.session.Session:
    return botocore.session.get_session()


@cache
def client(service: str):
    return _session().create_client(service, config=_CONFIG)


class ProviderRefused(Exception):
    """A service answered with an error: the request was certainly not carried out."""


def certainly_not_done(exc: BaseException) -> bool:
    """True when an AWS call certainly did not happen: the service answered with an error.

    A timeout or a lost connection after the request was sent is not certain: the service
    may have acted (e.g. accepted the SMS), so the caller must not simply try again.
    """
    return isinstance(exc, ClientError | ProviderRefused)
