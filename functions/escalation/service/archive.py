"""The audit archive: the contacts table's stream, batch by batch, into S3 (escalation.aws.archive).

Each new entry of the audit log (a contact, an applied borrower event, a delivery receipt) is archived as it was
written (the stream's NEW_IMAGE, read through its PynamoDB model) plus its `kind` and `profile`, grouped by (kind,
profile, UTC day of its `at`): one object per group of a batch, not one per entry. Each object is locked until the
latest `retain_until` of its entries (the profile's retention from the entry's time, set when it was written), so
the archive keeps every entry at least as long as its profile requires, and the table itself keeps it for only
AuditTableDays (escalation.aws.dynamo.table_purge_at).

Only INSERTs are entries. A REMOVE is the table's TTL letting an entry go (the archive has it); a MODIFY cannot come
from this product (the log is append-only: writers have a conditional PutItem only) and would be no new entry.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from ..aws import archive as store
from ..aws import dynamo
from ..domain.profiles import PROFILES

# S3 refuses a retention date in the past: an entry whose retention has already passed (archived very late) is
# still kept, locked for a day.
MINIMUM_LOCK = timedelta(days=1)


@dataclass
class _Group:
    kind: str
    profile: str
    day: date
    sequences: list[str] = field(default_factory=list)
    records: list[dict[str, Any]] = field(default_factory=list)
    retain_until: int = 0


def archive(records: list[dict[str, Any]], bucket: str, default_profile: str, logger: Any, now: datetime | None = None) -> dict[str, Any]:
    """Archive a DynamoDB stream batch; Lambda's partial batch response: the first record not archived, if any
    (Lambda retries from there; entries archived again then are read once, escalation.aws.archive.read_records)."""
    now = now or datetime.now(UTC)
    groups: dict[tuple[str, str, date], _Group] = {}
    failed: list[int] = []
    skipped: Counter[str] = Counter()
    for record in records:
        sequence = record["dynamodb"]["SequenceNumber"]
        if record.get("eventName") != "INSERT":
            skipped[record.get("eventName", "?")] += 1
            continue
        try:
            kind, entry = dynamo.entry_record(record["dynamodb"]["NewImage"])
            profile, retain_until = _profile_and_retention(entry, default_profile, logger)
            day = _instant(entry["at"]).date()
        except (KeyError, ValueError, TypeError) as exc:
            logger.error("audit entry not archived", extra={"sequence": sequence, "reason": f"{type(exc).__name__}: {exc}"})
            failed.append(int(sequence))
            continue
        group = groups.setdefault((kind, profile, day), _Group(kind, profile, day))
        group.sequences.append(sequence)
        group.records.append(entry | {"kind": kind, "profile": profile})
        group.retain_until = max(group.retain_until, retain_until)
    written = Counter[str]()
    for group in groups.values():
        key = store.object_key(group.kind, group.profile, group.day, group.sequences[0], group.sequences[-1])
        lock_until = max(datetime.fromtimestamp(group.retain_until, UTC), now + MINIMUM_LOCK)
        try:
            new = store.put_locked(bucket, key, store.encode(group.records), lock_until)
        except Exception as exc:  # noqa: BLE001 - reported as a partial failure: Lambda retries from the group's first entry
            logger.error("archive object not written", extra={"key": key, "reason": f"{type(exc).__name__}: {str(exc)[:200]}"})
            failed.append(int(group.sequences[0]))
            continue
        written["objects" if new else "already_there"] += 1
        written["entries"] += len(group.records) if new else 0
    logger.info("audit entries archived", extra=dict(written) | {"skipped": dict(skipped), "failed": len(failed)})
    return {"batchItemFailures": [{"itemIdentifier": str(min(failed))}] if failed else []}


def _profile_and_retention(entry: dict[str, Any], default_profile: str, logger: Any) -> tuple[str, int]:
    """The entry's profile and retention as it was written. An entry written before entries carried them (only
    during the deploy that brought the archive) is kept under the stack's default profile for the longest retention."""
    profile, retain_until = entry.get("profile"), entry.get("retain_until")
    if profile in PROFILES and retain_until:
        return profile, int(retain_until)
    logger.warning("audit entry without its profile or retention", extra={"key": entry.get("key")})
    at = _instant(entry["at"])
    longest = max(p.purge_at(at) for p in PROFILES.values())
    return (profile if profile in PROFILES else default_profile), int(retain_until or longest)


def _instant(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)
