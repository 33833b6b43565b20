"""One message from the borrower-events queue: an EventBridge event whose detail is a borrower event."""

from __future__ import annotations

import json

from ..aws import work_queues
from ..config import Settings
from ..contract import ContractError, parse_event, to_domain
from ..domain.events import EventError
from . import configuration
from .ingest import ingest


def receive(body: str, settings: Settings) -> str:
    """Apply the event, or reject it with its reason; raises only for failures worth retrying."""
    try:
        envelope = json.loads(body)
        detail = envelope["detail"] if isinstance(envelope, dict) and "detail" in envelope else envelope
        event = parse_event(detail)
    except (ValueError, TypeError, KeyError, RecursionError, ContractError) as exc:
        return _reject(body, str(exc) if isinstance(exc, ContractError) else f"body: not an EventBridge event ({exc})", settings)
    try:
        return ingest(to_domain(event) | {"event_id": event.event_id}, event.occurred_at, settings, configuration.deployed(settings))
    except EventError as exc:
        return _reject(body, str(exc), settings)


def _reject(body: str, reason: str, settings: Settings) -> str:
    work_queues.reject(settings.rejected_events_queue_url, reason, body)
    return f"rejected: {reason}"
