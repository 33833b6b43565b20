"""The audit archive in S3 (template.yaml's AuditArchiveBucket): the only module that knows its layout.

Every audit entry the contacts table's stream carries lands here once, in a gzip JSON-lines object per (kind,
profile, UTC day) of a stream batch, under Hive-style partitions the Glue table `audit_entries` projects:

    audit/kind=<contact|event|receipt>/profile=<CN|US|EU>/day=<YYYY-MM-DD>/<first sequence>-<last sequence>.jsonl.gz

Each object is written only if its key is new (If-None-Match: a retried batch writes nothing twice and makes no
second version) and locked in compliance mode until its entries' retention has passed (S3 Object Lock: nobody, the
account's root included, can delete it or shorten that before then). Readers (`ops timeline`, the scenario exports)
list a partition's keys by day and read the records; at scale the Athena table is the way (docs/OPERATIONS.md).
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from typing import Any

from botocore.exceptions import ClientError

from .clients import client

PREFIX = "audit/"
KINDS = ("contact", "event", "receipt")
LOCK_MODE = "COMPLIANCE"


def object_key(kind: str, profile: str, day: date, first_sequence: str, last_sequence: str) -> str:
    """Where a group of a stream batch is kept; the same records always make the same key."""
    return f"{PREFIX}kind={kind}/profile={profile}/day={day.isoformat()}/{first_sequence}-{last_sequence}.jsonl.gz"


def partition_of(key: str) -> dict[str, str]:
    """{"kind", "profile", "day"} of an object key."""
    parts = key.removeprefix(PREFIX).split("/")[:3]
    return dict(part.split("=", 1) for part in parts)


def encode(records: Iterable[dict[str, Any]]) -> bytes:
    """JSON lines, gzip (no timestamp in the header: the same records are the same bytes)."""
    lines = "".join(json.dumps(r, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n" for r in records)
    return gzip.compress(lines.encode(), mtime=0)


def decode(body: bytes) -> list[dict[str, Any]]:
    return [json.loads(line) for line in gzip.decompress(body).decode().splitlines() if line]


def put_locked(bucket: str, key: str, body: bytes, retain_until: datetime) -> bool:
    """Write the object, locked in compliance mode until `retain_until`, unless an object of that key exists (False).

    PutObject with a retention needs s3:PutObject and s3:PutObjectRetention, and a checksum (botocore sends one).
    A 409 (a concurrent write of the same key) is raised: the batch is retried and then finds the object there."""
    try:
        client("s3").put_object(
            Bucket=bucket,
            Key=key,
            Body=body,
            ContentType="application/gzip",
            IfNoneMatch="*",
            ObjectLockMode=LOCK_MODE,
            ObjectLockRetainUntilDate=retain_until,
            ChecksumAlgorithm="SHA256",
        )
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "PreconditionFailed":
            return False
        raise
    return True


# ---------------------------------------------------------------------- reading (any S3 client: the ops CLI's, the harness's)
def keys_between(s3: Any, bucket: str, kind: str, profile: str, first: date, last: date | None = None) -> Iterator[str]:
    """The keys of one kind and profile whose day is first..last (None: the latest), in day order (one listing)."""
    prefix = f"{PREFIX}kind={kind}/profile={profile}/"
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix, StartAfter=f"{prefix}day={first.isoformat()}/")
    for page in pages:
        for found in page.get("Contents", []):
            if last is not None and partition_of(found["Key"])["day"] > last.isoformat():
                return
            yield found["Key"]


def all_keys(s3: Any, bucket: str, kind: str) -> list[str]:
    """Every key of one kind (exports of a local stack; at scale, Athena)."""
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=f"{PREFIX}kind={kind}/")
    return [found["Key"] for page in pages for found in page.get("Contents", [])]


def read_records(s3: Any, bucket: str, keys: Iterable[str]) -> list[dict[str, Any]]:
    """The records of the objects, each entry once: a batch retried after a partial failure may have archived an entry
    in two objects (an entry is identified by its account and key, as in the table)."""
    seen: set[tuple[str, str]] = set()
    out: list[dict[str, Any]] = []
    for key in keys:
        for record in decode(s3.get_object(Bucket=bucket, Key=key)["Body"].read()):
            identity = (record["account_id"], record["key"])
            if identity not in seen:
                seen.add(identity)
                out.append(record)
    return out


def records_between(
    s3: Any, bucket: str, profile: str, first: date, last: date | None = None, account_id: str | None = None
) -> list[dict[str, Any]]:
    """Every archived entry of a profile whose day is first..last (None: the latest), of one account if given, each once."""
    keys = [key for kind in KINDS for key in keys_between(s3, bucket, kind, profile, first, last)]
    return [r for r in read_records(s3, bucket, keys) if account_id is None or r["account_id"] == account_id]


def all_records(s3: Any, bucket: str, kind: str) -> list[dict[str, Any]]:
    """Every archived entry of one kind, each once (exports of a local stack; at scale, the Athena table)."""
    return read_records(s3, bucket, all_keys(s3, bucket, kind))
