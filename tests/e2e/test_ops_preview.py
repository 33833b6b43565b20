"""`python -m ops preview` against the local harness: it foresees what the real runs of the date then do, and writes nothing.

A small book under two policies (a product mapped to the firm one, an experiment between them), enrolled on
1 March 2027; nothing runs until the preview of 3 March, then that date's five scheduled runs run for real.
The CLI reads the wall clock for a stack without a simulated clock, so the date lies ahead of it (2027).
"""

import json
from collections import Counter
from datetime import UTC, date, datetime

import pytest

from tests.support import enroll, ingest, ops_for

DAY = date(2027, 3, 3)
ENROLLED = datetime(2027, 3, 1, 0, 0, tzinfo=UTC)  # 08:00 in Shanghai
SMS_RULES = [
    {"name": "pre_due", "action": "sms", "stage": "pre_due", "start": -3, "end": -1},
    {"name": "reminder", "action": "sms", "stage": "early", "start": 1, "end": 6},
]
BIG_CALL = {
    "name": "big_call",
    "action": "call",
    "stage": "early",
    "start": 2,
    "end": 10,
    "condition": {"fact": "amount_due", "op": ">=", "value": {"CNY": "500", "EUR": "100"}},
}


def configuration() -> dict:
    from sim.local.stack import LOCAL_CONFIGURATION

    return {
        "senders": LOCAL_CONFIGURATION["senders"],
        "policies": {"gentle": {"rules": SMS_RULES}, "firm": {"rules": [*SMS_RULES, BIG_CALL]}},
        "strategy": {
            "default": "gentle",
            "by_product": {"credit-line": "firm"},
            "experiment": {"name": "firm-vs-gentle", "product": "cash-loan", "champion": "gentle", "challenger": "firm",
                           "challenger_share": 0.5},
        },
    }  # fmt: skip


def cn(account_id: str, n: int, due: str, **more) -> dict:
    return {"account_id": account_id, "phone": f"+86138004381{n:02d}", "timezone": "Asia/Shanghai", "profile": "CN",
            "balance": "900.00", "currency": "CNY", "due_date": due, **more}  # fmt: skip


BOOK = [
    cn("CN-PREDUE", 1, "2027-03-05"),  # day -2: the pre-due text
    cn("CN-FIRM", 2, "2027-02-28", product="credit-line"),  # the firm policy: a reminder and, 900 >= 500, a call
    cn("CN-THIRD", 3, "2027-02-28", emergency_contacts=["+8613800438103"]),  # its own number is a third party's: skipped
    cn("CN-HELD", 4, "2027-02-28"),  # held through 2 March: the run lifts the hold, then reminds
    cn("CN-PROMISE", 5, "2027-02-27"),  # promised to pay by 1 March and did not: the run breaks the promise, then reminds
    cn("CASH-1", 6, "2027-02-28", product="cash-loan"),  # the experiment's champion (gentle): a reminder
    cn("CASH-4", 7, "2027-02-28", product="cash-loan"),  # its challenger (firm): a reminder and a call
    # 03:00 in Berlin at the first run (outside the window: skipped), 10:00 at the second (texted)
    {"account_id": "EU-LATE", "phone": "+4915112345678", "timezone": "Europe/Berlin", "profile": "EU", "balance": "300.00",
     "currency": "EUR", "due_date": "2027-03-05"},
]  # fmt: skip


@pytest.fixture(scope="module")
def harness():
    import boto3

    from sim.local.stack import REGION, LocalStack

    with LocalStack() as stack:
        stack.deploy_configuration(configuration())
        for raw in BOOK:
            assert enroll(raw, ENROLLED)
        at = datetime(2027, 3, 1, 1, 0, tzinfo=UTC)
        ingest({"type": "hold_placed", "event_id": "h1", "account_id": "CN-HELD", "reason": "hardship", "until": "2027-03-02"}, at)
        ingest({"type": "promise_to_pay", "event_id": "p1", "account_id": "CN-PROMISE", "amount": "100", "promised_date": "2027-03-01"}, at)
        session = boto3.Session(region_name=REGION)
        calls: list[str] = []
        session.events.register("before-call", lambda model, **_: calls.append(f"{model.service_model.service_name}:{model.name}"))
        yield stack, ops_for(stack, session), calls


