"""Issue 17, item 5: the messages on the call, visit and legal-referral queues follow the schemas the product
publishes (schemas/call-task, visit-task, legal-referral-task and task-common.schema.json; docs/CONTRACTS.md,
"Task messages").

The messages here are built by escalation.domain.tasks, the builders the acts (QueueCall, QueueVisit) and
ReferToLegal send, with the windows they compute. (escalation.service and escalation.aws are not imported
here: they bind table names when first imported, which the handler tests' local stacks must do first.)
What the handlers put on the local stack's queues is checked in tests/handlers (test_event_files.py,
test_task_contracts_on_moto.py), and a whole scenario's tasks.jsonl in tests/e2e/test_shared_scenarios.py.
"""

import copy
import json
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import msgspec
import pytest
from jsonschema import Draft202012Validator

from escalation.contract import Address, ContractError, parse_account
from escalation.domain.model import Account, Action, ContactKey, Stage
from escalation.domain.profiles import profile_for
from escalation.domain.tasks import (
    SCHEMA_VERSION,
    call_message,
    call_window,
    referral_message,
    reply_message,
    visit_message,
    visit_window,
)
from escalation.domain.windows import zones_for
from sim.scenarios import ScenarioError, validate
from tests.support import SCHEMAS, TASK_SCHEMAS, task_problems

COMMON = json.loads((SCHEMAS / "task-common.schema.json").read_text(encoding="utf-8"))
SCHEMA = {queue: json.loads((SCHEMAS / name).read_text(encoding="utf-8")) for queue, name in TASK_SCHEMAS.items()}
ADDRESS = {"line1": "科技园路1号", "line2": "A栋 1201", "district": "南山区", "city": "深圳市", "region": "广东省",
           "postal_code": "518057", "country": "CN"}  # fmt: skip

ACCOUNTS = {
    "CN, with an address": Account(
        "CN-1", "+8613800138001", Decimal("18800.00"), "CNY", date(2026, 3, 1), "CN", "Asia/Shanghai", "zh-CN", Decimal("320.00"),
        address=ADDRESS,
    ),
    "US, no address": Account("US-1", "+12125550187", Decimal("1250"), "USD", date(2026, 3, 1), "US", "America/New_York"),
    "EU, cents": Account("EU-1", "+442071838750", Decimal("99.5"), "GBP", date(2026, 3, 1), "EU", "Europe/London", fees=Decimal("0.25")),
}  # fmt: skip
NOW = datetime(2026, 3, 31, 2, 0, tzinfo=UTC)


def _json(message: dict[str, Any]) -> dict[str, Any]:
    return json.loads(json.dumps(message))  # as SQS carries it (escalation.aws.work_queues.enqueue: json.dumps)


def call(account: Account) -> tuple[dict[str, Any], datetime]:
    """The call task QueueCall sends (escalation.service.acts.queue_call), and the expiry it records."""
    window = call_window(NOW, zones_for(account.phone, account.timezone), profile_for(account.profile))
    key = ContactKey(window.first_day, Action.CALL, "early_call")
    return _json(call_message(account, key, Stage.EARLY, NOW, window)), window.expires_at


def visit(account: Account) -> tuple[dict[str, Any], datetime]:
    """The visit task QueueVisit sends (escalation.service.acts.queue_visit), and the expiry it records."""
    window = visit_window(NOW, zones_for(account.phone, account.timezone), profile_for(account.profile))
    key = ContactKey(window.first_day, Action.VISIT, "field_visit")
    return _json(visit_message(account, key, Stage.FIELD, NOW, window)), window.expires_at


def reply(account: Account) -> dict[str, Any]:
    """The reply task the ingest queues for a borrower's message (escalation.service.ingest, sms_reply)."""
    zones, profile = zones_for(account.phone, account.timezone), profile_for(account.profile)
    return _json(reply_message(account, "sms-7d1e5a2c", "Can I pay next Friday? 下周五可以吗", NOW, zones, profile))


def referral(account: Account) -> dict[str, Any]:
    """The referral ReferToLegal sends (escalation.service.referral.refer)."""
    day = call_window(NOW, zones_for(account.phone, account.timezone), profile_for(account.profile))
    key = ContactKey(day.first_day, Action.LEGAL_REFERRAL, "legal_referral")
    return _json(referral_message(account, key, NOW, day, "li.wei", NOW.isoformat()))


