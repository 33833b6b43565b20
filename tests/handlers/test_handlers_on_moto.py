"""The Lambda handlers against the template.yaml stack on moto: plan, assess, dispatch, and their guarantees.

The escalation.aws / escalation.service modules bind table names and settings from the environment
when first imported, so they are imported only once the local stack has set that environment.
"""

import json
from datetime import UTC, datetime, timedelta

import boto3
import pytest

from sim.local.stack import LocalStack, opt_out_at_provider
from tests.support import enroll as enroll_account
from tests.support import ingest as ingest_event
from tests.support import record_batch, send_text

DUE = "2026-03-01"
PRE_DUE_RUN = "2026-02-26T02:00:00Z"  # 10:00 in Shanghai on D-3
D3_RUN = "2026-03-04T02:00:00Z"  # 10:00 in Shanghai on D+3
D30_RUN = "2026-03-31T02:00:00Z"  # 10:00 in Shanghai on D+30
ENROLLED_AT = datetime(2026, 2, 20, 0, 0, tzinfo=UTC)
EMERGENCY = "+8613900139003"


def cn(account_id: str, phone: str, due: str = DUE, **extra) -> dict:
    return {
        "account_id": account_id,
        "phone": phone,
        "timezone": "Asia/Shanghai",
        "balance": "18800.00",
        "fees": "320.00",
        "currency": "CNY",
        "due_date": due,
        **extra,
    }


@pytest.fixture
def stack():
    with LocalStack() as local:
        yield local


def enroll(*raws: dict, at: datetime = ENROLLED_AT) -> None:
    for raw in raws:
        assert enroll_account(raw, at)


def ingest(event: dict, at: str) -> str:
    return ingest_event(event, datetime.fromisoformat(at.replace("Z", "+00:00")))


def contacts(account_id: str):
    from escalation.aws import dynamo

    return dynamo.contacts_of(account_id)


def load(account_id: str):
    from escalation.aws import dynamo

    return dynamo.load(account_id)


def plan(stack: LocalStack, as_of: str, run_id: str = "run-1") -> tuple[dict, list[dict]]:
    result = stack.call_handler("PlanRunFunction", {"run_id": run_id, "as_of": as_of})
    body = boto3.client("s3").get_object(Bucket=result["bucket"], Key=result["manifest_key"])["Body"].read()
    return result, json.loads(body)


def assess(stack: LocalStack, as_of: str, *account_ids: str, run_id: str = "run-1") -> list[dict]:
    """The batch's decisions: its SMS as posted to the outbox, the others as the Map's dispatch states get them."""
    event = {"run_id": run_id, "as_of": as_of, "batch": 0, "account_ids": list(account_ids)}
    stack.pin_configuration(run_id)  # what PlanRun does first: the run decides under the configuration in force
    decisions = stack.call_handler("AssessAccountsFunction", event)["decisions"]
    return stack.queue_messages("SmsOutbox") + decisions


def decision(decisions: list[dict], action: str, account_id: str | None = None) -> dict:
    found = [d for d in decisions if d["action"] == action and (account_id is None or d["account_id"] == account_id)]
    assert len(found) == 1, decisions
    return found[0]


# ---------------------------------------------------------------------- plan
def test_plan_manifest_holds_only_the_due_account(stack):
    enroll(cn("DUE-NOW", "+8613800138001"), cn("DUE-LATER", "+8613800138002", due="2026-04-01"))
    result, batches = plan(stack, PRE_DUE_RUN)
    assert result["due"] == 1
    assert result["batches"] == 1
    assert [i for b in batches for i in b["account_ids"]] == ["DUE-NOW"]
    assert batches[0]["as_of"] == PRE_DUE_RUN
    assert batches[0]["run_id"] == "run-1"


def _in_shard(account_id: str, shard: int) -> None:
    """Where an earlier, larger DueShards setting put the account (the local stack runs 2 shards)."""
    from escalation.aws import dynamo

    dynamo.AccountItem._get_connection().update_item(account_id, actions=[dynamo.AccountItem.due_shard.set(f"DUE#{shard}")])


def _due_shards_state(stack) -> dict | None:
    from escalation.aws import manifests

    return manifests.read_json_if_any(stack.refs["ManifestBucket"], "state/due-shards.json")


