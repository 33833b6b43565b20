"""The example scenarios (tests/examples.py: cn_ladder, us_windows) replayed through the whole stack on moto.

Each scenario runs once per session; every test reads the exported contacts.jsonl / accounts.json /
summary.json. Local dates and hours come from each contact's local_time.
The replay is exactly what `make scenario` does (handlers run concurrently, as Map iterations do).
"""

import json
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest

from escalation.domain.messages import banned_phrases_in
from tests.examples import example
from tests.support import TASK_SCHEMAS, task_problems

ACTIONS = ("sms", "call", "visit", "legal_review", "legal_referral")


def utc(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)


@dataclass
class Output:
    summary: dict
    contacts: list[dict]
    accounts: dict[str, dict]
    raw_contacts: str
    tasks: list[dict]  # tasks.jsonl: {"queue", "message"} per message on the call, visit and legal-referral queues

    def of(self, account_id: str, action: str | None = None, purpose: str | None = None) -> list[dict]:
        return [
            c
            for c in self.contacts
            if c["account_id"] == account_id and (action is None or c["action"] == action) and (purpose is None or c["purpose"] == purpose)
        ]


def local_date(contact: dict) -> date:
    return datetime.fromisoformat(contact["local_time"]).date()


def _run(name: str, tmp_path_factory) -> Output:
    from sim.scenarios import run_scenario

    path = example(name)
    out = tmp_path_factory.mktemp(name.removesuffix(".json"))
    returned = run_scenario(path, out)
    raw = (out / "contacts.jsonl").read_text(encoding="utf-8")
    contacts = [json.loads(line) for line in raw.splitlines() if line.strip()]
    accounts = {a["account_id"]: a for a in json.loads((out / "accounts.json").read_text(encoding="utf-8"))}
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert returned["contacts"] == summary["contacts"]
    tasks = [json.loads(line) for line in (out / "tasks.jsonl").read_text(encoding="utf-8").splitlines()]
    return Output(summary, contacts, accounts, raw, tasks)


@pytest.fixture(scope="session")
def cn(tmp_path_factory) -> Output:
    return _run("cn_ladder.json", tmp_path_factory)


@pytest.fixture(scope="session")
def us(tmp_path_factory) -> Output:
    return _run("us_windows.json", tmp_path_factory)


@pytest.fixture(params=["cn", "us"])
def run(request) -> Output:
    return request.getfixturevalue(request.param)


# ---------------------------------------------------------------------- both scenarios: output format and guardrails
def test_summary_has_the_documented_keys(run):
    summary = run.summary
    assert {"days", "accounts", "contacts", "paid"} <= set(summary)
    assert set(summary["contacts"]) >= set(ACTIONS)
    counted = Counter(c["action"] for c in run.contacts)
    assert {a: summary["contacts"][a] for a in ACTIONS} == {a: counted.get(a, 0) for a in ACTIONS}
    assert summary["accounts"] == len(run.accounts)
    assert summary["paid"] == sum(1 for a in run.accounts.values() if a["status"] == "paid")


def test_no_handler_errors(run):
    assert not run.summary.get("handler_errors")


def test_accounts_json_has_the_documented_fields(run):
    for account in run.accounts.values():
        assert {"account_id", "status", "stage", "balance"} <= set(account)
        assert account["status"] in {"active", "paid", "hold", "promise", "legal", "closed"}
        assert account["stage"] in {"pre_due", "early", "follow_up", "field", "legal"}


def test_contacts_have_the_documented_fields(run):
    assert run.contacts
    for c in run.contacts:
        assert {"account_id", "action", "stage", "purpose", "at", "local_time", "run_id", "policy_version"} <= set(c), c
        assert c["action"] in ACTIONS
        if c["action"] in ("sms", "call"):
            assert c["to"].startswith("+"), c
        if c["action"] == "sms":
            assert c["text"], c


def test_tasks_jsonl_holds_every_queued_task_each_valid_against_its_schema(run):
    """Issue 17: one line per message on the call, visit and legal-referral queues, as the published schemas say."""
    assert run.tasks
    for line in run.tasks:
        assert set(line) == {"queue", "message"} and line["queue"] in TASK_SCHEMAS, line
        assert task_problems(line["queue"], line["message"]) == [], line
        assert line["message"]["kind"] == line["queue"]
    # One message per call, visit and referral in the audit trail (no faults here: nothing is sent twice), the same keys.
    queued = sorted((t["queue"], t["message"]["account_id"], t["message"]["contact_key"]) for t in run.tasks)
    dispatched = sorted((c["action"], c["account_id"], c["key"]) for c in run.contacts if c["action"] in TASK_SCHEMAS)
    assert queued == dispatched
    expiries = {(c["account_id"], c["key"]): c.get("expires_at") for c in run.contacts if c["action"] in TASK_SCHEMAS}
    assert all(t["message"]["expires_at"] == expiries[(t["message"]["account_id"], t["message"]["contact_key"])] for t in run.tasks)
    assert [t["message"]["queued_at"] for t in run.tasks] == sorted((t["message"]["queued_at"] for t in run.tasks), key=utc)