def cli(ops, *argv: str) -> int:
    from ops.cli import main

    return main(["--stack", "local", *argv], ops=ops)


def everything(stack) -> dict:
    """What the preview must not change: every table's items, the run files, texts sent, queues, executions."""
    ddb, s3, sqs, sfn = (stack.client(s) for s in ("dynamodb", "s3", "sqs", "stepfunctions"))
    tables = {t: sorted(json.dumps(i, sort_keys=True) for i in ddb.scan(TableName=stack.refs[t])["Items"])
              for t in ("AccountsTable", "ContactsTable", "NumbersTable")}  # fmt: skip
    files = sorted((o["Key"], o["ETag"]) for o in s3.list_objects_v2(Bucket=stack.refs["ManifestBucket"]).get("Contents", []))
    queued = {
        q: sqs.get_queue_attributes(QueueUrl=stack.refs[q], AttributeNames=["ApproximateNumberOfMessages"])["Attributes"]
        for q in ("SmsOutbox", "CallQueue", "VisitQueue", "LegalReferralQueue")
    }
    runs = sfn.list_executions(stateMachineArn=stack.arn("DailyRunStateMachine"))["executions"]
    return {"tables": tables, "files": files, "sms": list(stack.sms_sent()), "queued": queued, "runs": len(runs)}


@pytest.fixture(scope="module")
def foreseen(harness):
    """The preview (JSON and text), with the stack as it stood before and after it, and the AWS calls it made."""
    import io
    from contextlib import redirect_stdout

    stack, ops, calls = harness
    before = everything(stack)
    calls.clear()
    printed = []
    for argv in (("--sample", "20", "--json"), ("--sample", "4")):
        out = io.StringIO()
        with redirect_stdout(out):
            assert cli(ops, "preview", "--date", DAY.isoformat(), *argv) == 0
        printed.append(out.getvalue())
    return json.loads(printed[0]), printed[1], before, everything(stack), list(calls)


@pytest.fixture(scope="module")
def happened(harness, foreseen):
    """The date's real runs, at the instants the schedules fire (as the scenarios replay them): contacts and reports."""
    from escalation.aws import dynamo
    from sim.scenarios.replay import run_instants

    stack, ops, _ = harness
    names = {}
    for instant, schedule in run_instants(stack, DAY):
        name = f"{schedule}-{instant:%Y%m%dT%H%M}"
        as_of = instant.isoformat().replace("+00:00", "Z")
        result = stack.run_state_machine("DailyRunStateMachine", {"as_of": as_of, "group": schedule}, name=name)
        assert result["status"] == "SUCCEEDED", result
        stack.poll_queues()  # the SMS senders
        names[name] = as_of
    contacts = [c for c in dynamo.all_contacts() if c.run_id in names]
    return contacts, names, ops.runs_on(DAY.isoformat())


def test_the_preview_wrote_nothing_sent_nothing_and_only_read(foreseen):
    _, _, before, after, calls = foreseen
    assert after == before
    writes = [c for c in calls if not c.split(":")[1].startswith(("Get", "List", "Query", "BatchGet", "Describe", "Scan"))]
    assert writes == []
    assert "dynamodb:Query" in calls and "dynamodb:BatchGetItem" in calls and "appconfig:GetHostedConfigurationVersion" in calls


