"""AWS clients, created once per container and reused across invocations.

Made by botocore directly, as `boto3.client` would through its default session: the
functions use only low-level clients, so importing boto3 (its resource layer and
s3transfer, ~30 ms of every cold start) would buy nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache, wraps
from typing import Any, TypeVar

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


# Error codes an AWS service answers when the request may succeed if made again a little later
# (after the SDK's own retries ran out): throttling and the services' transient faults.
TRANSIENT_CODES = frozenset(
    {
        "Throttling", "ThrottlingException", "ThrottledException", "TooManyRequestsException", "RequestLimitExceeded",
        "ProvisionedThroughputExceededException", "TransactionConflict", "TransactionConflictException",
        "InternalServerError", "InternalFailure", "ServiceUnavailable", "ServiceUnavailableException",
    }
)  # fmt: skip


class TransientError(Exception):
    """An AWS call failed for a reason that passes (throttling, a service fault): the state machine retries these only."""


def is_transient(exc: BaseException) -> bool:
    if isinstance(exc, ClientError):
        return exc.response.get("Error", {}).get("Code") in TRANSIENT_CODES
    code = getattr(exc, "cause_response_code", None)  # PynamoDB wraps the ClientError
    if code is not None:
        return code in TRANSIENT_CODES
    reasons = getattr(exc, "cancellation_reasons", None) or []  # a transaction: any item's reason
    return any(r is not None and r.code in TRANSIENT_CODES for r in reasons)


F = TypeVar("F", bound=Callable[..., Any])


def transient_as_retryable(function: F) -> F:
    """Raise transient AWS failures as TransientError, the one error the dispatch states retry (a business
    error, or an unknown one, is caught there and left for the next run instead)."""

    @wraps(function)
    def call(*args: Any, **kwargs: Any) -> Any:
        try:
            return function(*args, **kwargs)
        except Exception as exc:
            if is_transient(exc):
                raise TransientError(f"{type(exc).__name__}: {str(exc)[:200]}") from exc
            raise

    return call  # type: ignore[return-value]
