"""The borrower-event contract (issue 3): what parses, what the domain gets, and that nothing else escapes."""

import copy
import json
import re
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from msgspec import ValidationError

from escalation.contract import (
    EVENT_TYPES,
    SOURCE,
    BorrowerEventBase,
    ContractError,
    LegalDecisionEvent,
    NewAccount,
    NewAccountEvent,
    PaymentEvent,
    _printable,
    as_detail,
    envelope_example,
    parse_event,
    to_domain,
)
from escalation.domain.events import apply_event
from escalation.domain.model import Account, LegalState, Status, account_from

TODAY = date(2026, 3, 4)
BASE = {"event_id": "evt-0001", "account_id": "A-1", "occurred_at": "2026-03-04T06:00:00Z"}
ACCOUNT = {
    "account_id": "A-1",
    "phone": "+8613800138000",
    "timezone": "Asia/Shanghai",
    "locale": "zh-CN",
    "profile": "CN",
    "balance": "1250.00",
    "fees": "0.00",
    "currency": "CNY",
    "due_date": "2026-03-01",
    "product": "credit-line",
    "segment": "high-risk",
    "sms_consent": True,
    "emergency_contacts": ["+8613900139000"],
    "address": {"line1": "科技园路1号", "line2": "A栋 1201", "district": "南山区", "city": "深圳市", "region": "广东省",
                "postal_code": "518057", "country": "CN"},
}  # fmt: skip
VALID = {
    "payment": {"amount": "12.50"},
    "balance_update": {"balance": "80.00", "fees": "2.50"},
    "promise_to_pay": {"amount": "50.00", "promised_date": "2026-03-10"},
    "payment_plan_agreed": {"installments": [{"date": "2026-03-10", "amount": "50.00"}, {"date": "2026-04-10", "amount": "50.00"}]},
    "dispute_opened": {},
    "dispute_resolved": {},
    "opt_out": {"channel": "sms"},
    "cease_contact": {},
    "call_outcome": {"outcome": "no_answer"},
    "visit_outcome": {"outcome": "refused"},
    "legal_decision": {"decision": "approve", "reviewer": "li.wei"},
    "new_account": {"account": ACCOUNT},
    "contact_updated": {"phone": "+8613800138001"},
    "sms_reply": {"text": "HELP"},
    "hold_placed": {"reason": "breathing_space", "until": "2026-05-03"},
    "hold_lifted": {"reason": "breathing_space"},
}


def valid(kind: str, **changes) -> dict:
    return {"type": kind, **BASE, **copy.deepcopy(VALID[kind]), **changes}


def new_account(**changes) -> dict:
    return valid("new_account", account={**copy.deepcopy(ACCOUNT), **changes})


def without(detail: dict, key: str) -> dict:
    return {k: v for k, v in detail.items() if k != key}


def account() -> Account:
    return Account(
        account_id="A-1",
        phone="+8613800138000",
        balance=Decimal("100"),
        fees=Decimal("5"),
        currency="CNY",
        due_date=date(2026, 3, 1),
    )


def error(detail) -> str:
    with pytest.raises(ContractError) as info:
        parse_event(detail)
    message = str(info.value)
    assert isinstance(info.value, ValueError)
    assert info.value.__cause__ is None or isinstance(info.value.__cause__, ValidationError)
    assert "`" not in message and "$" not in message and "\n" not in message  # ours, one line, never msgspec's wording
    return message


# ---------------------------------------------------------------------- the shape of the contract
def test_event_types_follow_scenarios_md():
    assert EVENT_TYPES == (
        "payment",
        "balance_update",
        "promise_to_pay",
        "dispute_opened",
        "dispute_resolved",
        "opt_out",
        "cease_contact",
        "call_outcome",
        "visit_outcome",
        "legal_decision",
        "new_account",
        "contact_updated",  # SCENARIOS.md's "More event types"
        "sms_reply",
        "payment_plan_agreed",
        "hold_placed",  # extensions after SCENARIOS.md's tables
        "hold_lifted",
    )
    assert set(VALID) == set(EVENT_TYPES)
    assert SOURCE == "lender.core"


