"""The daily run's decoder (escalation.aws.account_codec) reads every item exactly as PynamoDB's path does.

`account_from_item(item)` must equal `to_account(AccountItem.from_raw_data(item))` for any item the accounts table
can hold: realistic books written by `to_item`, and generated items with attributes missing, NULL, or in the
forms other writers leave (numbers as "2.0", maps of numbers, sets). Likewise for the numbers' records.

No AWS call is made; the local stack is started only because escalation.aws binds its table names when first
imported, and this process's other handler tests need them bound to the stack's.
"""

from __future__ import annotations

import json
import random
from dataclasses import fields
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from escalation.domain.model import Account, Action, ContactKey, LegalState, Stage, Status
from escalation.domain.numbers import ClosedBecause, NumberStatus
from sim.bench.accounts import RUN_AS_OF, realistic_accounts
from sim.local.stack import LocalStack

NOW = datetime.fromisoformat(RUN_AS_OF.replace("Z", "+00:00"))


@pytest.fixture(scope="module", autouse=True)
def stack():
    with LocalStack() as local:
        yield local


def aws():
    """escalation.aws's modules, imported once the stack has set the table names."""
    from escalation.aws import account_codec, dynamo, numbers

    return account_codec, dynamo, numbers


def old_path(item: dict) -> object:
    _, dynamo, _ = aws()
    return dynamo.to_account(dynamo.AccountItem.from_raw_data(item))


def decoded(item: dict, number: NumberStatus | None = None) -> Account:
    account_codec, _, _ = aws()
    return account_codec.account_from_item(item, number)


def written(account: Account, due_at: datetime | None = NOW) -> dict:
    """The item `to_item` writes for the account, as a read returns it: DynamoDB's JSON, through the wire."""
    _, dynamo, _ = aws()
    return json.loads(json.dumps(dynamo.to_item(account, due_at).serialize()))


def with_history(account, rng: random.Random):
    """A realistic account with the optional state the book leaves out: plans, promises paid, tasks, approvals..."""
    today = account.due_date + timedelta(days=rng.randint(0, 90))
    days = [today - timedelta(days=n) for n in range(rng.randint(0, 4))]
    return account.with_changes(
        segment=rng.choice([None, "prime", ""]),
        policy=rng.choice([None, "default", "gentle"]),
        arm=rng.choice([None, "champion", "-"]),
        experiment=rng.choice([None, "exp-1"]),
        sms_consent=rng.random() < 0.9,
        address=rng.choice([None, {"line1": "1 Road", "country": "CN"}]),
        plan={day + timedelta(days=30): Decimal(rng.choice(["100", "100.50", "0.00"])) for day in days[:2]},
        promise_paid=Decimal(rng.choice(["0", "0.00", "12.5"])),
        promise_made_on=rng.choice([None, today]),
        help_requested=rng.random() < 0.2,
        broken_promises=rng.randint(0, 3),
        kept_promises=rng.randint(0, 3),
        kept_plans=rng.randint(0, 2),
        broken_plans=rng.randint(0, 2),
        dials={day: rng.randint(1, 5) for day in days},
        conversations={day: rng.randint(1, 2) for day in days[:1]},
        open_calls={f"{today}#call#early_call": NOW + timedelta(days=1)} if rng.random() < 0.3 else {},
        legal_state=rng.choice([None, *LegalState]),
        legal_decided_on=rng.choice([None, today]),
        legal_approvals={"alice": "2026-04-01T10:00:00Z"} if rng.random() < 0.2 else {},
        legal_note=rng.choice([None, "paid"]),
        claims={f"{today}#sms#reminder": rng.choice(["claimed", "done"])} if rng.random() < 0.5 else {},
        events_seen={f"evt-{n}": "2026-04-01T10:00:00Z" for n in range(rng.randint(0, 3))},
        balance_as_of=rng.choice([None, NOW - timedelta(hours=rng.randint(1, 100))]),
        holds=rng.choice([{}, {"dispute": None}, {"hardship": today, "attorney": None}]),
    )


def test_realistic_books_decode_as_pynamodb_reads_them():
    rng = random.Random(7)
    for n, account in enumerate(realistic_accounts(400, seed=11)):
        if n % 2:
            account = with_history(account, rng)
        item = written(account, NOW if n % 3 else None)
        assert decoded(item) == old_path(item), account.account_id


def test_the_decoder_gives_back_the_account_written():
    rng = random.Random(3)
    for account in realistic_accounts(100, seed=12):
        account = with_history(account, rng)
        if account.promised_date is None:  # a promise's payments are written with the promise only
            account = account.with_changes(promise_paid=Decimal("0"))
        assert decoded(written(account)) == account


def test_every_field_is_decoded_and_none_is_left_to_an_init():
    # account_codec makes an Account without its __init__ (the decoder's hot path): nothing may be skipped by that.
    assert not hasattr(Account, "__post_init__")
    assert set(vars(decoded(written(realistic_accounts(1)[0])))) == {f.name for f in fields(Account)}


def test_the_number_record_is_the_one_given():
    account = realistic_accounts(1)[0]
    record = NumberStatus(account.phone).closing(("sms",), ClosedBecause.OPTED_OUT, date(2026, 4, 1), "provider")
    assert decoded(written(account), record) == account.with_changes(number=record)
    assert decoded(written(account)).number == NumberStatus()


# Generated items: every optional attribute present, absent or NULL, numbers in the forms DynamoDB may return.
def optional(value: st.SearchStrategy) -> st.SearchStrategy:
    return st.one_of(st.just(None), st.just({"NULL": True}), value)


