"""Scenario files are refused before anything runs, with a message naming the file, the item and the field."""

import copy
import json
import os
import subprocess
import sys

import pytest

from sim.scenarios import ScenarioError, load_scenario, validate
from tests.examples import EXAMPLES, PROJECT, PUBLISHED, ROOT, example

VALID = {
    "name": "minimal",
    "start_date": "2026-03-02",
    "days": 3,
    "profile": "CN",
    "accounts": [
        {
            "account_id": "A-1",
            "phone": "+8613800138000",
            "timezone": "Asia/Shanghai",
            "balance": "1250.00",
            "currency": "CNY",
            "due_date": "2026-03-01",
        },
        {"account_id": "A-2", "phone": "+12125550187", "profile": "US", "balance": "10", "currency": "USD", "due_date": "2026-03-05"},
    ],
    "events": [
        {"at": "2026-03-04T06:00:00Z", "type": "payment", "account_id": "A-1", "amount": "1250.00"},
        {"at": "2026-03-03T06:00:00Z", "type": "opt_out", "account_id": "A-2", "channel": "sms"},
    ],
}


def scenario(change=None) -> dict:
    raw = copy.deepcopy(VALID)
    if change:
        change(raw)
    return raw


def refused(raw: dict) -> str:
    with pytest.raises(ScenarioError) as info:
        validate(raw, "x.json")
    message = str(info.value)
    assert message.startswith("x.json: "), message
    assert "\n" not in message
    return message


def test_the_minimal_scenario_is_valid():
    parsed = validate(scenario(), "x.json")
    assert [a["account_id"] for a in parsed.accounts] == ["A-1", "A-2"]
    assert parsed.days == 3
    assert parsed.profile == "CN"


def test_events_are_put_in_time_order():
    parsed = validate(scenario(), "x.json")
    assert [e["type"] for e in parsed.events] == ["opt_out", "payment"]


def test_unknown_event_type():
    message = refused(scenario(lambda r: r["events"][1].update(type="lottery_win")))
    assert "events[1].type" in message
    assert "lottery_win" in message


@pytest.mark.parametrize("field", ["account_id", "phone", "balance", "currency", "due_date"])
def test_missing_required_account_field(field):
    message = refused(scenario(lambda r: r["accounts"][1].pop(field)))
    assert f"accounts[1].{field}" in message


@pytest.mark.parametrize("phone", ["8613800138000", "+86", "not a phone", "+1234", "13800138000"])
def test_bad_phone(phone):
    assert "accounts[0].phone" in refused(scenario(lambda r: r["accounts"][0].update(phone=phone)))


@pytest.mark.parametrize("due", ["2026-02-30", "2026-3-1", "01/03/2026", "tomorrow", 20260301])
def test_bad_due_date(due):
    assert "accounts[0].due_date" in refused(scenario(lambda r: r["accounts"][0].update(due_date=due)))


@pytest.mark.parametrize("start", ["2026-13-01", None, "2026-03-02T00:00:00Z"])
def test_bad_start_date(start):
    assert "start_date" in refused(scenario(lambda r: r.update(start_date=start)))


def test_bad_promised_date():
    def change(r):
        promise = {"type": "promise_to_pay", "account_id": "A-1", "amount": "10", "promised_date": "soon"}
        r["events"].append({"at": "2026-03-03T06:00:00Z", **promise})

    assert "events[2].promised_date" in refused(scenario(change))


def test_bad_event_instant():
    assert "events[0].at" in refused(scenario(lambda r: r["events"][0].update(at="yesterday")))


@pytest.mark.parametrize("amount", ["-1", "-0.01", "NaN", "a lot"])
def test_negative_or_bad_event_amount(amount):
    assert "events[0].amount" in refused(scenario(lambda r: r["events"][0].update(amount=amount)))


def test_negative_account_balance():
    assert "accounts[1].balance" in refused(scenario(lambda r: r["accounts"][1].update(balance="-10.00")))


