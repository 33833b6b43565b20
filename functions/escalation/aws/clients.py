"""boto3 clients, created once per container and reused across invocations."""

from __future__ import annotations

from functools import cache

import boto3
from botocore.config import Config

# Standard retry mode: jittered exponential backoff on throttling and transient errors.
_CONFIG = Config(retries={"mode": "standard", "max_attempts": 5})


@cache
def client(service: str):
    return boto3.client(service, config=_CONFIG)
