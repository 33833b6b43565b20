"""The audit archive's batching, keys, locks and Athena table (escalation.service.archive, escalation.aws.archive).

The S3 writes are replaced by a recorder here; tests/handlers/test_event_files.py and tests/e2e/test_audit_archive.py
run the same code on moto's S3 with Object Lock. On the local stack all the same: escalation.aws.dynamo binds the
table names when first imported, so it is imported once the stack has set them (as in every handler test).
"""

import logging
from datetime import UTC, datetime, timedelta

import pytest

from escalation.aws import archive as store
from escalation.domain.profiles import PROFILES
from sim.local.stack import LocalStack
from sim.local.template import load_template

LOG = logging.getLogger("test")
NOW = datetime(2026, 3, 10, tzinfo=UTC)
dynamo = archive = None  # escalation.aws.dynamo and escalation.service.archive, once the stack is up


@pytest.fixture(scope="module", autouse=True)
def stack():
    global dynamo, archive
    with LocalStack() as local:
        from escalation.aws import dynamo
        from escalation.service import archive

        yield local


def contact_image(account_id: str, at: str, profile: str = "CN", rule: str = "reminder") -> dict:
    instant = datetime.fromisoformat(at.replace("Z", "+00:00"))
    item = dynamo.ContactItem(
        account_id,
        f"{at[:10]}#sms#{rule}",
        action="sms",
        stage="early",
        purpose=rule,
        at=at,
        local_time=at.removesuffix("Z"),
        run_id="AsiaRun-x",
        policy_version="default-ladder@1",
        profile=profile,
        to="+8613800138000",
        text="hello",
        parts=1,
        purge_at=dynamo.table_purge_at(instant),
        retain_until=PROFILES[profile].purge_at(instant),
    )
    return item.serialize()


def event_image(account_id: str, at: str, profile: str | None = "US") -> dict:
    item = dynamo.EventEntryItem(
        account_id, f"event#{at}#e1", event_type="payment", at=at, effect="paid", fields="{}", profile=profile, purge_at=1, retain_until=2
    )
    return item.serialize()


def record(sequence: int, image: dict | None, name: str = "INSERT") -> dict:
    body = {"SequenceNumber": str(sequence), "Keys": {"account_id": {"S": "A"}}, "StreamViewType": "NEW_IMAGE"}
    return {"eventName": name, "dynamodb": body | ({"NewImage": image} if image else {})}


@pytest.fixture
def written(monkeypatch):
    """Objects put: key -> (records, lock until); a key in `refuse` fails, one in `present` already exists."""
    puts: dict[str, tuple[list, datetime]] = {}
    puts_refused: set[str] = set()
    present: set[str] = set()

    def put_locked(bucket: str, key: str, body: bytes, retain_until: datetime) -> bool:
        if key in puts_refused:
            raise RuntimeError("S3 is down")
        if key in present:
            return False
        puts[key] = (store.decode(body), retain_until)
        return True

    monkeypatch.setattr(store, "put_locked", put_locked)
    return puts, puts_refused, present


def test_one_object_per_kind_profile_and_day_of_a_batch_keyed_by_its_first_and_last_record(written):
    puts, _, _ = written
    batch = [
        record(11, contact_image("A", "2026-03-04T02:00:00Z")),
        record(12, contact_image("B", "2026-03-04T03:00:00Z")),
        record(13, contact_image("C", "2026-03-04T14:00:00Z", profile="EU")),
        record(14, event_image("A", "2026-03-05T01:00:00Z")),
        record(15, contact_image("D", "2026-03-04T05:00:00Z", rule="second")),
    ]
    assert archive.archive(batch, "bucket", "CN", LOG, NOW) == {"batchItemFailures": []}
    assert sorted(puts) == [
        "audit/kind=contact/profile=CN/day=2026-03-04/11-15.jsonl.gz",
        "audit/kind=contact/profile=EU/day=2026-03-04/13-13.jsonl.gz",
        "audit/kind=event/profile=US/day=2026-03-05/14-14.jsonl.gz",
    ]
    records, _ = puts["audit/kind=contact/profile=CN/day=2026-03-04/11-15.jsonl.gz"]
    assert [r["account_id"] for r in records] == ["A", "B", "D"]  # in stream order
    # As written, plus kind and profile: exactly the item's attributes.
    assert records[0] == dynamo.ContactItem.from_raw_data(batch[0]["dynamodb"]["NewImage"]).to_simple_dict() | {"kind": "contact"}


def test_each_object_is_locked_until_its_latest_entrys_retention(written):
    puts, _, _ = written
    early, late = "2026-03-04T01:00:00Z", "2026-03-04T23:00:00Z"
    archive.archive([record(1, contact_image("A", late)), record(2, contact_image("B", early))], "bucket", "CN", LOG, NOW)
    [(_, until)] = puts.values()
    assert until == datetime(2031, 3, 4, 23, tzinfo=UTC)  # CN: five years from the later entry


@pytest.mark.parametrize(("profile", "years"), [("CN", 5), ("US", 3), ("EU", 6)])
def test_the_retention_is_the_profiles_years_from_the_entry(written, profile, years):
    puts, _, _ = written
    archive.archive([record(1, contact_image("A", "2026-02-28T10:00:00Z", profile=profile))], "bucket", "CN", LOG, NOW)
    [(_, until)] = puts.values()
    assert until == datetime(2026 + years, 2, 28, 10, tzinfo=UTC)


def test_a_retention_already_past_is_still_a_lock_in_the_future(written):
    puts, _, _ = written
    archive.archive([record(1, contact_image("A", "2018-01-01T00:00:00Z", profile="US"))], "bucket", "CN", LOG, NOW)
    [(_, until)] = puts.values()
    assert until == NOW + archive.MINIMUM_LOCK


