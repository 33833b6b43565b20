"""The DynamoDB data layer: the accounts table (with its sparse, sharded due index) and the
append-only contact log. The only module that talks to either table.

Table names come from the environment (ACCOUNTS_TABLE, CONTACTS_TABLE) and are bound when
this module is imported; template.yaml sets them on every function.
"""

from __future__ import annotations

import os
import zlib
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from pynamodb.attributes import (
    BooleanAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
)
from pynamodb.exceptions import PutError, TransactWriteError, UpdateError
from pynamodb.indexes import GlobalSecondaryIndex, KeysOnlyProjection
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from ..domain.model import Account, Action, Contact, LegalState, RecentContact, Stage, Status
from .clients import client

REGION = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"
DUE_SHARDS = int(os.environ.get("DUE_SHARDS", "32"))


class ClaimRefused(Exception):
    """The account changed since it was assessed (or the action is already claimed): do not act."""


class DueIndex(GlobalSecondaryIndex["AccountItem"]):
    class Meta:
        index_name = "due"
        projection = KeysOnlyProjection()

    due_shard = UnicodeAttribute(hash_key=True)
    due_at = UnicodeAttribute(range_key=True)


class AccountItem(Model):
    class Meta:
        table_name = os.environ.get("ACCOUNTS_TABLE", "accounts")
        region = REGION

    account_id = UnicodeAttribute(hash_key=True)
    phone = UnicodeAttribute()
    balance = UnicodeAttribute()
    fees = UnicodeAttribute(default="0")
    currency = UnicodeAttribute()
    due_date = UnicodeAttribute()
    profile = UnicodeAttribute()
    timezone = UnicodeAttribute(null=True)
    locale = UnicodeAttribute(null=True)
    product = UnicodeAttribute(default="default")
    sms_consent = BooleanAttribute(default=True)
    emergency_contacts = ListAttribute(of=UnicodeAttribute, default=list)
    status = UnicodeAttribute(default=Status.ACTIVE.value)
    stage = UnicodeAttribute(default=Stage.PRE_DUE.value)
    opted_out = ListAttribute(of=UnicodeAttribute, default=list)
    holds = MapAttribute(default=dict)  # hold reason -> last day (ISO) or "" while open-ended
    promised_date = UnicodeAttribute(null=True)
    promised_amount = UnicodeAttribute(null=True)
    confirmation_due = BooleanAttribute(default=False)
    broken_promises = NumberAttribute(default=0)
    last_fired = MapAttribute(default=dict)  # rule name -> ISO local date
    recent = MapAttribute(default=dict)  # "<local day>#<action>" -> "1": the last days' contacts, for caps
    claims = MapAttribute(default=dict)  # idempotency key -> "claimed" | "done"
    failed_call_attempts = NumberAttribute(default=0)
    last_reached = UnicodeAttribute(null=True)
    refusals = NumberAttribute(default=0)
    visits_attempted = NumberAttribute(default=0)
    legal_state = UnicodeAttribute(null=True)
    legal_decided_on = UnicodeAttribute(null=True)
    legal_task_token = UnicodeAttribute(null=True)
    event_seq = NumberAttribute(default=0)
    events_seen = MapAttribute(default=dict)  # event id -> occurred_at (recent ones)
    balance_as_of = UnicodeAttribute(null=True)
    last_skip = UnicodeAttribute(null=True)  # "<local day>: reasons" of the last assessment with no action (ops timeline)
    last_event = UnicodeAttribute(null=True)  # "<instant> <type>: <what it did>" of the last borrower event (ops timeline)
    due_shard = UnicodeAttribute(null=True)
    due_at = UnicodeAttribute(null=True)
    due = DueIndex()


