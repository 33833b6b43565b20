"""Fault injection for scenario replays: the `faults` list of a scenario file (docs/RELIABILITY.md).

Each fault is {"date": "YYYY-MM-DD", "kind": KIND, ...}. Faults act where AWS would fail: at the
SNS and DynamoDB APIs (botocore hooks on the clients the functions use), at Lambda's Invoke API
(the harness's in-process invoke), inside the dispatch (a crash between two steps), or in how
the scheduler and the bus deliver (reruns, concurrent runs, duplicate events). Nothing in the
product knows it is being tested.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from datetime import date
from typing import Any

from botocore.awsrequest import AWSResponse

KINDS: dict[str, str] = {
    "rerun": "each of the date's scheduled runs runs again right after it finished",
    "concurrent_run": "each of the date's scheduled runs is started twice at the same moment",
    "crash_after_send": "the SMS sender fails once right after the provider accepted the message",
    "crash_before_record": "a dispatch fails once after acting, before writing its audit record",
    "throttle": "the SMS provider throttles the next `count` sends (default 3)",
    "dynamodb_throttle": "DynamoDB throttles the next `count` requests (default 5)",
    "lambda_throttle": "Lambda throttles the next `count` invocations (default 3)",
    "duplicate_event": "every borrower event of the date is delivered twice (same event id)",
    "sms_undeliverable": "from the date, the carrier reports every SMS to `phone` as failed (invalid number)",
    "sms_receipt_delay": "delivery receipts of the date's texts (to `phone` only, if given) arrive `hours` later (default 24)",
}
COUNTED = {"throttle": 3, "dynamodb_throttle": 5, "lambda_throttle": 3, "crash_after_send": 1, "crash_before_record": 1}


class SimulatedCrash(Exception):
    """The function died here (the runtime's view: an unhandled error)."""


def validate_fault(fault: Any, where: str, fail: Callable[[str, str], Exception]) -> None:
    """Raise fail(item, message) unless the fault is a known kind with sensible fields."""
    kind = fault.get("kind")
    if kind not in KINDS:
        raise fail(f"{where}.kind", f"unknown fault kind {kind!r}; expected one of {', '.join(KINDS)}")
    if kind == "sms_undeliverable" or (kind == "sms_receipt_delay" and "phone" in fault):
        from escalation.contract import Phone

        if not isinstance(fault.get("phone"), str) or not Phone.valid(fault["phone"]):
            raise fail(f"{where}.phone", "expected the E.164 number whose texts fail, e.g. +8613800138000")
    if kind == "sms_receipt_delay":
        hours = fault.get("hours", 24)
        if isinstance(hours, bool) or not isinstance(hours, int | float) or not 0 <= hours <= 240:
            raise fail(f"{where}.hours", "must be a number of hours from 0 to 240")
    count = fault.get("count", COUNTED.get(kind, 1))
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= 10_000:
        raise fail(f"{where}.count", "must be a whole number from 1 to 10000")


class _Raw:
    """Just enough of urllib3's response for botocore to parse an error body."""

    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Any:
        yield self._body


class Injector:
    """Arms the faults of each simulated day and springs them where they belong."""

    def __init__(self, faults: list[dict[str, Any]]) -> None:
        self.faults = faults
        self.pending: Counter[str] = Counter()
        self.injected: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._undo: list[Callable[[], None]] = []
        self._today: date | None = None

    # ------------------------------------------------------------------ schedule-level faults
    def on(self, day: date, kind: str) -> bool:
        return any(f["kind"] == kind and f["date"] == day.isoformat() for f in self.faults)

    def arm(self, day: date) -> None:
        """The day's counted faults (throttles, crashes) wait for their next chance."""
        self._today = day
        for fault in self.faults:
            if fault["date"] == day.isoformat() and fault["kind"] in COUNTED:
                with self._lock:
                    self.pending[fault["kind"]] += int(fault.get("count", COUNTED[fault["kind"]]))

    def note(self, kind: str) -> None:
        with self._lock:
            self.injected[kind] += 1

    def take(self, kind: str) -> bool:
        with self._lock:
            if self.pending[kind] <= 0:
                return False
            self.pending[kind] -= 1
            self.injected[kind] += 1
            return True

    # ------------------------------------------------------------------ hooks
    def install(self, stack: Any) -> None:
        from escalation.aws import dynamo, sms
        from escalation.aws.clients import client

        # The audit write is crashed where every path reaches it: one contact (`record`) or a batch (`record_together`).
        original_send, original_record, original_record_together = sms.send_sms, dynamo.record, dynamo.record_together

        def send_then_crash(*args: Any, **kwargs: Any) -> str:
            message_id = original_send(*args, **kwargs)
            if self.take("crash_after_send"):
                raise SimulatedCrash("SMS sender died right after the provider accepted the message")
            return message_id

        def crashing(write: Callable[..., Any]) -> Callable[..., Any]:
            def crash_then_write(*args: Any, **kwargs: Any) -> Any:
                if self.take("crash_before_record"):
                    raise SimulatedCrash("dispatch died after acting, before the audit record")
                return write(*args, **kwargs)

            return crash_then_write

        sms.send_sms, dynamo.record, dynamo.record_together = send_then_crash, crashing(original_record), crashing(original_record_together)
        self._undo.append(
            lambda: (
                setattr(sms, "send_sms", original_send),
                setattr(dynamo, "record", original_record),
                setattr(dynamo, "record_together", original_record_together),
            )
        )

        def sns_throttle(**_: Any) -> Any:
            if self.take("throttle"):
                error = {
                    "Error": {"Code": "Throttling", "Message": "Rate exceeded"},
                    "ResponseMetadata": {"HTTPStatusCode": 400, "RequestId": "local"},
                }
                return AWSResponse("https://sns.local", 400, {}, None), error
            return None

        sns_events = client("sns").meta.events
        sns_events.register_first("before-call.sns.Publish", sns_throttle, unique_id="fault-sns-throttle")
        self._undo.append(lambda: sns_events.unregister("before-call.sns.Publish", unique_id="fault-sns-throttle"))

        def dynamodb_throttle(request: Any = None, **_: Any) -> Any:
            # At the HTTP layer, so the SDK's own retry (with backoff) sees a real throttling answer.
            if self.take("dynamodb_throttle"):
                body = b'{"__type":"com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException","message":"Rate exceeded"}'
                return AWSResponse(getattr(request, "url", "https://dynamodb.local"), 400, {}, _Raw(body))
            return None

        for model in (dynamo.AccountItem, dynamo.ContactItem):
            events = model._get_connection().connection.client.meta.events
            uid = f"fault-ddb-{model.__name__}"
            events.register_first("before-send.dynamodb", dynamodb_throttle, unique_id=uid)
            self._undo.append(lambda events=events, uid=uid: events.unregister("before-send.dynamodb", unique_id=uid))

        original_invoke = stack._invoke

        def throttled_invoke(params: dict[str, Any], **kwargs: Any) -> Any:
            if self.take("lambda_throttle"):
                error = {
                    "Error": {"Code": "TooManyRequestsException", "Message": "Rate exceeded"},
                    "ResponseMetadata": {"HTTPStatusCode": 429, "RequestId": "local"},
                }
                return AWSResponse("https://lambda.local", 429, {}, None), error
            return original_invoke(params, **kwargs)

        stack._invoke = throttled_invoke
        self._undo.append(lambda: setattr(stack, "_invoke", original_invoke))

    def uninstall(self) -> None:
        while self._undo:
            self._undo.pop()()