def test_lowering_due_shards_strands_no_account(stack):
    """A run under DueShards=8 recorded it; the stack now runs 2: the plan still reads shards 2..7 until they empty."""
    from escalation.aws import manifests

    enroll(cn("LOW", "+8613800138001"), cn("HIGH", "+8613800138002"))
    _in_shard("HIGH", 6)
    manifests.write_json(stack.refs["ManifestBucket"], "state/due-shards.json", {"shards": 8})
    _, batches = plan(stack, PRE_DUE_RUN)
    assert sorted(i for b in batches for i in b["account_ids"]) == ["HIGH", "LOW"]
    assert _due_shards_state(stack) == {"shards": 8}  # shard 6 still holds an account
    # HIGH's text is recorded, which writes its next check in the current layout: shards 2..7 are empty, forgotten.
    assert send_sms(stack, decision(assess(stack, PRE_DUE_RUN, "HIGH"), "sms"))["outcome"] == "sent"
    plan(stack, PRE_DUE_RUN)
    assert _due_shards_state(stack) == {"shards": 2}


def test_the_first_plan_records_the_shard_count(stack):
    enroll(cn("A", "+8613800138001"))
    assert _due_shards_state(stack) is None
    plan(stack, PRE_DUE_RUN)
    assert _due_shards_state(stack) == {"shards": 2}


def test_plan_before_any_window_is_empty(stack):
    enroll(cn("DUE-NOW", "+8613800138001"))
    result, batches = plan(stack, "2026-02-25T23:59:00Z")  # 07:59 in Shanghai on D-3
    assert result["due"] == 0
    assert batches == []


def test_held_account_leaves_the_due_index(stack):
    enroll(cn("HELD", "+8613800138001"), cn("OPEN", "+8613800138002"))
    ingest({"type": "dispute_opened", "account_id": "HELD"}, "2026-02-25T01:00:00Z")
    _, batches = plan(stack, PRE_DUE_RUN)
    assert [i for b in batches for i in b["account_ids"]] == ["OPEN"]


def test_assessment_decides_what_the_ladder_wants(stack):
    enroll(cn("A", "+8613800138001"))
    decisions = assess(stack, D3_RUN, "A")
    # Nothing was sent before: the reminder (D+1..D+6) is still due, and the early call (D+3).
    assert {(d["action"], d["rule"]) for d in decisions} == {("sms", "reminder"), ("call", "early_call")}
    assert all(d["event_seq"] == 0 and d["as_of"] == D3_RUN for d in decisions)


# ---------------------------------------------------------------------- send_sms
def outbox_message(request: dict, message_id: str = "m-1") -> dict:
    """An SMS outbox message as Lambda's SQS event source hands it to the sender."""
    return {
        "messageId": message_id,
        "receiptHandle": f"r-{message_id}",
        "body": json.dumps(request),
        "attributes": {"ApproximateReceiveCount": "1"},
        "messageAttributes": {},
        "md5OfBody": "",
        "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:local-SmsOutbox",
        "awsRegion": "us-east-1",
    }


def send_sms(stack: LocalStack, request: dict) -> dict:
    """One outbox message through the sender's batch path, alone: what it did (batches are tested below)."""
    return send_text(stack, request)


