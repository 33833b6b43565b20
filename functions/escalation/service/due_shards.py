"""How many due-index shards the plan reads: the configured count, and every shard an earlier, larger
setting may have left accounts in.

An account is written to shard crc32(id) mod DueShards and keeps it until its next move, so lowering
DueShards would strand the accounts of the shards above the new count. The plan remembers the largest
count in use (a small state object in the run-file bucket) and reads all of those shards; once the
shards above the configured count hold no account at all, it forgets them.
"""

from __future__ import annotations

from ..aws import dynamo, manifests

STATE_KEY = "state/due-shards.json"


def shards_to_read(bucket: str, configured: int) -> int:
    recorded = manifests.read_json_if_any(bucket, STATE_KEY)
    remembered = int(recorded["shards"]) if isinstance(recorded, dict) and "shards" in recorded else configured
    shards = max(remembered, configured)
    if shards > configured and not dynamo.shards_in_use(configured, shards):
        shards = configured  # the shards a larger setting used have emptied: every account moved on its next write
    if shards != remembered or recorded is None:
        manifests.write_json(bucket, STATE_KEY, {"shards": shards})
    return shards