@pytest.mark.parametrize("kind", EVENT_TYPES)
def test_each_type_parses_to_its_own_frozen_model(kind):
    event = parse_event(valid(kind))
    assert isinstance(event, BorrowerEventBase)
    assert event.type == kind
    assert event.event_id == "evt-0001"
    assert event.account_id == "A-1"
    assert event.occurred_at == datetime(2026, 3, 4, 6, tzinfo=UTC)
    with pytest.raises(AttributeError):
        event.account_id = "B-2"
    assert parse_event(as_detail(event)) == event  # its JSON form is a valid event again


# ---------------------------------------------------------------------- into the domain
@pytest.mark.parametrize("kind", [k for k in EVENT_TYPES if k != "new_account"])
def test_each_type_applies_to_an_account(kind):
    domain = to_domain(parse_event(valid(kind)))
    assert domain["type"] == kind and domain["account_id"] == "A-1"
    assert "event_id" not in domain and "occurred_at" not in domain
    assert json.loads(json.dumps(domain)) == domain  # plain JSON types only
    reviewing = account().with_changes(legal_state=LegalState.PENDING)  # a decision needs a waiting review
    outcome = apply_event(reviewing if kind == "legal_decision" else account(), domain, TODAY)
    assert outcome.note


def test_to_domain_matches_what_apply_event_expects():
    assert to_domain(parse_event(valid("payment"))) == {"type": "payment", "account_id": "A-1", "amount": "12.50"}
    assert to_domain(parse_event(valid("promise_to_pay"))) == {
        "type": "promise_to_pay",
        "account_id": "A-1",
        "amount": "50.00",
        "promised_date": "2026-03-10",
    }
    assert to_domain(parse_event(valid("legal_decision"))) == {
        "type": "legal_decision",
        "account_id": "A-1",
        "decision": "approve",
        "reviewer": "li.wei",
    }
    assert to_domain(parse_event(valid("dispute_opened"))) == {"type": "dispute_opened", "account_id": "A-1"}


def test_applied_events_do_what_domain_md_says():
    def after(kind: str, **changes) -> Account:
        reviewing = account().with_changes(legal_state=LegalState.PENDING)
        return apply_event(
            reviewing if kind == "legal_decision" else account(), to_domain(parse_event(valid(kind, **changes))), TODAY
        ).account

    assert (after("payment").fees, after("payment").balance) == (Decimal("0"), Decimal("92.50"))
    assert after("payment", amount="105.00").status is Status.PAID
    assert (after("balance_update").balance, after("balance_update").fees) == (Decimal("80.00"), Decimal("2.50"))
    assert after("promise_to_pay").promised_date == date(2026, 3, 10)
    assert after("promise_to_pay").promised_amount == Decimal("50.00")
    assert after("dispute_opened").hold_reason == "dispute"
    assert after("cease_contact").status is Status.HOLD
    assert after("opt_out").opted_out == frozenset({"sms"})
    assert after("opt_out").number.why_closed("sms") == "opted_out"
    assert after("call_outcome").failed_call_attempts == 1
    assert after("call_outcome", outcome="wrong_number").number.why_closed("call") == "wrong_number"
    assert after("visit_outcome").refusals == 1
    assert after("legal_decision").legal_approvals.keys() == {"li.wei"}  # an approval; the referral is the workflow's
    assert after("legal_decision", decision="reject").legal_state is LegalState.REJECTED
    assert after("contact_updated").phone == "+8613800138001"
    assert after("sms_reply").help_requested  # HELP: the help text goes at the next chance


def test_new_account_becomes_the_account_form_enrolment_takes():
    event = parse_event(valid("new_account"))
    assert isinstance(event, NewAccountEvent) and isinstance(event.account, NewAccount)
    domain = to_domain(event)
    assert domain == {"type": "new_account", "account_id": "A-1", "account": {**ACCOUNT}}
    assert json.loads(json.dumps(domain)) == domain
    acct = account_from(domain["account"], "CN")
    assert acct.balance == Decimal("1250.00") and acct.due_date == date(2026, 3, 1)
    assert acct.emergency_contacts == ("+8613900139000",)
    assert acct.address == ACCOUNT["address"]  # carried to the visit tasks (escalation.domain.tasks)