def test_the_sender_returns_a_failed_message_to_the_outbox_and_sends_the_others(stack, monkeypatch):
    """A batch from the outbox: a throttled send is a batch item failure (SQS delivers it again), the rest go out."""
    from escalation.aws import sms

    enroll(cn("A", "+8613800138001"), cn("B", "+8613800138002"))
    decisions = assess(stack, PRE_DUE_RUN, "A", "B")
    first, second = decision(decisions, "sms", "A"), decision(decisions, "sms", "B")
    original, calls = sms.send_sms, {"n": 0}

    def throttle_the_first(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 1:
            raise sms.SmsThrottled("Rate exceeded")
        return original(*args, **kwargs)

    monkeypatch.setattr(sms, "send_sms", throttle_the_first)
    response = stack.call_handler("SendSmsFunction", {"Records": [outbox_message(first, "m-1"), outbox_message(second, "m-2")]})
    assert response == {"batchItemFailures": [{"itemIdentifier": "m-1"}]}
    assert [phone for phone, _ in stack.sms_sent()] == ["+8613800138002"]
    assert send_sms(stack, first)["outcome"] == "sent"  # delivered again: the released claim lets it go
    assert len(stack.sms_sent()) == 2


def test_send_sms_publishes_one_sms_and_records_one_contact(stack):
    enroll(cn("A", "+8613800138001"))
    request = decision(assess(stack, PRE_DUE_RUN, "A"), "sms")
    result = send_sms(stack, request)
    assert result["outcome"] == "sent"
    sent = stack.sms_sent()
    assert len(sent) == 1
    phone, text = sent[0]
    assert phone == "+8613800138001"
    assert text.startswith("【")
    logged = contacts("A")
    assert len(logged) == 1
    assert (logged[0].action.value, logged[0].purpose, logged[0].text, logged[0].to) == ("sms", "pre_due", text, phone)
    assert logged[0].at == datetime(2026, 2, 26, 2, 0, tzinfo=UTC)
    assert logged[0].local_time.isoformat() == "2026-02-26T10:00:00+08:00"


def test_send_sms_twice_sends_once(stack):
    enroll(cn("A", "+8613800138001"))
    request = decision(assess(stack, PRE_DUE_RUN, "A"), "sms")
    first = send_sms(stack, request)
    second = send_sms(stack, request)
    assert first["outcome"] == "sent"
    assert second["outcome"] != "sent"
    assert len(stack.sms_sent()) == 1
    assert len(contacts("A")) == 1


def test_send_sms_twice_reports_the_second_as_duplicate(stack):
    enroll(cn("A", "+8613800138001"))
    request = decision(assess(stack, PRE_DUE_RUN, "A"), "sms")
    send_sms(stack, request)
    assert send_sms(stack, request)["outcome"] == "duplicate"


def test_a_claimed_but_unrecorded_send_is_not_repeated(stack):
    """A send that crashed after its claim (accepted or not, nobody knows) is not sent again.

    It is recorded in the audit log marked unconfirmed, so the ladder moves on instead of
    firing the rule again under the next day's key.
    """
    from escalation.aws import dynamo
    from escalation.domain.model import Status

    enroll(cn("A", "+8613800138001"))
    request = decision(assess(stack, PRE_DUE_RUN, "A"), "sms")
    dynamo.claim("A", request["key"], request["event_seq"], {Status.ACTIVE})
    result = send_sms(stack, request)
    assert result["outcome"] == "recovered"
    assert stack.sms_sent() == []
    [recorded] = dynamo.contacts_of("A")
    assert recorded.provider_id == "unconfirmed"
    assert recorded.purpose == "pre_due"


def _dynamodb_calls(monkeypatch):
    """Record the DynamoDB operations PynamoDB sends from here on."""
    from pynamodb.connection.base import Connection

    seen, original = [], Connection.dispatch

    def dispatch(self, operation_name, operation_kwargs):
        seen.append(operation_name)
        return original(self, operation_name, operation_kwargs)

    monkeypatch.setattr(Connection, "dispatch", dispatch)
    return seen


def test_a_batch_of_texts_is_claimed_and_recorded_in_one_transaction_each(stack, monkeypatch):
    from escalation.aws import dynamo

    enroll(cn("A", "+8613800138001"))
    request = decision(assess(stack, PRE_DUE_RUN, "A"), "sms")
    seen = _dynamodb_calls(monkeypatch)
    assert send_sms(stack, request)["outcome"] == "sent"
    # The batch's accounts (and numbers) read together, the claims in one transaction, the records in another.
    assert [op for op in seen if op != "BatchGetItem"] == ["TransactWriteItems", "TransactWriteItems"]
    account = dynamo.load("A")
    assert account.claims[request["key"]] == "done"
    assert account.last_fired["pre_due"].isoformat() == "2026-02-26"


def test_an_event_between_send_and_record_keeps_its_next_check_and_the_record(stack, monkeypatch):
    """The transaction's seq condition fails: the record and the progress still land, the event's due time stands."""
    from escalation.aws import dynamo

    enroll(cn("A", "+8613800138001"))
    request = decision(assess(stack, PRE_DUE_RUN, "A"), "sms")
    original = dynamo.record_together

    def record_after_an_event(records):
        dynamo.AccountItem._get_connection().update_item(
            "A", actions=[dynamo.AccountItem.event_seq.add(1), dynamo.AccountItem.due_at.set("2026-03-09T01:00:00Z")]
        )
        return original(records)  # refused (event_seq moved): `record` then writes it on its own

    monkeypatch.setattr(dynamo, "record_together", record_after_an_event)
    assert send_sms(stack, request)["outcome"] == "sent"
    item = dynamo.AccountItem.get("A", consistent_read=True)
    assert item.claims.as_dict()[request["key"]] == "done"
    assert item.due_at == "2026-03-09T01:00:00Z"
    assert [c.purpose for c in contacts("A")] == ["pre_due"]


def test_a_cancelled_transaction_writes_nothing_on_the_local_stack(stack):
    """The harness backs up touched items instead of whole tables (sim/local/stack.py): a cancelled transaction must
    still leave every item as it was, including a put that came before the refused update."""
    ddb = boto3.client("dynamodb", region_name="us-east-1")
    accounts, contacts_table = f"{stack.name}-AccountsTable", f"{stack.name}-ContactsTable"
    enroll(cn("A", "+8613800138001"))
    before = ddb.get_item(TableName=accounts, Key={"account_id": {"S": "A"}}, ConsistentRead=True)["Item"]
    with pytest.raises(ddb.exceptions.TransactionCanceledException):
        ddb.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": contacts_table, "Item": {"account_id": {"S": "A"}, "key": {"S": "k"}}}},
                {
                    "Update": {
                        "TableName": accounts,
                        "Key": {"account_id": {"S": "A"}},
                        "UpdateExpression": "SET stage = :s",
                        "ConditionExpression": "event_seq = :wrong",
                        "ExpressionAttributeValues": {":s": {"S": "late"}, ":wrong": {"N": "99"}},
                    }
                },
            ]
        )
    assert ddb.get_item(TableName=accounts, Key={"account_id": {"S": "A"}}, ConsistentRead=True)["Item"] == before
    assert "Item" not in ddb.get_item(TableName=contacts_table, Key={"account_id": {"S": "A"}, "key": {"S": "k"}})