texts = st.text(max_size=12)
days = st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31))
day_texts = days.map(date.isoformat)
instants = st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2030, 12, 31)).map(lambda d: d.isoformat() + "Z")
amounts = st.decimals(min_value=0, max_value=100_000, places=2).map(str)
counts = st.integers(0, 50).flatmap(lambda n: st.sampled_from([str(n), f"{n}.0", f"{n}E+0"]))
S = lambda values: values.map(lambda v: {"S": v})  # noqa: E731
N = lambda values: values.map(lambda v: {"N": v})  # noqa: E731
BOOL = st.booleans().map(lambda b: {"BOOL": b})
keys = st.builds(lambda d, a, r: str(ContactKey(d, a, r)), days, st.sampled_from(list(Action)), st.text(min_size=1, max_size=8))


def raw_map(key: st.SearchStrategy, value: st.SearchStrategy) -> st.SearchStrategy:
    return st.dictionaries(key, value, max_size=4).map(lambda m: {"M": m})


ITEM_ATTRIBUTES = {
    "fees": optional(S(amounts)),
    "timezone": optional(S(st.sampled_from(["Asia/Shanghai", "Europe/London"]))),
    "locale": optional(S(texts)),
    "product": optional(S(texts)),
    "segment": optional(S(texts)),
    "policy": optional(S(texts)),
    "arm": optional(S(texts)),
    "experiment": optional(S(texts)),
    "sms_consent": optional(BOOL),
    "emergency_contacts": optional(st.lists(st.one_of(S(texts), st.just({"NULL": True})), max_size=3).map(lambda v: {"L": v})),
    "address": optional(raw_map(texts, st.one_of(S(texts), st.just({"NULL": True}), N(counts)))),
    "status": optional(S(st.sampled_from([s.value for s in Status]))),
    "stage": optional(S(st.sampled_from([s.value for s in Stage]))),
    "stages": optional(st.sets(st.sampled_from([s.value for s in Stage]), min_size=1).map(lambda v: {"SS": sorted(v)})),
    "opted_out": optional(st.lists(S(st.sampled_from(["sms", "call", "all"])), max_size=3).map(lambda v: {"L": v})),
    "holds": optional(raw_map(texts, st.one_of(S(day_texts), st.just({"S": ""}), st.just({"NULL": True})))),
    "promised_date": optional(S(day_texts)),
    "promised_amount": optional(S(st.one_of(amounts, st.just("")))),
    "promise_made_on": optional(S(day_texts)),
    "promise_paid": optional(S(st.one_of(amounts, st.just(""), st.just("0.00")))),
    "confirmation_due": optional(BOOL),
    "help_requested": optional(BOOL),
    "broken_promises": optional(N(counts)),
    "kept_promises": optional(N(counts)),
    "plan": optional(raw_map(day_texts, S(amounts))),
    "kept_plans": optional(N(counts)),
    "broken_plans": optional(N(counts)),
    "last_fired": optional(raw_map(st.text(min_size=1, max_size=8), S(day_texts))),
    "recent": optional(raw_map(keys, st.just({"S": "1"}))),
    "claims": optional(raw_map(keys, S(st.sampled_from(["claimed", "done"])))),
    "dials": optional(raw_map(day_texts, N(counts))),
    "conversations": optional(raw_map(day_texts, N(counts))),
    "open_calls": optional(raw_map(keys, S(instants))),
    "failed_call_attempts": optional(N(counts)),
    "last_reached": optional(S(day_texts)),
    "refusals": optional(N(counts)),
    "visits_attempted": optional(N(counts)),
    "legal_state": optional(S(st.sampled_from(["", *[s.value for s in LegalState]]))),
    "legal_decided_on": optional(S(day_texts)),
    "legal_approvals": optional(raw_map(texts, S(instants))),
    "legal_note": optional(S(texts)),
    "event_seq": optional(N(counts)),
    "events_seen": optional(raw_map(texts, S(instants))),
    "balance_as_of": optional(S(instants)),
    "last_skip": optional(S(texts)),
    "due_at": optional(S(instants)),
}
items = st.fixed_dictionaries(
    {
        "account_id": S(st.text(min_size=1, max_size=10)),
        "phone": S(st.sampled_from(["+8613800138000", "+12125550101"])),
        "balance": S(amounts),
        "currency": S(st.sampled_from(["CNY", "USD"])),
        "due_date": S(day_texts),
        "profile": S(st.sampled_from(["CN", "US", "EU"])),
        **ITEM_ATTRIBUTES,
    }
).map(lambda item: {name: value for name, value in item.items() if value is not None})


@settings(max_examples=300, deadline=None)
@given(items)
def test_any_item_decodes_as_pynamodb_reads_it(item):
    assert decoded(item) == old_path(item)


closures = st.fixed_dictionaries(
    {"why": S(st.sampled_from([c.value for c in ClosedBecause])), "on": S(day_texts)},
    optional={"source": st.one_of(S(texts), st.just({"NULL": True}))},
).map(lambda m: {"M": m})


@settings(max_examples=100, deadline=None)
@given(st.fixed_dictionaries({"phone": S(st.just("+8613800138000"))}, optional={"sms": optional(closures), "call": optional(closures)}))
def test_number_records_decode_as_pynamodb_reads_them(item):
    item = {name: value for name, value in item.items() if value is not None}
    account_codec, _, numbers = aws()
    assert account_codec.number_from_item(item) == numbers.to_status(numbers.NumberItem.from_raw_data(item))