def test_new_account_defaults():
    minimal = {k: ACCOUNT[k] for k in ("account_id", "phone", "balance", "currency", "due_date")}
    account_dict = to_domain(parse_event(valid("new_account", account=minimal)))["account"]
    assert account_dict == {
        **minimal,
        "fees": "0.00",
        "profile": None,
        "timezone": None,
        "locale": None,
        "product": "default",
        "segment": None,
        "sms_consent": True,
        "emergency_contacts": [],
        "address": None,
    }
    assert account_from(account_dict, "US").address is None
    # No profile set: the number's country decides (+86: CN); the default is for a country without a profile.
    assert account_from(account_dict, "US").profile == "CN"
    assert account_from({**account_dict, "phone": "+85291234567"}, "US").profile == "US"
    assert account_from({**account_dict, "profile": "EU"}, "US").profile == "EU"  # set on the account: honoured


def test_legal_decision_reviewer_is_an_optional_note():
    """Who decided is the principal (issue 19); the typed reviewer is a display note, absent unless given."""
    event = parse_event(without(valid("legal_decision"), "reviewer"))
    assert isinstance(event, LegalDecisionEvent) and event.reviewer is None


@pytest.mark.parametrize(
    ("given", "stored"),
    [("12.5", "12.50"), (12.5, "12.50"), (7, "7.00"), ("1e2", "100.00"), (" 3.10 ", "3.10"), ("1.000", "1.00"), ("0.01", "0.01")],
)
def test_amounts_are_exact_cents(given, stored):
    assert to_domain(parse_event(valid("payment", amount=given)))["amount"] == stored


def test_negative_zero_is_zero():
    assert to_domain(parse_event(valid("balance_update", balance="-0.00", fees="-0")))["balance"] == "0.00"


def test_occurred_at_is_the_instant_in_utc():
    event = parse_event(valid("payment", occurred_at="2026-03-04T10:00:00+08:00"))
    assert event.occurred_at == datetime(2026, 3, 4, 2, tzinfo=UTC)
    assert event.occurred_at.utcoffset().total_seconds() == 0


def test_a_promise_for_the_event_day_is_accepted():
    assert parse_event(valid("promise_to_pay", promised_date="2026-03-04")).promised_date == date(2026, 3, 4)


def test_envelope_example_is_a_put_events_entry():
    detail = valid("payment")
    entry = envelope_example(detail)
    assert entry["Source"] == "lender.core"
    assert entry["DetailType"] == "payment"
    assert entry["EventBusName"]
    assert set(entry) == {"Source", "DetailType", "Detail", "EventBusName"}
    assert parse_event(json.loads(entry["Detail"])) == parse_event(detail)
    assert envelope_example(detail, "other-bus")["EventBusName"] == "other-bus"