def test_negative_account_fees():
    assert "accounts[0].fees" in refused(scenario(lambda r: r["accounts"][0].update(fees="-1")))


def test_event_missing_its_field():
    assert "events[0].amount" in refused(scenario(lambda r: r["events"][0].pop("amount")))


def test_event_with_a_bad_enum_value():
    assert "events[1].channel" in refused(scenario(lambda r: r["events"][1].update(channel="email")))


def test_event_for_an_unknown_account():
    message = refused(scenario(lambda r: r["events"][0].update(account_id="NOBODY")))
    assert "events[0].account_id" in message
    assert "NOBODY" in message


def test_duplicate_account_id():
    message = refused(scenario(lambda r: r["accounts"].append({**r["accounts"][0], "phone": "+8613800138009"})))
    assert "accounts" in message
    assert "account_id" in message
    assert "A-1" in message


def test_new_account_event_makes_the_account_known():
    def change(r):
        new = {"account_id": "A-3", "phone": "+8613800138009", "balance": "10", "currency": "CNY", "due_date": "2026-03-01"}
        r["events"].append({"at": "2026-03-02T01:00:00Z", "type": "new_account", "account": new})
        r["events"].append({"at": "2026-03-03T01:00:00Z", "type": "cease_contact", "account_id": "A-3"})

    parsed = validate(scenario(change), "x.json")
    assert {e.get("account_id") for e in parsed.events} >= {"A-3"}


def test_new_account_event_duplicating_an_account_is_refused():
    def change(r):
        dup = {"account_id": "A-1", "phone": "+8613800138009", "balance": "10", "currency": "CNY", "due_date": "2026-03-01"}
        r["events"].append({"at": "2026-03-02T01:00:00Z", "type": "new_account", "account": dup})

    assert "A-1" in refused(scenario(change))


def test_invalid_new_account_names_the_nested_field():
    def change(r):
        bad = {"account_id": "A-3", "phone": "+8613800138009", "balance": "10", "currency": "CNY", "due_date": "someday"}
        r["events"].append({"at": "2026-03-02T01:00:00Z", "type": "new_account", "account": bad})

    assert "events[2].account.due_date" in refused(scenario(change))


@pytest.mark.parametrize(("field", "value"), [("days", 0), ("days", "3"), ("profile", "MARS")])
def test_bad_top_level_fields(field, value):
    assert field in refused(scenario(lambda r: r.update({field: value})))


def test_unknown_timezone():
    assert "accounts[0].timezone" in refused(scenario(lambda r: r["accounts"][0].update(timezone="Mars/Base")))


def test_load_scenario_names_the_file_for_bad_json(tmp_path):
    bad = tmp_path / "broken.json"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"^broken\.json: "):
        load_scenario(bad)


# ---------------------------------------------------------------------- the example files
@pytest.mark.parametrize("name", EXAMPLES)
def test_the_example_files_are_valid(name):
    path = example(name)
    parsed = load_scenario(path)
    raw = json.loads(path.read_text(encoding="utf-8"))
    assert len(parsed.accounts) == len(raw["accounts"])
    assert len(parsed.events) == len(raw["events"])


@pytest.mark.skipif(not PUBLISHED.is_dir(), reason=f"{PUBLISHED} not present")
@pytest.mark.parametrize("name", EXAMPLES)
def test_the_projects_copies_are_the_published_examples(name):
    """scenarios/ keeps copies so the repository stands alone; refresh them when the lender publishes new ones."""
    assert json.loads((PROJECT / name).read_text(encoding="utf-8")) == json.loads((PUBLISHED / name).read_text(encoding="utf-8"))


