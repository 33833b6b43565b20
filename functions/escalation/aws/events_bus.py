"""The borrower-event bus, as a sender: the replies forwarder puts `sms_reply` events on it (PutEvents)."""

from __future__ import annotations

import json
from typing import Any

from .clients import client

ENTRIES_PER_CALL = 10  # PutEvents' limit


class PutEventsFailed(RuntimeError):
    """Some entries were not accepted: the caller's invocation fails and is retried (ingest drops duplicates by event id)."""


def put(bus: str, source: str, details: list[dict[str, Any]]) -> None:
    for start in range(0, len(details), ENTRIES_PER_CALL):
        entries = [
            {"Source": source, "DetailType": d["type"], "Detail": json.dumps(d, ensure_ascii=False), "EventBusName": bus}
            for d in details[start : start + ENTRIES_PER_CALL]
        ]
        response = client("events").put_events(Entries=entries)
        if response.get("FailedEntryCount"):
            codes = sorted({e.get("ErrorCode", "?") for e in response["Entries"] if e.get("ErrorCode")})
            raise PutEventsFailed(f"PutEvents refused {response['FailedEntryCount']} of {len(entries)} entries: {', '.join(codes)}")
