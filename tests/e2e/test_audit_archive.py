"""The audit archive end to end: a scenario's entries through the contacts table's stream into S3 on moto.

Every entry is archived once, in locked objects (compliance mode, until the profile's years from the entry), none can
be deleted, every record fits the Athena table, `contacts.jsonl` exported from the archive is the table's own, and
`ops timeline` still shows what the table has let go (its TTL) from the archive.
"""

import json
from datetime import UTC, datetime

import boto3
import pytest
from botocore.exceptions import ClientError

from tests.support import ops_for

START = "2026-03-01"
ACCOUNTS = [
    *(
        {"account_id": f"CN-{n}", "phone": f"+861380053800{n}", "profile": "CN", "balance": "900.00", "currency": "CNY", "due_date": START}
        for n in (1, 2, 3)
    ),
    {
        "account_id": "US-1",
        "phone": "+12125550177",
        "timezone": "America/New_York",
        "profile": "US",
        "balance": "400.00",
        "currency": "USD",
        "due_date": "2026-02-27",
    },
    {
        "account_id": "EU-1",
        "phone": "+447700900177",
        "timezone": "Europe/London",
        "profile": "EU",
        "balance": "300.00",
        "currency": "GBP",
        "due_date": "2026-02-27",
    },
]
EVENTS = [
    {"at": "2026-03-02T06:00:00Z", "type": "payment", "account_id": "CN-1", "amount": "100.00"},
    {"at": "2026-03-03T15:00:00Z", "type": "call_outcome", "account_id": "US-1", "outcome": "no_answer"},
]


@pytest.fixture(scope="module")
def archived(tmp_path_factory):
    from sim.local.stack import LocalStack
    from sim.scenarios import Replay, validate
    from sim.scenarios.export import export

    raw = {"name": "archive", "start_date": START, "days": 5, "profile": "CN", "accounts": ACCOUNTS, "events": EVENTS}
    out = tmp_path_factory.mktemp("archive")
    with LocalStack() as stack:
        replay = Replay(validate(raw, "archive"), stack)
        replay.run()
        export(replay, out)
        yield stack, replay, out, ops_for(stack)


def objects(stack) -> dict[str, list[dict]]:
    from escalation.aws import archive

    s3, bucket = boto3.client("s3"), stack.refs["AuditArchiveBucket"]
    keys = [o["Key"] for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket) for o in page.get("Contents", [])]
    return {key: archive.decode(s3.get_object(Bucket=bucket, Key=key)["Body"].read()) for key in keys}


def scan_table(stack) -> list[dict]:
    from escalation.aws import dynamo

    ddb = boto3.client("dynamodb")
    items = [i for page in ddb.get_paginator("scan").paginate(TableName=stack.refs["ContactsTable"]) for i in page["Items"]]
    return [dynamo.entry_record(i)[1] for i in items]


def test_every_entry_is_archived_once_as_written(archived):
    stack, _, _, _ = archived
    assert stack.handler_errors == []
    records = [r for rs in objects(stack).values() for r in rs]
    table = scan_table(stack)
    assert {r["kind"] for r in records} == {"contact", "event", "receipt"}
    assert sorted((r["account_id"], r["key"]) for r in records) == sorted((e["account_id"], e["key"]) for e in table)
    by_key = {(e["account_id"], e["key"]): e for e in table}
    for r in records:
        assert {k: v for k, v in r.items() if k != "kind"} == by_key[(r["account_id"], r["key"])]
    assert {r["profile"] for r in records} == {"CN", "US", "EU"}


def test_objects_are_grouped_by_kind_profile_and_day_and_locked_for_the_profiles_years(archived):
    from escalation.aws import archive
    from escalation.domain.profiles import PROFILES

    stack, _, _, _ = archived
    s3, bucket = boto3.client("s3"), stack.refs["AuditArchiveBucket"]
    found = objects(stack)
    assert len(found) < sum(len(rs) for rs in found.values())  # batches, not an object per entry
    for key, records in found.items():
        partition = archive.partition_of(key)
        assert {(r["kind"], r["profile"], r["at"][:10]) for r in records} == {(partition["kind"], partition["profile"], partition["day"])}
        for r in records:  # each entry's retention: its profile's years from the entry
            at = datetime.fromisoformat(r["at"].replace("Z", "+00:00"))
            assert r["retain_until"] == PROFILES[r["profile"]].purge_at(at)
            assert r["purge_at"] == int(at.timestamp()) + 35 * 86400  # the table keeps it 35 days
        head = s3.head_object(Bucket=bucket, Key=key)
        assert head["ObjectLockMode"] == "COMPLIANCE"
        assert head["ObjectLockRetainUntilDate"] == datetime.fromtimestamp(max(r["retain_until"] for r in records), UTC)