# ---------------------------------------------------------------------- the command line
def test_command_line_refuses_an_invalid_file_with_one_line(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(scenario(lambda r: r["events"][0].update(type="lottery_win"))), encoding="utf-8")
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": "functions:."}
    done = subprocess.run(
        [sys.executable, "-m", "sim.scenarios", str(bad), str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert "bad.json" in lines[0]
    assert "events[0].type" in lines[0]
    assert not out.exists()


# ---------------------------------------------------------------------- every value the contract refuses (issue 14)
@pytest.mark.parametrize(
    ("change", "where", "reason"),
    [
        (lambda r: r.update(policy="firm"), "policy", "unknown top-level key"),
        (lambda r: r.update(policies={"p": {"rules": [{"name": "r", "action": "sms", "stage": "early", "start": 1,
                                                         "condition": {"fact": "mood", "op": "==", "value": 1}}]}}),
         "policies.p", "policy rule #1 (r): field 'condition.fact': unknown fact 'mood'"),
        (lambda r: r.update(strategy={"default": "missing"}), "strategy.default", "names policy 'missing', which is not in policies"),
        (lambda r: r.update(strategy={"experiment": {"name": "e", "champion": "default-ladder", "challenger": "default-ladder",
                                                     "challenger_share": 1.5}}),
         "strategy.experiment.challenger_share", "expected a share from 0 to 1"),
        (lambda r: r.update(deployments=[{"at": "soon"}]), "deployments[0].at", ""),
        (lambda r: r.update(deployments=[{"at": "2026-03-03T00:00:00Z", "strategy": {"default": "gone"}}]),
         "deployments[0]: strategy.default", "names policy 'gone'"),
        (lambda r: r["accounts"][0].update(nickname="Li"), "accounts[0].nickname", "unexpected field"),
        (lambda r: r["accounts"][0].update(locale="de-DE"), "accounts[0].locale", "no SMS templates for locale 'de-DE'"),
        (lambda r: r["accounts"][1].update(locale="zh-CN"), None, None),  # a US account in Chinese: an identity exists
        (lambda r: r["events"][0].update(amount="0"), "events[0].amount", "must be greater than 0"),
        (lambda r: r["events"][0].update(note="from the call centre"), "events[0].note", "unexpected field for payment"),
        (lambda r: r["events"][0].update(source="someone.else"), "events[0].source", "must be one of lender.core, collections.ops"),
        (lambda r: r["events"][0].update(principal="arn:aws:iam::1:user/x"), "events[0].principal", "only an event from collections.ops"),
        (lambda r: r["events"].append({"at": "2026-03-03T06:00:00Z", "type": "contact_updated", "account_id": "A-1", "phone": "+86 1"}),
         "events[2].phone", "must be an E.164 number"),
        (lambda r: r["events"].append({"at": "2026-03-03T06:00:00Z", "type": "call_outcome", "account_id": "A-2", "outcome": "busy"}),
         "events[2].outcome", "must be 'reached', 'no_answer', 'refused' or 'wrong_number'"),
    ],
)  # fmt: skip
def test_a_scenario_is_refused_for_anything_the_contract_refuses(change, where, reason):
    if where is None:
        validate(scenario(change), "x.json")
        return
    message = refused(scenario(change))
    assert message.startswith(f"x.json: {where}: "), message
    assert reason in message, message


@pytest.mark.parametrize("principal", ["li.wei", "", 7, "arn:aws:sts::123:assumed-role/r/li", "arn:aws:s3:::bucket"])
def test_a_principal_that_is_not_an_aws_principal_arn_is_refused_before_anything_runs(principal):
    def change(r):
        r["events"][0].update(source="collections.ops", type="hold_placed", reason="paused", principal=principal)
        del r["events"][0]["amount"]

    message = refused(scenario(change))
    assert message.startswith("x.json: events[0].principal: must be an AWS principal ARN"), message


def test_an_event_may_name_its_sender_and_the_caller_aws_authenticated():
    def change(r):
        r["events"][0].update(source="collections.ops", principal="arn:aws:sts::123456789012:assumed-role/reviewer/li.wei")

    assert validate(scenario(change), "x.json").events[1]["source"] == "collections.ops"