def test_contacts_are_in_the_order_they_happened(run):
    instants = [utc(c["at"]) for c in run.contacts]
    assert instants == sorted(instants)


def test_local_time_is_the_same_instant_as_at(run):
    for c in run.contacts:
        local = datetime.fromisoformat(c["local_time"])
        assert local.utcoffset() is not None, c
        assert local.astimezone(UTC) == utc(c["at"]), c


def test_every_contact_is_inside_the_local_window(run):
    for c in run.contacts:
        if c["action"] in ("sms", "call", "visit"):
            assert 8 <= datetime.fromisoformat(c["local_time"]).hour < 21, c


def test_no_duplicate_contact_on_a_local_day(run):
    keys = Counter((c["account_id"], c["action"], c["purpose"], local_date(c)) for c in run.contacts)
    assert [k for k, n in keys.items() if n > 1] == []


def test_texts_contain_no_banned_phrases(run):
    for c in run.contacts:
        if c["action"] == "sms":
            assert banned_phrases_in(c["text"]) == [], c["text"]


def test_texts_never_mention_emergency_contacts(run):
    assert "+8613900139003" not in run.raw_contacts


def test_sms_and_calls_go_to_the_borrowers_own_number(run):
    phones = {c["account_id"]: c["to"] for c in run.contacts if c.get("to")}
    for c in run.contacts:
        if c.get("to"):
            assert c["to"] == phones[c["account_id"]]


# ---------------------------------------------------------------------- CN ladder
CN_ALL = ("CN-PAYS", "CN-PROMISE", "CN-SILENT")
CN_PAYMENT = utc("2026-03-11T04:30:00Z")
CN_PROMISE_AT = utc("2026-03-04T07:12:00Z")
CN_VISIT_OUTCOME = utc("2026-04-02T08:00:00Z")
CN_APPROVAL = utc("2026-05-01T03:00:00Z")


@pytest.mark.parametrize("account_id", CN_ALL)
@pytest.mark.parametrize(
    ("action", "purpose", "on"),
    [("sms", "pre_due", date(2026, 2, 26)), ("sms", "reminder", date(2026, 3, 2)), ("call", "early_call", date(2026, 3, 4))],
)
def test_cn_early_ladder(cn, account_id, action, purpose, on):
    assert [local_date(c) for c in cn.of(account_id, action, purpose)] == [on]


def test_cn_follow_ups_start_at_d_plus_7(cn):
    for account_id in ("CN-PAYS", "CN-SILENT"):
        assert local_date(cn.of(account_id, "sms", "follow_up")[0]) == date(2026, 3, 8)
        assert local_date(cn.of(account_id, "call", "follow_up_call")[0]) == date(2026, 3, 8)


def test_cn_summary_counts(cn):
    assert cn.summary["days"] == 75
    assert cn.summary["accounts"] == 3
    assert cn.summary["paid"] == 1


def test_cn_texts_start_with_the_signature(cn):
    texts = [c["text"] for c in cn.contacts if c["action"] == "sms"]
    assert texts
    assert all(t.startswith("【") for t in texts)


def test_cn_payer_gets_one_confirmation_and_nothing_else(cn):
    after = [c for c in cn.of("CN-PAYS") if utc(c["at"]) > CN_PAYMENT]
    assert [(c["action"], c["purpose"]) for c in after] == [("sms", "confirmation")]
    assert local_date(after[0]) == date(2026, 3, 11)
    assert cn.accounts["CN-PAYS"]["status"] == "paid"
    assert float(cn.accounts["CN-PAYS"]["balance"]) == 0


def test_cn_promise_pauses_collection_until_the_day_after_the_promised_date(cn):
    paused = [c for c in cn.of("CN-PROMISE") if utc(c["at"]) > CN_PROMISE_AT and local_date(c) < date(2026, 3, 16)]
    assert [(c["action"], c["purpose"], local_date(c)) for c in paused] == [("sms", "promise_reminder", date(2026, 3, 14))]


def test_cn_broken_promise_resumes_the_ladder(cn):
    resumed = [c for c in cn.of("CN-PROMISE") if local_date(c) >= date(2026, 3, 16)]
    assert resumed
    assert min(local_date(c) for c in resumed) == date(2026, 3, 16)
    assert {c["purpose"] for c in resumed} >= {"follow_up", "follow_up_call"}
    assert cn.accounts["CN-PROMISE"]["status"] == "active"


def test_cn_silent_borrower_gets_a_visit_at_d_plus_30(cn):
    visits = cn.of("CN-SILENT", "visit")
    assert visits
    assert local_date(visits[0]) == date(2026, 3, 31)


def test_cn_silent_borrower_gets_a_legal_review_at_d_plus_60_after_the_visit(cn):
    reviews = cn.of("CN-SILENT", "legal_review")
    assert [local_date(c) for c in reviews] == [date(2026, 4, 30)]
    assert utc(reviews[0]["at"]) > CN_VISIT_OUTCOME


