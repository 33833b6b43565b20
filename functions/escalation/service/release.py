"""Release the texts the daily run holds in the SMS outbox to the senders, SmsPerSecond a second, without waiting.

ReleaseTextsFunction runs this once a minute (EventBridge Scheduler, one at a time: reserved concurrency 1).
It takes texts off the outbox ten at a time and posts them to the send queue, each with the DelaySeconds of
its slot in this wall-clock minute (escalation.domain.send_slots), then deletes what it posted from the
outbox. The send queue then makes SmsPerSecond texts visible each second and the senders send as they arrive:
the rate is kept by SQS's delays, not by any Lambda sleeping (docs/SCALING.md §2.6, docs/DECISIONS.md).

It stops when the minute's slots are spent (at most SmsPerSecond × 60 texts), when the outbox is empty, or
when its own time runs short. It never receives more texts than the minute has room for, so none is held
back unposted. A crash between posting and deleting leaves the posted texts in the outbox too: they come back
after its visibility timeout and are posted again, and the sender's claim makes the second copy send nothing.

Later, the minute's budget could be spread over several origination identities (one slot sequence each).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from ..aws import sms_send_queue
from ..config import Settings
from ..domain.send_slots import SECONDS, Minute

EMPTY_ANSWERS = 3  # short polls in a row with nothing: the outbox is empty (one such answer may be a miss)
MARGIN_MS = 5_000  # stop this long before the function's timeout: a post is never cut off before its delete


def release(settings: Settings, clock: Callable[[], float] = time.time, remaining_ms: Callable[[], int] = lambda: 60_000) -> dict[str, Any]:
    """Move up to the rest of this minute's slots of texts from the outbox to the send queue; what was done."""
    started = clock()
    minute_start = started - started % SECONDS
    minute = Minute(settings.sms_per_second)
    released = not_posted = not_deleted = 0
    empty = 0
    delays_used: set[int] = set()
    while remaining_ms() > MARGIN_MS:
        elapsed = clock() - minute_start
        room = minute.room(elapsed)
        if room == 0:
            break
        messages = sms_send_queue.receive(settings.sms_outbox_url, min(room, sms_send_queue.BATCH))
        if not messages:
            empty += 1
            if empty >= EMPTY_ANSWERS:
                break
            continue
        empty = 0
        delays = minute.take(len(messages), elapsed)
        posted = sms_send_queue.post(settings.sms_send_queue_url, messages, delays)
        # The posted texts leave the outbox; the others come back after its visibility timeout and are released then.
        not_deleted += sms_send_queue.delete(settings.sms_outbox_url, posted)
        released += len(posted)
        not_posted += len(messages) - len(posted)
        delays_used.update(delays)
    return {
        "released": released,
        "not_posted": not_posted,
        "not_deleted": not_deleted,
        "per_second": float(minute.per_second),
        "first_second": round(started - minute_start, 3),
        "last_delay": max(delays_used, default=None),
        "seconds": round(clock() - started, 3),
    }