def test_removes_and_modifies_are_not_entries(written):
    puts, _, _ = written
    batch = [record(1, None, "REMOVE"), record(2, contact_image("A", "2026-03-04T02:00:00Z"), "MODIFY")]
    assert archive.archive(batch, "bucket", "CN", LOG, NOW) == {"batchItemFailures": []}
    assert puts == {}


def test_an_entry_without_its_profile_is_kept_under_the_default_for_the_longest_retention(written):
    puts, _, _ = written
    image = event_image("A", "2026-03-04T02:00:00Z", profile=None)
    del image["retain_until"]
    archive.archive([record(7, image)], "bucket", "EU", LOG, NOW)
    [(key, (_, until))] = puts.items()
    assert key == "audit/kind=event/profile=EU/day=2026-03-04/7-7.jsonl.gz"
    assert until == datetime(2026 + max(p.retention_years for p in PROFILES.values()), 3, 4, 2, tzinfo=UTC)


def test_a_group_not_written_is_reported_from_its_first_entry_and_a_retry_writes_nothing_twice(written):
    puts, refused, present = written
    batch = [
        record(21, contact_image("A", "2026-03-04T02:00:00Z")),
        record(22, contact_image("B", "2026-03-05T02:00:00Z")),
        record(23, contact_image("C", "2026-03-04T05:00:00Z")),
    ]
    refused.add("audit/kind=contact/profile=CN/day=2026-03-05/22-22.jsonl.gz")
    assert archive.archive(batch, "bucket", "CN", LOG, NOW) == {"batchItemFailures": [{"itemIdentifier": "22"}]}
    assert list(puts) == ["audit/kind=contact/profile=CN/day=2026-03-04/21-23.jsonl.gz"]
    # The same batch again (Lambda retries it): the object already there is left as it is.
    refused.clear()
    present.update(puts)
    before = dict(puts)
    assert archive.archive(batch, "bucket", "CN", LOG, NOW) == {"batchItemFailures": []}
    assert {k: v for k, v in puts.items() if k in before} == before and len(puts) == 2


def test_a_malformed_image_fails_its_record_only(written):
    puts, _, _ = written
    batch = [record(31, contact_image("A", "2026-03-04T02:00:00Z")), record(32, {"key": {"S": "2026-03-04#sms#x"}})]
    assert archive.archive(batch, "bucket", "CN", LOG, NOW) == {"batchItemFailures": [{"itemIdentifier": "32"}]}
    assert list(puts) == ["audit/kind=contact/profile=CN/day=2026-03-04/31-31.jsonl.gz"]


def test_objects_are_deterministic_gzip_json_lines():
    records = [{"b": 1, "a": "文"}, {"c": None}]
    assert store.encode(records) == store.encode(records)
    assert store.decode(store.encode(records)) == records
    key = store.object_key("event", "US", NOW.date(), "1", "9")
    assert store.partition_of(key) == {"kind": "event", "profile": "US", "day": "2026-03-10"}


# ---------------------------------------------------------------------- the Athena table matches what is written
GLUE_TYPES = {"UnicodeAttribute": {"string"}, "NumberAttribute": {"int", "bigint"}}


def glue_table() -> dict:
    return load_template()["Resources"]["AuditEntriesTable"]["Properties"]["TableInput"]


def test_the_glue_columns_are_every_attribute_an_entry_is_written_with():
    table = glue_table()
    columns = {c["Name"]: c["Type"] for c in table["StorageDescriptor"]["Columns"]}
    partitions = [p["Name"] for p in table["PartitionKeys"]]
    assert partitions == ["kind", "profile", "day"]
    written = {}
    for kind, model in dynamo.ENTRY_MODELS.items():
        for attribute in model.get_attributes().values():
            written.setdefault(attribute.attr_name, set()).add(type(attribute).__name__)
    # The partition keys are the path's; every other attribute of any kind is a column, and nothing else is.
    assert set(columns) == set(written) - set(partitions)
    for name, kinds in written.items():
        if name in columns:
            (kind,) = kinds
            assert columns[name] in GLUE_TYPES[kind], name


def test_the_partitions_are_projected_from_the_archives_key_layout():
    table = glue_table()
    params = table["Parameters"]
    assert params["projection.enabled"] == "true"
    assert params["projection.kind.values"].split(",") == list(store.KINDS)
    assert params["projection.profile.values"].split(",") == list(PROFILES)
    assert (params["projection.day.type"], params["projection.day.format"]) == ("date", "yyyy-MM-dd")
    template = params["storage.location.template"]["Fn::Sub"]
    assert template == "s3://${AuditArchiveBucket}/audit/kind=${!kind}/profile=${!profile}/day=${!day}/"
    key = store.object_key("receipt", "EU", NOW.date(), "5", "6")
    expected = template.replace("s3://${AuditArchiveBucket}/", "").replace("${!kind}", "receipt").replace("${!profile}", "EU")
    assert key.startswith(expected.replace("${!day}", "2026-03-10"))
    assert table["StorageDescriptor"]["SerdeInfo"]["SerializationLibrary"] == "org.openx.data.jsonserde.JsonSerDe"
    assert table["TableType"] == "EXTERNAL_TABLE"


def test_the_table_ttl_is_days_after_the_entry_and_the_retention_years():
    at = datetime(2026, 3, 4, 2, tzinfo=UTC)
    assert dynamo.table_purge_at(at) == int((at + timedelta(days=dynamo.AUDIT_TABLE_DAYS)).timestamp())
    assert dynamo.AUDIT_TABLE_DAYS == 35  # the template's default
    assert PROFILES["CN"].purge_at(at) == int(at.replace(year=2031).timestamp())
