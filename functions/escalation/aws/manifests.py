"""Run manifests, reports and the run's small state in S3: the only module that reads or writes the bucket."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

from .clients import client


def write_json(bucket: str, key: str, body: object) -> None:
    client("s3").put_object(Bucket=bucket, Key=key, Body=json.dumps(body, default=str).encode(), ContentType="application/json")


def read_json(bucket: str, key: str) -> object:
    return json.loads(client("s3").get_object(Bucket=bucket, Key=key)["Body"].read())


def read_json_if_any(bucket: str, key: str) -> object | None:
    """The object's JSON, or None when there is no such object."""
    s3 = client("s3")
    try:
        return json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
    except s3.exceptions.NoSuchKey:
        return None


READERS = 32  # a million-account run leaves 20,000 parts: ~10 s with 32 readers, ~300 s one at a time


def read_all(bucket: str, prefix: str) -> list[object]:
    """Every JSON object under a prefix, in key order (read in parallel)."""
    s3 = client("s3")  # created before the threads: client creation is not thread-safe
    keys = [
        o["Key"] for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix) for o in page.get("Contents", [])
    ]
    with ThreadPoolExecutor(max_workers=READERS) as pool:
        return list(pool.map(lambda key: read_json(bucket, key), sorted(keys)))


def write_bytes(bucket: str, key: str, body: bytes) -> None:
    client("s3").put_object(Bucket=bucket, Key=key, Body=body, ContentType="application/json")


def read_bytes_if_any(bucket: str, key: str) -> bytes | None:
    """The object's bytes, or None when there is no such object."""
    s3 = client("s3")
    try:
        return s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    except s3.exceptions.NoSuchKey:
        return None