# ---------------------------------------------------------------------- refused, naming the field
INVALID = [
    ("unknown type", valid("payment", type="refund"), "type: unknown event type 'refund'"),
    ("type not text", valid("payment", type=["payment"]), "type: unknown event type"),
    ("no type", without(valid("payment"), "type"), "type: missing"),
    ("missing amount", without(valid("payment"), "amount"), "amount: missing"),
    ("missing event_id", without(valid("opt_out"), "event_id"), "event_id: missing"),
    ("missing promised_date", without(valid("promise_to_pay"), "promised_date"), "promised_date: missing"),
    ("missing account", without(valid("new_account"), "account"), "account: missing"),
    ("negative amount", valid("payment", amount="-5.00"), "amount: must be greater than 0"),
    ("zero payment", valid("payment", amount="0"), "amount: must be greater than 0"),
    ("negative balance", valid("balance_update", balance="-1"), "balance: must be greater than or equal to 0"),
    ("negative fees", valid("balance_update", fees=-0.01), "fees: must be greater than or equal to 0"),
    ("amount abc", valid("payment", amount="abc"), "amount: must be a valid decimal"),
    ("amount bool", valid("payment", amount=True), "amount: "),
    ("amount list", valid("payment", amount=["1"]), "amount: "),
    ("amount NaN", valid("payment", amount="NaN"), "amount: must be a finite number"),
    ("amount infinite", valid("payment", amount=float("inf")), "amount: "),
    ("3 decimal places", valid("payment", amount="12.345"), "amount: must have no more than 2 decimal places"),
    ("float with 3 places", valid("promise_to_pay", amount=0.125), "amount: must have no more than 2 decimal places"),
    ("too large", valid("payment", amount="1000000000000"), "amount: must be less than 1000000000000"),
    ("31 digits", valid("payment", amount="0.1000000000000000000000000000001"), "amount: must have no more than 2 decimal places"),
    ("huge integer", valid("payment", amount=10**40), "amount: must be less than 1000000000000"),
    ("naive occurred_at", valid("payment", occurred_at="2026-03-04T06:00:00"), "occurred_at: must have a UTC offset"),
    ("date as occurred_at", valid("payment", occurred_at="2026-03-04"), "occurred_at: must have a UTC offset"),
    ("epoch occurred_at", valid("payment", occurred_at=1772604000), "occurred_at: must be a valid datetime"),
    ("garbage occurred_at", valid("payment", occurred_at="yesterday"), "occurred_at: expected datetime like"),
    ("far occurred_at", valid("payment", occurred_at="9999-12-31T23:59:59-14:00"), "occurred_at: expected datetime like"),
    ("promise in the past", valid("promise_to_pay", promised_date="2026-03-02"), "promised_date: 2026-03-02 is before the event"),
    ("impossible date", valid("promise_to_pay", promised_date="2026-02-30"), "promised_date: expected date like"),
    ("datetime as date", valid("promise_to_pay", promised_date="2026-03-10T00:00:00Z"), "promised_date: expected date like"),
    ("number as date", valid("promise_to_pay", promised_date=20260310), "promised_date: must be a valid date"),
    ("bad channel", valid("opt_out", channel="email"), "channel: must be 'sms', 'call' or 'all'"),
    ("bad call outcome", valid("call_outcome", outcome="met"), "outcome: must be 'reached', 'no_answer', 'refused' or 'wrong_number'"),
    ("bad visit outcome", valid("visit_outcome", outcome="no_answer"), "outcome: must be 'met', 'not_home' or 'refused'"),
    ("bad decision", valid("legal_decision", decision="maybe"), "decision: must be 'approve' or 'reject'"),
    ("empty reviewer", valid("legal_decision", reviewer=""), "reviewer: must be 1-64 characters"),
    ("bad account_id", valid("payment", account_id="A 1"), "account_id: must be 1-64 letters"),
    ("long event_id", valid("payment", event_id="e" * 129), "event_id: must be 1-128 letters"),
    ("event_id number", valid("payment", event_id=17), "event_id: must be a valid string"),
    ("bad phone", new_account(phone="12345"), "account.phone: must be an E.164 number"),
    ("too short phone", new_account(phone="+1"), "account.phone: must be an E.164 number"),
    ("phone with letters", new_account(phone="+86 call me"), "account.phone: must be an E.164 number"),
    ("bad emergency contact", new_account(emergency_contacts=["13900139000"]), "account.emergency_contacts.0: must be an E.164 number"),
    ("bad currency", new_account(currency="cny"), "account.currency: must be an ISO 4217 code"),
    ("long currency", new_account(currency="CNYX"), "account.currency: must be an ISO 4217 code"),
    ("bad timezone", new_account(timezone="Mars/Olympus_Mons"), "account.timezone: must be an IANA time zone"),
    ("timezone directory", new_account(timezone="America"), "account.timezone: must be an IANA time zone"),
    ("timezone path", new_account(timezone="../../etc/passwd"), "account.timezone: must be an IANA time zone"),
    ("bad locale", new_account(locale="chinese please"), "account.locale: must be a BCP 47 locale"),
    ("bad profile", new_account(profile="JP"), "account.profile: must be 'CN', 'US' or 'EU'"),
    ("consent as text", new_account(sms_consent="yes"), "account.sms_consent: must be a valid boolean"),
    ("missing due_date", valid("new_account", account=without(ACCOUNT, "due_date")), "account.due_date: missing"),
    ("negative account balance", new_account(balance="-3"), "account.balance: must be greater than or equal to 0"),
    ("account not an object", valid("new_account", account="A-1"), "account: must be a valid dictionary"),
    ("extra field", valid("payment", currency="CNY"), "currency: unexpected field"),
    ("extra field on a bare event", valid("cease_contact", reason="asked"), "reason: unexpected field"),
    ("extra account field", new_account(nickname="Wei"), "account.nickname: unexpected field"),
    ("new_account id mismatch", new_account(account_id="B-2"), "account: account_id 'B-2' does not match the event's account_id 'A-1'"),
    ("not an object", ["payment"], "detail: "),
]