def test_cn_referral_only_after_approval_and_then_silence(cn):
    referrals = cn.of("CN-SILENT", "legal_referral")
    assert len(referrals) == 1
    referred_at = utc(referrals[0]["at"])
    assert referred_at >= CN_APPROVAL
    assert [c for c in cn.of("CN-SILENT") if utc(c["at"]) > referred_at] == []
    assert cn.accounts["CN-SILENT"]["status"] == "legal"


@pytest.mark.parametrize("account_id", ["CN-PAYS", "CN-PROMISE"])
def test_cn_no_visit_or_legal_for_engaged_borrowers(cn, account_id):
    assert [c for c in cn.of(account_id) if c["action"] in ("visit", "legal_review", "legal_referral")] == []


def test_cn_daily_caps(cn):
    per_day = Counter((c["account_id"], c["action"], local_date(c)) for c in cn.contacts)
    for (account_id, action, d), n in per_day.items():
        if action == "sms":
            assert n <= 2, (account_id, d)
        if action == "call":
            assert n <= 6, (account_id, d)


def test_cn_stage_never_goes_back_for_ladder_contacts(cn):
    order = ["pre_due", "early", "follow_up", "field", "legal"]
    for account_id in CN_ALL:
        stages = [order.index(c["stage"]) for c in cn.of(account_id) if c["purpose"] not in ("confirmation", "promise_reminder")]
        # follow-ups continue alongside field and legal steps; they never go back to pre_due or early.
        first_follow_up = next((i for i, s in enumerate(stages) if s >= 2), len(stages))
        assert all(s >= 2 for s in stages[first_follow_up:]), account_id


# ---------------------------------------------------------------------- US windows
US_ALL = ("US-LA", "US-NY", "US-HI")
US_OPT_OUT = utc("2026-06-05T20:00:00Z")
US_REACHED = utc("2026-06-06T18:00:00Z")


def test_us_summary_counts(us):
    assert us.summary["days"] == 30
    assert us.summary["accounts"] == 3
    assert us.summary["contacts"]["visit"] == 0


def test_us_texts_offer_stop(us):
    texts = [c["text"] for c in us.contacts if c["action"] == "sms"]
    assert texts
    assert all(t.endswith("Reply STOP to opt out.") for t in texts)


@pytest.mark.parametrize("account_id", US_ALL)
def test_us_each_borrower_gets_the_reminder_on_d_plus_1(us, account_id):
    assert [local_date(c) for c in us.of(account_id, "sms", "reminder")] == [date(2026, 6, 3)]
    pre_due = us.of(account_id, "sms", "pre_due")
    assert len(pre_due) == 1
    assert date(2026, 5, 30) <= local_date(pre_due[0]) <= date(2026, 6, 1)


def test_us_opted_out_borrower_gets_no_sms_after_the_opt_out(us):
    assert [c for c in us.of("US-LA", "sms") if utc(c["at"]) > US_OPT_OUT] == []
    assert [c for c in us.of("US-LA", "call") if utc(c["at"]) > US_OPT_OUT], "calls continue after an SMS opt-out"
    assert "sms" in us.accounts["US-LA"].get("opted_out", ["sms"])


def test_us_no_call_in_the_seven_days_after_a_conversation(us):
    # 12 CFR 1006.14(b)(2)(ii): the day of the conversation is the first of the seven days.
    last_day = date(2026, 6, 6) + timedelta(days=6)
    paused = [c for c in us.of("US-NY", "call") if utc(c["at"]) > US_REACHED and local_date(c) <= last_day]
    assert paused == []


@pytest.mark.parametrize("account_id", US_ALL)
def test_us_sms_at_most_one_a_day_and_three_in_seven_days(us, account_id):
    days = sorted(local_date(c) for c in us.of(account_id, "sms"))
    assert len(days) == len(set(days)), days
    for start in days:
        window = [d for d in days if start <= d < start + timedelta(days=7)]
        assert len(window) <= 3, (start, days)


@pytest.mark.parametrize("account_id", US_ALL)
def test_us_at_most_seven_calls_in_seven_days(us, account_id):
    days = sorted(local_date(c) for c in us.of(account_id, "call"))
    for start in days:
        assert len([d for d in days if start <= d < start + timedelta(days=7)]) <= 7, (start, days)


def test_us_hawaii_borrower_is_contacted_in_honolulu_time(us):
    contacts = us.of("US-HI")
    assert contacts
    for c in contacts:
        local = datetime.fromisoformat(c["local_time"])
        assert local.utcoffset() == timedelta(hours=-10), c
        assert 8 <= local.hour < 21, c


def test_us_no_visits(us):
    assert [c for c in us.contacts if c["action"] == "visit"] == []


def test_us_accounts_stay_active(us):
    assert {a["status"] for a in us.accounts.values()} == {"active"}


def test_us_calls_resume_after_the_pause(us):
    resumed = [c for c in us.of("US-NY", "call") if local_date(c) > date(2026, 6, 12)]
    assert resumed
    assert min(local_date(c) for c in resumed) == date(2026, 6, 13)


def test_us_every_borrower_gets_agent_calls(us):
    per_account = defaultdict(list)
    for c in us.contacts:
        if c["action"] == "call":
            per_account[c["account_id"]].append(c)
    assert set(per_account) == set(US_ALL)