def test_a_record_already_in_the_log_still_completes_the_claim(stack):
    """A contact logged by an earlier attempt whose claim was left "claimed" (written before records were
    transactional): recording again keeps the first record and marks the claim done."""
    from escalation.aws import dynamo
    from escalation.domain.model import ContactKey, Stage
    from escalation.domain.progress import progress_of

    enroll(cn("A", "+8613800138001"))
    request = decision(assess(stack, PRE_DUE_RUN, "A"), "sms")
    assert send_sms(stack, request)["outcome"] == "sent"
    [first] = contacts("A")
    dynamo.AccountItem._get_connection().update_item("A", actions=[dynamo.AccountItem.claims[request["key"]].set("claimed")])
    account = dynamo.load("A")
    dynamo.record(first, progress_of(account, ContactKey.parse(first.key), Stage.PRE_DUE), 0, (account.event_seq, None))
    assert dynamo.load("A").claims[request["key"]] == "done"
    assert [c.provider_id for c in contacts("A")] == [first.provider_id]


def test_payment_between_assessment_and_send_stops_the_send(stack):
    enroll(cn("A", "+8613800138001"))
    request = decision(assess(stack, PRE_DUE_RUN, "A"), "sms")
    ingest({"type": "payment", "account_id": "A", "amount": "100.00"}, "2026-02-26T02:00:01Z")
    result = send_sms(stack, request)
    assert result == {"account_id": "A", "outcome": "skipped", "reason": "changed_since_assessment"}
    assert stack.sms_sent() == []
    assert contacts("A") == []


def test_full_payment_before_the_call_is_recorded_keeps_the_account_paid(stack):
    """The assessment claimed the call and queued it; a payment landing before RecordOutcomes writes the
    contact is not undone by it: the contact is in the log, the account stays paid and keeps its own next check."""
    enroll(cn("A", "+8613800138001"))
    queued = decision(assess(stack, D3_RUN, "A"), "call")
    ingest({"type": "payment", "account_id": "A", "amount": "19120.00"}, "2026-03-04T02:00:01Z")
    assert record_batch(stack, "run-1", [queued])["outcomes"] == {"sent": 1}
    assert [(c.action.value, c.purpose) for c in contacts("A")] == [("call", "early_call")]
    account = load("A")
    assert (account.status.value, account.claims[queued["key"]]) == ("paid", "done")


