"""The operators' seal (issue 19): an HMAC (KMS, OperatorSealKey) over a collections.ops event's detail.

OperatorCommandsFunction seals each event it puts; the ingest applies a collections.ops event only if its seal
verifies. The bus policy lets only the function put that source, but a message can also reach the ingest straight
through its queue or a direct invocation: the seal is what proves the function, and so Lambda's authentication of the
caller, stands behind the event's `principal`. The MAC covers the whole detail but the seal itself, in one canonical
JSON form, so a redrive from the dead-letter queue (the same body) still verifies and any changed field does not.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from .clients import client

ALGORITHM = "HMAC_SHA_256"
FIELD = "seal"


def _message(detail: dict[str, Any]) -> bytes:
    unsealed = {k: v for k, v in detail.items() if k != FIELD}
    return json.dumps(unsealed, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def sealed(detail: dict[str, Any], key: str) -> dict[str, Any]:
    """The detail with its seal."""
    mac = client("kms").generate_mac(KeyId=key, MacAlgorithm=ALGORITHM, Message=_message(detail))["Mac"]
    return detail | {FIELD: base64.b64encode(mac).decode()}


def verifies(detail: dict[str, Any], key: str) -> bool:
    """Whether the detail carries a seal the key made over exactly this detail."""
    seal = detail.get(FIELD)
    if not isinstance(seal, str):
        return False
    try:
        mac = base64.b64decode(seal, validate=True)
    except (binascii.Error, ValueError):
        return False
    kms = client("kms")
    try:
        return bool(kms.verify_mac(KeyId=key, MacAlgorithm=ALGORITHM, Message=_message(detail), Mac=mac)["MacValid"])
    except kms.exceptions.KMSInvalidMacException:
        return False
