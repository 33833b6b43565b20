"""The lender configuration in force: deployed through AppConfig, pinned per run.

PlanRun reads the deployed configuration and keeps a copy with the run's files (`runs/<run_id>/configuration.json`);
every function of that run reads that copy, so one run decides under one version even when another is deployed
meanwhile. Functions driven by events (enrolment, borrower events, legal decisions) read the deployed one.
A document is parsed and validated once per content (the same bytes, the same Configuration).
"""

from __future__ import annotations

import hashlib
from functools import lru_cache

from ..aws import lender_config, manifests
from ..config import ConfigError, Settings
from ..domain.strategy import Configuration, ConfigurationError


def deployed(settings: Settings) -> Configuration:
    """The configuration deployed now (AppConfig; cached by the reader for a few seconds)."""
    where = settings.lender_config
    if where is None:
        raise ConfigError("LENDER_CONFIG_APPLICATION: missing (template.yaml gives it to the functions that need it)")
    return parse(lender_config.deployed(where.application, where.environment, where.profile))


def snapshot(run_id: str, settings: Settings) -> Configuration:
    """PlanRun: the deployed configuration, copied to the run's files for the rest of the run."""
    where = settings.lender_config
    if where is None:
        raise ConfigError("LENDER_CONFIG_APPLICATION: missing (template.yaml gives it to the functions that need it)")
    document = lender_config.deployed(where.application, where.environment, where.profile)
    configuration = parse(document)
    manifests.write_bytes(settings.manifest_bucket, _key(run_id), document)
    return configuration


@lru_cache(maxsize=8)
def for_run(run_id: str, bucket: str) -> Configuration:
    """The configuration the run was planned under (read once per run and container)."""
    document = manifests.read_bytes_if_any(bucket, _key(run_id))
    if document is None:
        raise ConfigError(f"runs/{run_id}/configuration.json: missing; PlanRun copies it at the start of every run")
    return parse(document)


def forget() -> None:
    """Read everything afresh: the local harness, whose stacks reuse run ids and deploy versions within seconds."""
    for_run.cache_clear()
    lender_config.forget()


def parse(document: bytes) -> Configuration:
    return _parse(hashlib.sha256(document).hexdigest(), document)


@lru_cache(maxsize=8)
def _parse(digest: str, document: bytes) -> Configuration:
    try:
        return Configuration.from_json(document)
    except ConfigurationError as exc:
        # AppConfig's validator refuses such a document at deployment; reaching here means it was bypassed.
        raise ConfigError(f"lender configuration: {exc}") from None


def _key(run_id: str) -> str:
    return f"runs/{run_id}/configuration.json"
