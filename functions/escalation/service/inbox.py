"""One message from the borrower-events queue: an EventBridge event whose detail is a borrower event.

The envelope's `source` must be one that may send the event's type (escalation.contract.check_source): a
legal_decision, a pause or a manual outcome from anyone but collections.ops is rejected, with the reason, before
anything is read or written; so is a collections.ops event whose seal does not verify (escalation.aws.seal)."""

from __future__ import annotations

import json

from ..aws import seal, work_queues
from ..config import Settings
from ..contract import OPS_SOURCE, ContractError, check_source, parse_event, to_domain
from ..domain.events import EventError
from . import configuration
from .ingest import ingest


def receive(body: str, settings: Settings) -> str:
    """Apply the event, or reject it with its reason; raises only for failures worth retrying."""
    try:
        envelope = json.loads(body)
        bus_event = isinstance(envelope, dict) and "detail" in envelope
        detail = envelope["detail"] if bus_event else envelope
        event = parse_event(detail)
        # Who sent it: the EventBridge envelope's source, which the bus's policy binds to its sender (issue 19).
        source = envelope.get("source") if bus_event else None
        check_source(source, event)
    except (ValueError, TypeError, KeyError, RecursionError, ContractError) as exc:
        return _reject(body, str(exc) if isinstance(exc, ContractError) else f"body: not an EventBridge event ({exc})", settings)
    if source == OPS_SOURCE and not seal.verifies(detail, settings.operator_seal_key):
        # Not put by OperatorCommandsFunction (sent to the queue, or a changed detail): its principal proves nothing.
        said = "does not verify" if event.seal is not None else "missing"
        return _reject(body, f"seal: {said}; {OPS_SOURCE} events come only through OperatorCommandsFunction", settings)
    try:
        return ingest(to_domain(event) | {"event_id": event.event_id}, event.occurred_at, settings, configuration.deployed(settings))
    except EventError as exc:
        return _reject(body, str(exc), settings)


def _reject(body: str, reason: str, settings: Settings) -> str:
    work_queues.reject(settings.rejected_events_queue_url, reason, body)
    return f"rejected: {reason}"
