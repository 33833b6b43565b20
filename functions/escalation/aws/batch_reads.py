"""BatchGetItem with its answer read as the JSON it is: the items come back as DynamoDB's JSON ({"S": ...}).

botocore parses an answer by walking the operation's model value by value; for a batch of a hundred
accounts that walk costs more than deciding for them, and it only rebuilds the JSON it walked.
A `before-parse` hook on BatchGetItem takes a successful answer's body with one `json.loads`
instead. botocore still builds, signs, sends and retries the request, and parses errors as usual.
(Binary values would stay base64 text: no table read here holds any.) Without the hook, botocore's own walk gives
the same items, only slower.

The client is PynamoDB's (the models' connection): built without parameter validation, which would otherwise
walk every key of the request too, and already there for the writes.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Iterable
from typing import Any

from .clients import TransientError

MAX_KEYS = 100  # BatchGetItem's limit per request
# Keys DynamoDB leaves unprocessed (throttling, or an answer over 16 MB) are asked again after a jittered,
# doubling pause; after this many tries the read fails as transient and the caller's retry takes over.
UNPROCESSED_TRIES = 8
FIRST_PAUSE_S = 0.05

Item = dict[str, dict[str, Any]]


def get_items(ddb: Any, table: str, key: str, values: Iterable[str]) -> list[Item]:
    """The items of `table` whose string hash key `key` is one of `values`, in the order asked (absent ones left out).

    `ddb` is a botocore DynamoDB client. Eventually consistent reads, a hundred keys a request.
    """
    ddb.meta.events.register("before-parse.dynamodb.BatchGetItem", _read_as_json, unique_id=__name__)  # once per client
    wanted = list(dict.fromkeys(values))
    found: dict[str, Item] = {}
    for start in range(0, len(wanted), MAX_KEYS):
        for item in _request(ddb, table, [{key: {"S": value}} for value in wanted[start : start + MAX_KEYS]]):
            found[item[key]["S"]] = item
    return [found[value] for value in wanted if value in found]


def _request(ddb: Any, table: str, keys: list[dict[str, Any]]) -> list[Item]:
    items: list[Item] = []
    for attempt in range(UNPROCESSED_TRIES):
        if attempt:
            time.sleep(random.uniform(0, FIRST_PAUSE_S * 2**attempt))  # noqa: S311 - jitter, not security
        answer = ddb.batch_get_item(RequestItems={table: {"Keys": keys}})
        items += answer["Responses"].get(table, [])
        keys = answer["UnprocessedKeys"].get(table, {}).get("Keys") or []
        if not keys:
            return items
    raise TransientError(f"BatchGetItem on {table}: {len(keys)} keys still unprocessed after {UNPROCESSED_TRIES} tries")


def _read_as_json(response_dict: dict[str, Any], customized_response_dict: dict[str, Any], **_: Any) -> None:
    """A successful answer's items and unprocessed keys as the body has them; botocore's walk is left an empty body."""
    if response_dict["status_code"] != 200:
        return  # an error: botocore parses it (and its retries see it)
    answer = json.loads(response_dict["body"])
    customized_response_dict["Responses"] = answer.get("Responses", {})
    customized_response_dict["UnprocessedKeys"] = answer.get("UnprocessedKeys", {})
    response_dict["body"] = b"{}"