@pytest.mark.parametrize(("detail", "expected"), [case[1:] for case in INVALID], ids=[case[0] for case in INVALID])
def test_invalid_events_are_refused_naming_the_field(detail, expected):
    assert error(detail).startswith(expected)


def test_the_phone_number_is_not_echoed():
    assert "555" not in error(new_account(phone="555"))


# ---------------------------------------------------------------------- properties
FIELDS = sorted({*BASE, "type", *(k for v in VALID.values() for k in v), *ACCOUNT})
scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8)
json_values = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3), max_leaves=3
)
keys = st.sampled_from(FIELDS) | st.text(max_size=6)
arbitrary_details = st.dictionaries(keys, json_values, max_size=4)
typed_details = st.builds(lambda d, t: {**d, "type": t}, arbitrary_details, st.sampled_from(EVENT_TYPES))
valid_details = st.sampled_from(EVENT_TYPES).map(valid) | st.builds(new_account, timezone=st.none(), profile=st.just("US"))


def check_outcome(detail) -> None:
    """parse_event returns a model or raises ContractError naming something in the detail, never anything else."""
    try:
        event = parse_event(detail)
    except ContractError as exc:
        message = str(exc)
        assert re.match(r"^.+: \S", message, re.DOTALL), message
        names = [*detail, *FIELDS, "detail"] if isinstance(detail, dict) else ["detail"]
        shown = [_printable(str(name)) for name in names if str(name)]  # how the contract prints a field name
        assert any(message.startswith(name) for name in shown), message
        return
    assert isinstance(event, BorrowerEventBase) and event.type in EVENT_TYPES
    domain = to_domain(event)
    assert json.loads(json.dumps(domain)) == domain
    assert parse_event(as_detail(event)) == event


@settings(max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large], database=None)
@given(arbitrary_details | typed_details)
def test_arbitrary_json_either_parses_or_is_a_contract_error(detail):
    check_outcome(detail)


@settings(max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large], database=None)
@given(valid_details, st.data())
def test_mutated_events_either_parse_or_are_contract_errors(detail, data):
    for _ in range(data.draw(st.integers(1, 3), label="mutations")):
        target = detail["account"] if "account" in detail and isinstance(detail["account"], dict) and data.draw(st.booleans()) else detail
        mutation = data.draw(st.sampled_from(["drop", "replace", "add"]), label="mutation")
        if mutation == "add":
            target[data.draw(keys, label="new key")] = data.draw(json_values, label="new value")
        elif target:
            key = data.draw(st.sampled_from(sorted(target)), label="key")
            if mutation == "drop":
                del target[key]
            else:
                target[key] = data.draw(json_values, label="value")
    check_outcome(detail)


@settings(max_examples=500, deadline=None)
@given(st.decimals(min_value=Decimal("0.01"), max_value=10**9, places=2), st.sampled_from([str, float]))
def test_valid_payments_keep_the_amount_exactly(amount, form):
    event = parse_event(valid("payment", amount=form(amount)))
    assert isinstance(event, PaymentEvent)
    assert event.amount == amount
    domain = to_domain(event)
    assert domain["amount"] == f"{amount:.2f}"
    assert Decimal(domain["amount"]) == amount
    after = apply_event(account(), domain, TODAY).account
    assert after.amount_due == max(Decimal("105") - amount, Decimal("0"))


def test_a_promise_for_the_borrowers_today_is_accepted_even_when_utc_is_a_day_ahead():
    """23:30 in New York on 4 March is 5 March in UTC; the account's local date decides when it is applied."""
    event = parse_event(valid("promise_to_pay", occurred_at="2026-03-04T23:30:00-05:00", promised_date="2026-03-04"))
    assert event.promised_date == date(2026, 3, 4)