class ContactItem(Model):
    class Meta:
        table_name = os.environ.get("CONTACTS_TABLE", "contacts")
        region = REGION

    account_id = UnicodeAttribute(hash_key=True)
    key = UnicodeAttribute(range_key=True)  # local day#action#rule: unique, so appends are idempotent
    action = UnicodeAttribute()
    stage = UnicodeAttribute()
    purpose = UnicodeAttribute()
    at = UnicodeAttribute()
    local_time = UnicodeAttribute()
    run_id = UnicodeAttribute()
    policy_version = UnicodeAttribute()
    profile = UnicodeAttribute()
    to = UnicodeAttribute(null=True)
    text = UnicodeAttribute(null=True)
    provider_id = UnicodeAttribute(null=True)
    decided_by = UnicodeAttribute(null=True)  # legal referral: the approving reviewer
    expires_at = NumberAttribute(null=True)  # TTL: retention by profile


def _update(account_id: str, actions: list, condition: object = None) -> None:
    """UpdateItem without ReturnValues (PynamoDB's Model.update asks for the whole new item)."""
    AccountItem._get_connection().update_item(account_id, actions=actions, condition=condition, return_values="NONE")


def shard_of(account_id: str) -> str:
    return f"DUE#{zlib.crc32(account_id.encode()) % DUE_SHARDS}"