def test_a_payment_before_the_assessment_claims_stops_the_call(stack):
    """The claim is conditional on the account as assessed: an event in between refuses it, and nothing is queued."""
    from escalation.aws import dynamo

    enroll(cn("A", "+8613800138001"))
    original = dynamo.claim_together

    def pay_first(claims):
        ingest({"type": "payment", "account_id": "A", "amount": "19120.00"}, "2026-03-04T02:00:01Z")
        return original(claims)

    dynamo.claim_together = pay_first
    try:
        stack.pin_configuration("run-1")
        result = stack.call_handler("AssessAccountsFunction", {"run_id": "run-1", "as_of": D3_RUN, "batch": 0, "account_ids": ["A"]})
    finally:
        dynamo.claim_together = original
    assert result["decisions"] == []
    assert result["settled"] == [{"account_id": "A", "outcome": "skipped", "reason": "changed_since_assessment"}]
    assert stack.queue_messages("CallQueue") == []
    assert contacts("A") == []


def test_number_opted_out_at_the_provider_is_not_texted(stack):
    enroll(cn("A", "+8613800138099"))
    request = decision(assess(stack, PRE_DUE_RUN, "A"), "sms")
    opt_out_at_provider("+8613800138099")  # the borrower replied STOP: SNS refuses the Publish (OptedOut)
    result = send_sms(stack, request)
    assert result["outcome"] == "skipped"
    assert result["reason"] == "opted_out_at_provider"
    assert stack.sms_sent() == []
    assert contacts("A") == []


def test_send_after_the_window_closed_is_not_sent(stack):
    enroll(cn("A", "+8613800138001"))
    request = decision(assess(stack, PRE_DUE_RUN, "A"), "sms")
    late = {**request, "as_of": "2026-02-26T13:30:00Z"}  # 21:30 in Shanghai
    assert send_sms(stack, late)["outcome"] == "skipped"
    assert stack.sms_sent() == []


def test_partial_payment_changes_the_amount_in_the_next_text(stack):
    enroll(cn("A", "+8613800138001"))
    ingest({"type": "payment", "account_id": "A", "amount": "100.00"}, "2026-03-01T12:00:00Z")
    request = decision(assess(stack, "2026-03-02T02:00:00Z", "A"), "sms")
    assert request["rule"] == "reminder"
    assert send_sms(stack, request)["outcome"] == "sent"
    ((_, text),) = stack.sms_sent()
    assert "19,020.00" in text  # 18800 + 320 - 100
    assert "19,120.00" not in text


def test_cn_contact_is_kept_at_least_five_years(stack):
    """In the archive, locked until then (retain_until); the table itself keeps it AuditTableDays (35)."""
    from escalation.aws import dynamo

    enroll(cn("A", "+8613800138001"))
    request = decision(assess(stack, PRE_DUE_RUN, "A"), "sms")
    send_sms(stack, request)
    item = dynamo.ContactItem.get("A", request["key"])
    sent_at = datetime(2026, 2, 26, 2, 0, tzinfo=UTC)
    assert item.retain_until >= sent_at.replace(year=2031).timestamp()
    assert item.purge_at == (sent_at + timedelta(days=35)).timestamp()


# ---------------------------------------------------------------------- queue_call / queue_visit
def test_queue_call_puts_one_message_without_emergency_contacts(stack):
    enroll(cn("A", "+8613800138001", emergency_contacts=[EMERGENCY]))
    request = decision(assess(stack, D3_RUN, "A"), "call")
    assert load("A").claims[request["key"]] == "claimed"  # the assessment claimed it and queued the task
    assert "phone" not in json.dumps(request)  # what the state machine sees: ids, no number
    result = record_batch(stack, "run-1", [request])
    assert result["outcomes"] == {"sent": 1}
    messages = stack.queue_messages("CallQueue")
    assert len(messages) == 1
    body = messages[0]
    assert body["account_id"] == "A"
    assert body["phone"] == "+8613800138001"
    assert body["purpose"] == "early_call"
    assert EMERGENCY not in json.dumps(body)
    assert "emergency" not in json.dumps(body).lower()
    logged = contacts("A")
    assert [(c.action.value, c.purpose, c.to) for c in logged] == [("call", "early_call", "+8613800138001")]
    assert logged[0].expires_at.isoformat().replace("+00:00", "Z") == body["expires_at"]
    assert load("A").claims[request["key"]] == "done"
    assert stack.sms_sent() == []