def test_the_preview_foresees_what_the_runs_then_do(foreseen, happened):
    result, _, _, _, _ = foreseen
    contacts, names, reports = happened
    assert result["runs"] == sorted(names.values())  # the schedules of template.yaml, as the harness fires them
    assert result["due"] == len(BOOK)
    did = {(c.account_id, c.action.value, c.purpose) for c in contacts}
    assert did, "the runs contacted nobody: the book no longer exercises the preview"
    foreseen_actions = {
        (s["account_id"], action, rule)
        for s in result["sample"]
        if s["decision"] != "skip"
        for action, rule in zip(s["decision"].split("+"), s["rule"].split("+"), strict=True)
    }
    assert foreseen_actions == did
    assert result["actions"] == dict(Counter(c.action.value for c in contacts))
    assert result["by_rule"] == dict(Counter(c.purpose for c in contacts))
    ran = Counter()
    for r in reports:
        ran.update({k: v for k, v in r["report"]["actions"].items() if k != "skip"})
    assert result["actions"] == dict(ran)
    # Each account at the run that contacted it: the Berlin one skipped at 02:00Z, texted at 09:00Z.
    at = {c.account_id: names[c.run_id] for c in contacts}
    assert {s["account_id"]: s["run"] for s in result["sample"] if s["decision"] != "skip"} == at
    assert at["EU-LATE"] == "2027-03-03T09:00:00Z"
    # What the calendar did, the runs did too (and wrote; the preview only counted).
    noted = Counter()
    for r in reports:
        noted.update(r["report"]["skip_reasons"])
    assert result["calendar"] == {"hold_ended": 1, "promise_broken": 1}
    assert noted["hold_ended"] == 1 and noted["promise_broken"] == 1


def test_counts_by_policy_and_arm_follow_the_strategy(foreseen):
    result, _, _, _, _ = foreseen
    assert result["by_policy"]["firm"]["call"] >= 1 and result["by_policy"]["gentle"]["skip"] == 1
    assert set(result["by_arm"]) <= {"-", "champion", "challenger"} and "-" in result["by_arm"]
    arms = {s["account_id"]: (s["arm"], s["policy"], s["decision"]) for s in result["sample"]}
    assert arms["CASH-1"] == ("champion", "gentle", "sms") and arms["CASH-4"] == ("challenger", "firm", "sms+call")
    assert result["by_arm"]["challenger"] == {"call": 1, "sms": 1} and result["by_arm"]["champion"] == {"sms": 1}
    every = sum(result["actions"].values()) + result["accounts"]["not_contacted"]  # an action per count, a skip per account
    assert sum(sum(v.values()) for v in result["by_arm"].values()) == every


def test_the_sample_says_why(foreseen):
    result, text, _, _, _ = foreseen
    rows = {s["account_id"]: s for s in result["sample"]}
    assert rows["CN-THIRD"]["decision"] == "skip" and rows["CN-THIRD"]["reasons"] == ["third_party_number"]
    assert rows["CN-THIRD"]["why"] == "reminder skipped: third_party_number"
    assert result["skips"]["third_party_number"] == 1
    firm = rows["CN-FIRM"]
    assert (firm["policy"], firm["decision"], firm["rule"]) == ("firm", "sms+call", "reminder+big_call")
    assert "big_call: call on day +3" in firm["why"] and "when amount_due >= {CNY 500, EUR 100}" in firm["why"]
    assert rows["CN-HELD"]["why"].startswith("hold_ended; reminder: sms")
    assert rows["CN-PREDUE"]["why"] == "pre_due: sms on day -2 (days -3..-1 once)"
    # The text: compact, a sample of 4, never a phone number.
    assert text.startswith("preview of 2027-03-03: runs 02:00Z 09:00Z 15:00Z 18:00Z 20:00Z")
    assert "skipped: third_party_number 1" in text and "sample (4):" in text
    for raw in BOOK:
        assert raw["phone"] not in text and raw["phone"] not in json.dumps(result)


def test_errors_are_one_line(harness, capsys):
    _, ops, _ = harness
    assert cli(ops, "preview", "--date", "03/03/2027") == 2
    assert capsys.readouterr().err.startswith("error: date: expected YYYY-MM-DD")
    assert cli(ops, "preview", "--date", "2020-01-01") == 2
    assert "have all started" in capsys.readouterr().err