def messages() -> list[tuple[str, str, dict[str, Any]]]:
    """(case, queue, message): a call, a visit and a referral for each account."""
    out = []
    for name, account in ACCOUNTS.items():
        out += [(name, "call", call(account)[0]), (name, "visit", visit(account)[0]), (name, "legal_referral", referral(account))]
        out.append((name, "reply", reply(account)))
    return out


# ---------------------------------------------------------------------- the schemas
def test_the_task_schemas_are_valid_json_schemas_named_after_their_files():
    for path in sorted(SCHEMAS.glob("*.schema.json")):
        document = json.loads(path.read_text(encoding="utf-8"))
        Draft202012Validator.check_schema(document)
        assert document["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        assert document["$id"].rsplit("/", 1)[1] == path.name
    assert {SCHEMAS / name for name in TASK_SCHEMAS.values()} | {SCHEMAS / "task-common.schema.json"} <= set(SCHEMAS.glob("*.json"))


def test_the_schemas_have_the_products_vocabulary():
    props = COMMON["properties"]
    assert props["schema_version"]["const"] == SCHEMA_VERSION
    assert props["stage"]["enum"] == [s.value for s in Stage]
    # The kinds of contact tasks (the common schema's); a reply task is the call queue's other kind, not a contact.
    assert set(props["kind"]["enum"]) == set(TASK_SCHEMAS) - {"reply"} <= {a.value for a in Action}
    assert {queue: s["properties"]["kind"]["const"] for queue, s in SCHEMA.items()} == {q: q for q in TASK_SCHEMAS}
    address = COMMON["$defs"]["address"]
    fields = msgspec.structs.fields(Address)
    assert list(address["properties"]) == [f.name for f in fields]  # the enrolment contract's address, field for field
    assert sorted(address["required"]) == sorted(f.name for f in fields if f.required)


# ---------------------------------------------------------------------- what the product sends
@pytest.mark.parametrize("account", list(ACCOUNTS), ids=list(ACCOUNTS))
def test_call_and_visit_tasks_follow_their_schemas(account):
    acct = ACCOUNTS[account]
    message, expires_at = call(acct)
    assert task_problems("call", message) == []
    day = message["first_day"]  # the borrower's local day (2026-03-30 in New York)
    assert message["idempotency_key"] == message["task_id"] == f"{acct.account_id}#{day}#call#early_call"  # = the SQS attribute
    assert (message["contact_key"], message["stage"], message["purpose"]) == (f"{day}#call#early_call", "early", "early_call")
    assert (message["amount_due"], message["currency"], message["phone"]) == (str(acct.amount_due), acct.currency, acct.phone)
    assert message["expires_at"] == expires_at.isoformat().replace("+00:00", "Z")  # what the audit record says
    message, expires_at = visit(acct)
    assert task_problems("visit", message) == []
    assert message["idempotency_key"] == message["task_id"] == f"{acct.account_id}#{day}#visit#field_visit"
    assert message["expires_at"] == expires_at.isoformat().replace("+00:00", "Z")
    assert message.get("address") == acct.address  # the lender's address, as enrolled; none when it gave none
    assert "phone" not in message


@pytest.mark.parametrize("account", list(ACCOUNTS), ids=list(ACCOUNTS))
def test_a_legal_referral_follows_its_schema(account):
    message = referral(ACCOUNTS[account])
    assert task_problems("legal_referral", message) == []
    assert message["expires_at"] is None  # a referral does not lapse
    assert (message["stage"], message["purpose"], message["approved_by"]) == ("legal", "legal_referral", "li.wei")
    assert message["first_day"] == message["last_day"] and message["zone"] == ACCOUNTS[account].timezone


def test_every_field_the_product_sends_is_declared_in_its_schema():
    """Consumers ignore fields they do not know, so the schemas allow more; the product sends nothing undocumented."""
    for case, queue, message in messages():
        declared = set(COMMON["properties"]) | set(SCHEMA[queue]["properties"])
        assert set(message) <= declared, (case, queue, sorted(set(message) - declared))
        assert set(message["hours"]) == set(COMMON["$defs"]["hours"]["properties"])
        assert set(message.get("address", {})) <= set(COMMON["$defs"]["address"]["properties"])


# ---------------------------------------------------------------------- what the schemas refuse
def _required(queue: str) -> list[str]:
    if queue == "reply":  # its own schema: no contact key
        return SCHEMA[queue]["required"]
    return COMMON["required"] + SCHEMA[queue].get("required", [])


@pytest.mark.parametrize("queue", list(TASK_SCHEMAS))
def test_a_message_missing_a_required_field_is_refused(queue):
    _, _, message = next(m for m in messages() if m[1] == queue and m[0] == "CN, with an address")
    assert task_problems(queue, message) == []
    for name in _required(queue):
        broken = {k: v for k, v in message.items() if k != name}
        assert task_problems(queue, broken) == [f"(message): '{name}' is a required property"], name


BAD = [
    ("call", "schema_version", 2),
    ("call", "schema_version", "1"),
    ("call", "kind", "visit"),
    ("call", "amount_due", 19120.0),  # a JSON number: amounts are decimal strings
    ("call", "amount_due", "19120.005"),
    ("call", "amount_due", "-1.00"),
    ("call", "currency", "cny"),
    ("call", "expires_at", None),  # a call always expires
    ("call", "expires_at", "2026-03-31T25:00:00Z"),
    ("call", "queued_at", "2026-03-31 02:00"),
    ("call", "first_day", "2026-02-30"),
    ("call", "hours", {"from": "08:00"}),
    ("call", "phone", "13800138001"),
    ("call", "stage", "collections"),
    ("call", "task_id", "2026-03-31#call#early_call"),
    ("visit", "address", {"line1": "科技园路1号"}),  # no country
    ("visit", "address", {"line1": "科技园路1号", "country": "China"}),
    ("visit", "address", "科技园路1号, 深圳"),
    ("visit", "expires_at", None),
    ("legal_referral", "expires_at", "2026-03-31T13:00:00Z"),
    ("legal_referral", "stage", "field"),
    ("legal_referral", "approved_at", "yesterday"),
]


@pytest.mark.parametrize(("queue", "name", "value"), BAD, ids=[f"{q}.{n}={v!r}" for q, n, v in BAD])
def test_a_wrong_value_is_refused_naming_the_field(queue, name, value):
    _, _, message = next(m for m in messages() if m[1] == queue and m[0] == "CN, with an address")
    problems = task_problems(queue, copy.deepcopy(message) | {name: value})
    assert problems and all(p.startswith(name) for p in problems), problems


# ---------------------------------------------------------------------- the address, from enrolment to the visit
def test_the_enrolment_contract_takes_an_optional_address_and_refuses_a_bad_one():
    base = {"account_id": "A-1", "phone": "+8613800138000", "balance": "1.00", "currency": "CNY", "due_date": "2026-03-01"}
    assert parse_account(base).address is None
    address = parse_account(base | {"address": ADDRESS}).address
    assert {name: getattr(address, name) for name in Address.__struct_fields__} == ADDRESS
    for bad, message in [
        ({"line1": "x"}, "address.country: missing (required)"),
        ({"line1": "x", "country": "CHN"}, "address.country: must be an ISO 3166-1 alpha-2 country code like CN"),
        ({"line1": "x", "country": "CN", "zip": "1"}, "address.zip: unexpected field"),
        ({"line1": "科技园路\n1号", "country": "CN"}, "address.line1: must be 1-200 characters on one line"),
        ("科技园路1号", "address: must be a valid dictionary"),
    ]:
        with pytest.raises(ContractError) as refused:
            parse_account(base | {"address": bad})
        assert str(refused.value) == message


def test_a_scenario_account_may_carry_an_address():
    account = {"account_id": "A-1", "phone": "+8613800138000", "balance": "1.00", "currency": "CNY", "due_date": "2026-03-01"}
    scenario = {"start_date": "2026-03-01", "days": 1, "accounts": [account | {"address": ADDRESS}], "events": []}
    assert validate(scenario, "s.json").accounts[0]["address"] == ADDRESS
    with pytest.raises(ScenarioError, match=r"^s\.json: accounts\[0\]\.address\.country: missing \(required\)$"):
        validate(scenario | {"accounts": [account | {"address": {"line1": "x"}}]}, "s.json")