def test_queue_call_twice_queues_once(stack):
    """A retried assessment finds its call claimed (possibly queued already): a duplicate, not a second task."""
    enroll(cn("A", "+8613800138001"))
    request = decision(assess(stack, D3_RUN, "A"), "call")
    stack.pin_configuration("run-1")
    again = stack.call_handler("AssessAccountsFunction", {"run_id": "run-1", "as_of": D3_RUN, "batch": 0, "account_ids": ["A"]})
    assert again["decisions"] == []
    assert again["settled"] == [{"account_id": "A", "outcome": "duplicate", "key": request["key"]}]
    record_batch(stack, "run-1", [request])
    record_batch(stack, "run-1", [request])  # RecordOutcomes retried: one entry
    assert len(stack.queue_messages("CallQueue")) == 1
    assert len(contacts("A")) == 1


def test_recording_a_batch_writes_every_account_in_one_transaction(stack):
    from sim.bench.calls import ApiCallCounter

    phones = [f"+86138001380{n:02d}" for n in range(1, 6)]
    enroll(*(cn(f"A{n}", phone) for n, phone in enumerate(phones)))
    requests = [d for d in assess(stack, D3_RUN, *(f"A{n}" for n in range(5))) if d["action"] == "call"]
    assert len(requests) == 5
    assert len(stack.queue_messages("CallQueue")) == 5  # queued by the assessment, ten a SendMessageBatch
    with ApiCallCounter(stack) as counter:
        assert record_batch(stack, "run-1", requests)["outcomes"] == {"sent": 5}
    calls = {(service, op): n for (scope, service, op), n in counter.calls.items() if scope == "RecordOutcomesFunction"}
    assert calls[("dynamodb", "TransactWriteItems")] == 1
    assert calls[("dynamodb", "BatchGetItem")] == 1
    assert sorted(c.account_id for n in range(5) for c in contacts(f"A{n}")) == [f"A{n}" for n in range(5)]


def test_queue_visit_for_an_unreachable_borrower(stack):
    enroll(cn("A", "+8613800138001", emergency_contacts=[EMERGENCY]))
    for at in ("2026-03-04T07:00:00Z", "2026-03-09T07:00:00Z", "2026-03-12T07:00:00Z"):
        ingest({"type": "call_outcome", "account_id": "A", "outcome": "no_answer"}, at)
    request = decision(assess(stack, D30_RUN, "A"), "visit")
    assert request["rule"] == "field_visit"
    assert record_batch(stack, "run-1", [request])["outcomes"] == {"sent": 1}
    messages = stack.queue_messages("VisitQueue")
    assert len(messages) == 1
    assert messages[0]["account_id"] == "A"
    assert EMERGENCY not in json.dumps(messages[0])
    assert [m["kind"] for m in stack.queue_messages("CallQueue")] == ["call"]  # the D+30 follow-up call, on its own queue


# ---------------------------------------------------------------------- the daily run end to end
def test_daily_run_state_machine_sends_the_pre_due_sms_once(stack):
    enroll(cn("A", "+8613800138001"), cn("LATER", "+8613800138002", due="2026-04-01"))
    first = stack.run_state_machine("DailyRunStateMachine", {"as_of": PRE_DUE_RUN, "group": "t"}, name="run-a")
    assert first["status"] == "SUCCEEDED"
    assert json.loads(first["output"])["sms_queued"] == 1
    assert stack.sms_sent() == []  # the run posted it to the outbox; the senders send it
    stack.poll_queues()
    again = stack.run_state_machine("DailyRunStateMachine", {"as_of": "2026-02-26T09:00:00Z", "group": "t"}, name="run-b")
    assert again["status"] == "SUCCEEDED"
    stack.poll_queues()
    assert [phone for phone, _ in stack.sms_sent()] == ["+8613800138001"]
    assert [c.purpose for c in contacts("A")] == ["pre_due"]
    assert contacts("LATER") == []
    assert stack.handler_errors == []