def _iso(value: date | datetime | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    return value.isoformat()


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def to_account(item: AccountItem) -> Account:
    return Account(
        account_id=item.account_id,
        phone=item.phone,
        balance=Decimal(item.balance),
        fees=Decimal(item.fees),
        currency=item.currency,
        due_date=date.fromisoformat(item.due_date),
        profile=item.profile,
        timezone=item.timezone,
        locale=item.locale,
        product=item.product,
        sms_consent=item.sms_consent,
        emergency_contacts=tuple(item.emergency_contacts or ()),
        status=Status(item.status),
        stage=Stage(item.stage),
        opted_out=frozenset(item.opted_out or ()),
        holds={k: _day(v) for k, v in (item.holds.as_dict() if item.holds else {}).items()},
        promised_date=_day(item.promised_date),
        promised_amount=Decimal(item.promised_amount) if item.promised_amount else None,
        confirmation_due=item.confirmation_due,
        broken_promises=int(item.broken_promises or 0),
        last_fired={k: date.fromisoformat(v) for k, v in (item.last_fired.as_dict() if item.last_fired else {}).items()},
        recent=tuple(_recent(key) for key in (item.recent.as_dict() if item.recent else {})),
        failed_call_attempts=int(item.failed_call_attempts),
        last_reached=_day(item.last_reached),
        refusals=int(item.refusals),
        visits_attempted=int(item.visits_attempted),
        legal_state=LegalState(item.legal_state) if item.legal_state else None,
        legal_decided_on=_day(item.legal_decided_on),
        event_seq=int(item.event_seq),
        claims=dict(item.claims.as_dict()) if item.claims else {},
        events_seen=dict(item.events_seen.as_dict()) if item.events_seen else {},
        balance_as_of=datetime.fromisoformat(item.balance_as_of.replace("Z", "+00:00")) if item.balance_as_of else None,
    )


def _recent(key: str) -> RecentContact:
    day, action = key.split("#", 1)
    return RecentContact(date.fromisoformat(day), Action(action))


# Fields that borrower events own; a dispatch never writes them (and vice versa).
_EVENT_FIELDS = (
    "balance", "fees", "status", "opted_out", "holds", "promised_date", "promised_amount",
    "confirmation_due", "failed_call_attempts", "last_reached", "refusals", "visits_attempted",
    "legal_state", "legal_decided_on",
)  # fmt: skip


def _event_values(account: Account) -> dict[str, object]:
    return {
        "balance": str(account.balance),
        "fees": str(account.fees),
        "status": account.status.value,
        "opted_out": sorted(account.opted_out),
        "holds": {k: _iso(v) or "" for k, v in account.holds.items()},
        "promised_date": _iso(account.promised_date),
        "promised_amount": str(account.promised_amount) if account.promised_amount is not None else None,
        "confirmation_due": account.confirmation_due,
        "broken_promises": account.broken_promises,
        "failed_call_attempts": account.failed_call_attempts,
        "last_reached": _iso(account.last_reached),
        "refusals": account.refusals,
        "visits_attempted": account.visits_attempted,
        "legal_state": account.legal_state.value if account.legal_state else None,
        "legal_decided_on": _iso(account.legal_decided_on),
        "balance_as_of": _iso(account.balance_as_of),
    }


def _due_actions(account_id: str, due_at: datetime | None) -> list:
    if due_at is None:
        return [AccountItem.due_shard.remove(), AccountItem.due_at.remove()]
    return [AccountItem.due_shard.set(shard_of(account_id)), AccountItem.due_at.set(_iso(due_at))]


def to_item(account: Account, due_at: datetime | None) -> AccountItem:
    """The accounts-table item of an account (the inverse of `to_account`), placed in the due index at `due_at`."""
    return AccountItem(
        account.account_id,
        phone=account.phone,
        currency=account.currency,
        due_date=account.due_date.isoformat(),
        profile=account.profile,
        timezone=account.timezone,
        locale=account.locale,
        product=account.product,
        sms_consent=account.sms_consent,
        emergency_contacts=list(account.emergency_contacts),
        stage=account.stage.value,
        last_fired={rule: day.isoformat() for rule, day in account.last_fired.items()},
        recent={f"{c.day.isoformat()}#{c.action.value}": "1" for c in account.recent},
        claims=dict(account.claims),
        events_seen=dict(account.events_seen),
        event_seq=account.event_seq,
        due_shard=shard_of(account.account_id) if due_at else None,
        due_at=_iso(due_at),
        **{name: value for name, value in _event_values(account).items() if value is not None},
    )


def enroll(account: Account, due_at: datetime | None) -> bool:
    """Create the account; False if it already exists (enrolment is idempotent)."""
    try:
        to_item(account, due_at).save(condition=AccountItem.account_id.does_not_exist())
    except PutError as exc:
        if _conditional_failure(exc):
            return False
        raise
    return True


def load(account_id: str) -> Account | None:
    try:
        return to_account(AccountItem.get(account_id, consistent_read=True))
    except AccountItem.DoesNotExist:
        return None


def load_many(account_ids: Iterable[str]) -> list[Account]:
    return [to_account(item) for item in AccountItem.batch_get(list(account_ids))]


def due_account_ids(until: datetime) -> list[str]:
    """Account ids whose next check is at or before `until`, shard by shard (the shards are read in parallel).

    The plan reads up to a million index entries a run, so this skips PynamoDB's item objects:
    the low-level client, only `account_id` projected, one thread per shard.
    """
    paginator = client("dynamodb").get_paginator("query")  # created before the threads: client creation is not thread-safe
    with ThreadPoolExecutor(max_workers=DUE_SHARDS) as pool:
        shards = pool.map(lambda shard: _due_in_shard(paginator, f"DUE#{shard}", _iso(until)), range(DUE_SHARDS))
        return [account_id for shard in shards for account_id in shard]


def _due_in_shard(paginator: Any, shard: str, until: str | None) -> list[str]:
    pages = paginator.paginate(
        TableName=AccountItem.Meta.table_name,
        IndexName=DueIndex.Meta.index_name,
        KeyConditionExpression="due_shard = :shard AND due_at <= :until",
        ExpressionAttributeValues={":shard": {"S": shard}, ":until": {"S": until}},
        ProjectionExpression="account_id",
    )
    return [item["account_id"]["S"] for page in pages for item in page.get("Items", [])]


def save_event_fields(
    account: Account,
    expected_seq: int,
    due_at: datetime | None,
    extra: dict | None = None,
    seen: tuple[str, str] | None = None,
    forget: tuple[str, ...] = (),
) -> None:
    """Write what a borrower event changed, if nothing else changed the account meanwhile.

    `seen` = (event id, occurred_at) marks the event applied in the same write; `forget`
    drops old event ids so the item stays bounded.
    """
    values = _event_values(account) | (extra or {})
    actions = [
        getattr(AccountItem, name).set(value) if value is not None else getattr(AccountItem, name).remove()
        for name, value in values.items()
    ]
    if seen:
        actions.append(AccountItem.events_seen[seen[0]].set(seen[1]))
    actions += [AccountItem.events_seen[old].remove() for old in forget]
    actions += [AccountItem.event_seq.set(expected_seq + 1), *_due_actions(account.account_id, due_at)]
    try:
        _update(account.account_id, actions, AccountItem.event_seq == expected_seq)
    except UpdateError as exc:
        if _conditional_failure(exc):
            raise ClaimRefused(f"account {account.account_id} changed concurrently") from exc
        raise


def reschedule(account_id: str, expected_seq: int, due_at: datetime | None, why: str | None = None) -> bool:
    """Move the account in the due index, unless an event changed it since it was read.

    `why` ("<local day>: reason, reason") is kept on the account in the same write: the ops
    timeline shows why the last assessment contacted nobody.
    """
    actions = _due_actions(account_id, due_at) + ([AccountItem.last_skip.set(why)] if why else [])
    try:
        _update(account_id, actions, AccountItem.event_seq == expected_seq)
    except UpdateError as exc:
        if _conditional_failure(exc):
            return False
        raise
    return True


def claim(account_id: str, key: str, expected_seq: int, allowed: Iterable[Status]) -> Account:
    """Claim one side effect before it happens; returns the account as the claim found it.

    Refused (ClaimRefused) if the account changed since `expected_seq`, is not in an allowed
    status, is unknown, or the key is already claimed. The claim's own write returns the
    item, so the dispatch needs no separate read.
    """
    condition = (
        (AccountItem.event_seq == expected_seq)
        & AccountItem.status.is_in(*[s.value for s in allowed])
        & AccountItem.claims[key].does_not_exist()
    )
    try:
        response = AccountItem._get_connection().update_item(
            account_id, actions=[AccountItem.claims[key].set("claimed")], condition=condition, return_values="ALL_NEW"
        )
    except UpdateError as exc:
        if _conditional_failure(exc):
            raise ClaimRefused(f"claim {key} on {account_id} refused") from exc
        raise
    return to_account(AccountItem.from_raw_data(response["Attributes"]))


def claim_state(account_id: str, key: str) -> str | None:
    item = AccountItem.get(account_id, consistent_read=True, attributes_to_get=["claims"])
    return (item.claims.as_dict() if item.claims else {}).get(key)


def release(account_id: str, key: str) -> None:
    """Give a claim back after a send that certainly did not happen, so a retry may send."""
    _update(account_id, [AccountItem.claims[key].remove()], AccountItem.claims[key] == "claimed")


def record(contact: Contact, rule: str, expires_at: int, due: tuple[int, datetime | None], extra: list | None = None) -> None:
    """Append the contact to the audit log and mark its claim done with the ladder's progress: one transaction.

    One round trip instead of two, and no moment at which a contact is in the log but its
    claim is not done (or the reverse). The price is DynamoDB's: a transaction writes both
    items at twice the units (~2 more write units per contact; `make bench` counts them).

    `due` is (event_seq the next check was computed at, next check). If a borrower event
    landed since, its own next check stands and only the ladder's progress is written.
    """
    item = _contact_item(contact, expires_at)
    progress = _progress(contact, rule, extra)
    claimed = AccountItem.claims[contact.key] == "claimed"
    seq, due_at = due
    moved, current = progress + _due_actions(contact.account_id, due_at), claimed & (AccountItem.event_seq == seq)
    failed = _record_and_complete(item, contact.account_id, moved, current)
    if failed == "account":  # an event moved the account meanwhile: its own next check stands
        failed = _record_and_complete(item, contact.account_id, progress, claimed)
        if failed == "account":  # the claim is no longer "claimed" (done or given back): the log still gets the record
            _put_unless_present(item)
            return
    if failed == "contact":  # already in the log (an earlier attempt wrote it): finish the claim alone
        if not _update_unless_refused(contact.account_id, moved, current):
            _update_unless_refused(contact.account_id, progress, claimed)


def _record_and_complete(item: ContactItem, account_id: str, actions: list, condition: object) -> str | None:
    """The transaction; None if it committed, else which condition refused it: "contact" or "account"."""
    try:
        with TransactWrite(connection=AccountItem._get_connection().connection) as transaction:
            transaction.save(item, condition=ContactItem.key.does_not_exist())
            transaction.update(AccountItem(account_id), actions=actions, condition=condition)
    except TransactWriteError as exc:
        reasons = exc.cancellation_reasons or []
        refused = [r is not None and r.code == "ConditionalCheckFailed" for r in reasons]
        if not any(refused):
            raise
        return "contact" if refused[0] else "account"  # put first, then update: PynamoDB's order
    return None


def _contact_item(contact: Contact, expires_at: int) -> ContactItem:
    return ContactItem(
        contact.account_id,
        contact.key,
        action=contact.action.value,
        stage=contact.stage.value,
        purpose=contact.purpose,
        at=_iso(contact.at),
        local_time=contact.local_time.isoformat(),
        run_id=contact.run_id,
        policy_version=contact.policy_version,
        profile=contact.profile,
        to=contact.to,
        text=contact.text,
        provider_id=contact.provider_id,
        decided_by=contact.decided_by,
        expires_at=expires_at,
    )


def _progress(contact: Contact, rule: str, extra: list | None) -> list:
    """What a recorded contact changes on the account: the claim done, the rule fired, the stage reached."""
    day = contact.key.split("#", 1)[0]
    actions = [
        AccountItem.claims[contact.key].set("done"),
        AccountItem.last_fired[rule].set(day),
        AccountItem.recent[f"{day}#{contact.action.value}"].set("1"),
        *(extra or []),
    ]
    if contact.purpose not in ("confirmation", "promise_reminder"):
        actions.append(AccountItem.stage.set(contact.stage.value))
    return actions


def _update_unless_refused(account_id: str, actions: list, condition: object) -> bool:
    try:
        _update(account_id, actions, condition)
    except UpdateError as exc:
        if not _conditional_failure(exc):
            raise
        return False
    return True


def _put_unless_present(item: ContactItem) -> None:
    try:
        item.save(condition=ContactItem.key.does_not_exist())
    except PutError as exc:
        if not _conditional_failure(exc):
            raise


def contacts_of(account_id: str) -> list[Contact]:
    return [_to_contact(i) for i in ContactItem.query(account_id)]


def all_contacts() -> list[Contact]:
    """Every contact in the log (exports and local simulations; a scan, never used by a run)."""
    return [_to_contact(i) for i in ContactItem.scan()]


def all_accounts() -> list[Account]:
    return [to_account(i) for i in AccountItem.scan()]


def set_legal_token(account_id: str, token: str | None) -> None:
    action = AccountItem.legal_task_token.set(token) if token else AccountItem.legal_task_token.remove()
    _update(account_id, [action])


def legal_token(account_id: str) -> str | None:
    """The task token of the account's waiting legal review; None if none waits (or no such account)."""
    try:
        return AccountItem.get(account_id, consistent_read=True, attributes_to_get=["legal_task_token"]).legal_task_token
    except AccountItem.DoesNotExist:
        return None


def _to_contact(item: ContactItem) -> Contact:
    return Contact(
        account_id=item.account_id,
        action=Action(item.action),
        stage=Stage(item.stage),
        purpose=item.purpose,
        at=datetime.fromisoformat(item.at.replace("Z", "+00:00")),
        local_time=datetime.fromisoformat(item.local_time),
        key=item.key,
        run_id=item.run_id,
        policy_version=item.policy_version,
        profile=item.profile,
        to=item.to,
        text=item.text,
        provider_id=item.provider_id,
        decided_by=item.decided_by,
    )


def _conditional_failure(exc: Exception) -> bool:
    code = getattr(exc, "cause_response_code", None)
    if code == "ConditionalCheckFailedException":
        return True
    reasons = getattr(exc, "cancellation_reasons", None) or []
    return any(r is not None and r.code == "ConditionalCheckFailed" for r in reasons)