def test_no_archived_version_can_be_deleted_or_written_again(archived):
    stack, _, _, _ = archived
    s3, bucket = boto3.client("s3"), stack.refs["AuditArchiveBucket"]
    versions = s3.list_object_versions(Bucket=bucket)["Versions"]
    assert len(versions) == len(objects(stack))  # one version per key
    for version in versions[:5]:
        with pytest.raises(ClientError, match="AccessDenied"):
            s3.delete_object(Bucket=bucket, Key=version["Key"], VersionId=version["VersionId"])
        with pytest.raises(ClientError, match="PreconditionFailed"):
            s3.put_object(Bucket=bucket, Key=version["Key"], Body=b"{}", IfNoneMatch="*")
    assert len(s3.list_object_versions(Bucket=bucket)["Versions"]) == len(versions)


def test_every_record_fits_the_athena_table(archived):
    from sim.local.template import load_template

    stack, _, _, _ = archived
    table = load_template()["Resources"]["AuditEntriesTable"]["Properties"]["TableInput"]
    columns = {c["Name"]: c["Type"] for c in table["StorageDescriptor"]["Columns"]}
    partitions = {p["Name"] for p in table["PartitionKeys"]}
    for records in objects(stack).values():
        for r in records:
            assert set(r) - partitions <= set(columns), set(r) - partitions - set(columns)
            for name, value in r.items():
                if name in columns:
                    assert isinstance(value, int) if columns[name] in ("int", "bigint") else isinstance(value, str), (name, value)


def test_contacts_jsonl_from_the_archive_is_the_tables(archived):
    from escalation.aws import dynamo
    from sim.scenarios.export import contact_json

    _, replay, out, _ = archived
    contacts = sorted(dynamo.all_contacts(), key=lambda c: (c.at, c.account_id, c.key))
    receipts = dynamo.all_receipts()
    from_table = [contact_json(c, receipts.get((c.account_id, c.key)), replay.end) for c in contacts]
    exported = [json.loads(line) for line in (out / "contacts.jsonl").read_text(encoding="utf-8").splitlines()]
    assert exported == from_table and len(exported) > 5


def test_a_cancelled_transaction_leaves_nothing_in_the_archive(archived):
    """moto applies a refused transaction's puts to the stream; the harness takes them back, as DynamoDB never writes them."""
    from escalation.aws import dynamo
    from escalation.domain.model import AppliedEvent

    stack, _, _, _ = archived
    account = dynamo.load("EU-1")
    stale = account.with_changes(event_seq=account.event_seq - 1)
    entry = AppliedEvent("EU-1", "never", "payment", datetime(2026, 3, 5, 12, tzinfo=UTC), "paid", {}, profile="EU")
    with pytest.raises(dynamo.AccountChanged):
        dynamo.save_event_fields(stale, stale, None, entry=(entry, 2000000000))
    stack.drain_streams()
    assert not [r for rs in objects(stack).values() for r in rs if r["key"].endswith("#never")]


def test_the_timeline_reads_the_archive_for_what_the_table_let_go(archived, capsys):
    from ops.cli import main

    stack, _, _, ops = archived
    before = ops.timeline("CN-1", reveal=True)
    assert before["archive"]["read"] and before["archive"]["entries"] > 0
    # The table's TTL lets the account's entries go (moto expires none: deleted here, as DynamoDB would).
    ddb = boto3.client("dynamodb")
    keys = [{"account_id": {"S": "CN-1"}, "key": {"S": c["key"]}} for c in before["contacts"]] + [
        {"account_id": {"S": "CN-1"}, "key": {"S": e["key"]}} for e in before["events"]
    ]
    for key in keys:
        ddb.delete_item(TableName=stack.refs["ContactsTable"], Key=key)
    after = ops.timeline("CN-1", reveal=True)
    assert after["contacts"] == before["contacts"] and after["events"] == before["events"]
    assert main(["--stack", "local", "timeline", "CN-1", "--since", "2026-02-01"], ops=ops) == 0
    assert "audit archive from 2026-02-01" in capsys.readouterr().out
    assert ops.timeline("CN-1", since="2026-03-10")["contacts"] == []  # nothing archived from then on, none in the table