# ---------------------------------------------------------------------- crash after send
def _crash_record_once(monkeypatch):
    """Make the audit write fail once, as if the function died right after the provider accepted the SMS."""
    from escalation.aws import dynamo

    original = dynamo.record_together
    calls = {"n": 0}

    def record_together(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("function crashed after the provider accepted the message")
        return original(*args, **kwargs)

    monkeypatch.setattr(dynamo, "record_together", record_together)


def test_crash_after_send_never_sends_twice(stack, monkeypatch):
    enroll(cn("A", "+8613800138001"))
    request = decision(assess(stack, PRE_DUE_RUN, "A"), "sms")
    _crash_record_once(monkeypatch)
    with pytest.raises(RuntimeError):
        send_sms(stack, request)
    retry = send_sms(stack, request)
    assert retry["outcome"] != "sent"
    assert len(stack.sms_sent()) == 1


def test_crash_after_send_still_records_the_contact_on_retry(stack, monkeypatch):
    enroll(cn("A", "+8613800138001"))
    request = decision(assess(stack, PRE_DUE_RUN, "A"), "sms")
    _crash_record_once(monkeypatch)
    with pytest.raises(RuntimeError):
        send_sms(stack, request)
    send_sms(stack, request)
    assert len(stack.sms_sent()) == 1
    assert [c.purpose for c in contacts("A")] == ["pre_due"]


def test_crash_after_send_does_not_repeat_the_rule_next_day(stack, monkeypatch):
    enroll(cn("A", "+8613800138001"))
    request = decision(assess(stack, PRE_DUE_RUN, "A"), "sms")
    _crash_record_once(monkeypatch)
    with pytest.raises(RuntimeError):
        send_sms(stack, request)
    next_day = assess(stack, "2026-02-27T02:00:00Z", "A", run_id="run-2")
    assert [d for d in next_day if d["action"] == "sms"] == []


# ---------------------------------------------------------------------- the harness and moto's thread safety
def _watch_moto_dynamodb(monkeypatch) -> dict:
    """Track how many threads are inside moto's DynamoDB backend at once (moto's backend is not thread-safe)."""
    import threading
    import time

    from moto.dynamodb.models import DynamoDBBackend

    lock = threading.Lock()
    state = {"depth": {}, "max_threads": 0}

    def watch(name):
        original = getattr(DynamoDBBackend, name)

        def wrapper(self, *args, **kwargs):
            me = threading.get_ident()
            with lock:
                state["depth"][me] = state["depth"].get(me, 0) + 1
                state["max_threads"] = max(state["max_threads"], len(state["depth"]))
            try:
                time.sleep(0.002)  # widen the window so overlaps show up reliably
                return original(self, *args, **kwargs)
            finally:
                with lock:
                    state["depth"][me] -= 1
                    if not state["depth"][me]:
                        del state["depth"][me]

        monkeypatch.setattr(DynamoDBBackend, name, wrapper)

    for name in ("get_item", "put_item", "update_item", "transact_write_items", "query", "batch_get_item"):
        watch(name)
    return state


def test_handlers_never_enter_moto_dynamodb_concurrently(stack, monkeypatch):
    enroll(*[cn(f"C{i}", f"+86138001{i:05d}") for i in range(12)])
    state = _watch_moto_dynamodb(monkeypatch)
    result = stack.run_state_machine("DailyRunStateMachine", {"as_of": D3_RUN, "group": "t"}, name="run-concurrency")
    assert result["status"] == "SUCCEEDED"
    assert state["max_threads"] == 1


def test_a_number_opted_out_at_the_provider_closes_the_sms_channel_for_every_account(stack):
    """The borrower replied STOP: SNS refuses the send, and the number's record closes SMS for every account on it."""
    from escalation.aws import numbers

    enroll(cn("A", "+8613800138099"), cn("B", "+8613800138099"))
    request = decision(assess(stack, PRE_DUE_RUN, "A"), "sms")
    opt_out_at_provider("+8613800138099")
    result = send_sms(stack, request)
    assert result["reason"] == "opted_out_at_provider"
    assert stack.sms_sent() == []
    assert numbers.status("+8613800138099").why_closed("sms") == "opted_out"
    assert contacts("A") == []
    # B, assessed after: the SMS channel is closed on its number too (one read of the record, in the batch).
    assert [d for d in assess(stack, PRE_DUE_RUN, "B") if d["action"] == "sms"] == []
