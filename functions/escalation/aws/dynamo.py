"""The DynamoDB data layer: the accounts table (with its sparse, sharded due index) and the
append-only contact log. The only module that talks to either table.

Table names come from the environment (ACCOUNTS_TABLE, CONTACTS_TABLE) and are bound when
this module is imported; template.yaml sets them on every function.
"""

from __future__ import annotations

import json
import os
import random
import time
import zlib
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from pynamodb.attributes import (
    BooleanAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
)
from pynamodb.exceptions import PutError, TransactWriteError, UpdateError
from pynamodb.indexes import GlobalSecondaryIndex, IncludeProjection, KeysOnlyProjection
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from ..domain.model import (
    EVENT_KEY_PREFIX,
    RECEIPT_KEY_PREFIX,
    Account,
    Action,
    AppliedEvent,
    Contact,
    ContactKey,
    LegalState,
    Stage,
    Status,
    audit_entry_kind,
    furthest,
)
from ..domain.progress import LadderProgress
from ..domain.receipts import Receipt
from . import batch_reads
from .account_codec import NumberRecords, account_from_item
from .clients import client

REGION = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"
DUE_SHARDS = int(os.environ.get("DUE_SHARDS", "32"))
# Days an audit entry stays in the contacts table (its TTL, `purge_at`): what the receipts' lookups and a redelivered
# event's check need. The record kept for the profile's years is the archive's (escalation.service.archive), which
# the table's stream feeds; each entry carries that retention as `retain_until`. template.yaml: AuditTableDays.
AUDIT_TABLE_DAYS = int(os.environ.get("AUDIT_TABLE_DAYS", "35"))


class Refused(Exception):
    """A conditional write on the account was refused: do not act on what was read before."""


class AccountChanged(Refused):
    """A borrower event (or another run) changed the account since it was read; `account` is how it stands now."""

    def __init__(self, message: str, account: Account | None = None) -> None:
        super().__init__(message)
        self.account = account


class ClaimLost(Refused):
    """The side effect is already claimed ("claimed": an attempt is on it or crashed; "done": recorded)."""

    def __init__(self, message: str, account: Account, state: str) -> None:
        super().__init__(message)
        self.account = account
        self.state = state


class UnknownAccount(Refused):
    """No such account."""


class DueIndex(GlobalSecondaryIndex["AccountItem"]):
    class Meta:
        index_name = "due"
        projection = KeysOnlyProjection()

    due_shard = UnicodeAttribute(hash_key=True)
    due_at = UnicodeAttribute(range_key=True)


class ByPhone(GlobalSecondaryIndex["AccountItem"]):
    """Accounts by phone number (keys only): a borrower's reply names a number, not an account."""

    class Meta:
        index_name = "by_phone"
        projection = KeysOnlyProjection()

    phone = UnicodeAttribute(hash_key=True)


class AccountItem(Model):
    class Meta:
        table_name = os.environ.get("ACCOUNTS_TABLE", "accounts")
        region = REGION

    account_id = UnicodeAttribute(hash_key=True)
    phone = UnicodeAttribute()
    by_phone = ByPhone()
    balance = UnicodeAttribute()
    fees = UnicodeAttribute(default="0")
    currency = UnicodeAttribute()
    due_date = UnicodeAttribute()
    profile = UnicodeAttribute()
    timezone = UnicodeAttribute(null=True)
    locale = UnicodeAttribute(null=True)
    product = UnicodeAttribute(default="default")
    segment = UnicodeAttribute(null=True)
    policy = UnicodeAttribute(null=True)  # the strategy's assignment, kept for the delinquency's life
    arm = UnicodeAttribute(null=True)
    experiment = UnicodeAttribute(null=True)
    sms_consent = BooleanAttribute(default=True)
    emergency_contacts = ListAttribute(of=UnicodeAttribute, default=list)
    address = MapAttribute(null=True)  # the postal address visits carry, as enrolled
    status = UnicodeAttribute(default=Status.ACTIVE.value)
    stage = UnicodeAttribute(default=Stage.PRE_DUE.value)  # the stage at enrolment
    stages = UnicodeSetAttribute(null=True)  # every stage a contact reached (ADD: never lost to a race); the furthest is the stage
    opted_out = ListAttribute(of=UnicodeAttribute, default=list)
    holds = MapAttribute(default=dict)  # hold reason -> last day (ISO) or "" while open-ended
    promised_date = UnicodeAttribute(null=True)
    promised_amount = UnicodeAttribute(null=True)
    promise_made_on = UnicodeAttribute(null=True)
    promise_paid = UnicodeAttribute(null=True)
    confirmation_due = BooleanAttribute(default=False)
    help_requested = BooleanAttribute(default=False)
    broken_promises = NumberAttribute(default=0)
    kept_promises = NumberAttribute(default=0)
    plan = MapAttribute(null=True)  # a repayment plan in force: installment date (ISO) -> amount
    kept_plans = NumberAttribute(default=0)
    broken_plans = NumberAttribute(default=0)
    last_fired = MapAttribute(default=dict)  # rule name -> ISO local date
    recent = MapAttribute(default=dict)  # contact key "<local day>#<action>#<rule>" -> "1": the last days' contacts, for caps
    claims = MapAttribute(default=dict)  # idempotency key -> "claimed" | "done"
    dials = MapAttribute(default=dict)  # ISO local day -> dial attempts agents reported
    conversations = MapAttribute(default=dict)  # ISO local day -> conversations (reached, refused)
    open_calls = MapAttribute(default=dict)  # call task's contact key -> ISO instant it expires
    failed_call_attempts = NumberAttribute(default=0)
    last_reached = UnicodeAttribute(null=True)
    refusals = NumberAttribute(default=0)
    visits_attempted = NumberAttribute(default=0)
    legal_state = UnicodeAttribute(null=True)
    legal_decided_on = UnicodeAttribute(null=True)
    legal_approvals = MapAttribute(default=dict)  # reviewer -> ISO instant of the approval
    legal_note = UnicodeAttribute(null=True)
    legal_task_token = UnicodeAttribute(null=True)
    event_seq = NumberAttribute(default=0)
    events_seen = MapAttribute(default=dict)  # event id -> occurred_at (recent ones)
    balance_as_of = UnicodeAttribute(null=True)
    last_skip = UnicodeAttribute(null=True)  # "<local day>: reasons" of the last assessment with no action (ops timeline)
    last_event = UnicodeAttribute(null=True)  # "<instant> <type>: <what it did>" of the last borrower event (ops timeline)
    due_shard = UnicodeAttribute(null=True)
    due_at = UnicodeAttribute(null=True)
    due = DueIndex()


class ByMessageId(GlobalSecondaryIndex["ContactItem"]):
    """SMS contacts by SNS message id (sparse: only texts carry sms_message_id): a delivery receipt finds its contact,
    and the number it was sent to (projected: the receipt's own `destination` is SNS's rendering of it)."""

    class Meta:
        index_name = "by_sms_message_id"
        projection = IncludeProjection(["to"])

    sms_message_id = UnicodeAttribute(hash_key=True)


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
    policy = UnicodeAttribute(null=True)
    arm = UnicodeAttribute(null=True)
    to = UnicodeAttribute(null=True)
    text = UnicodeAttribute(null=True)
    provider_id = UnicodeAttribute(null=True)
    decided_by = UnicodeAttribute(null=True)  # legal referral: the approving reviewer(s)
    task_expires_at = UnicodeAttribute(null=True)  # call and visit tasks: after this instant the task may not be worked
    parts = NumberAttribute(null=True)  # SMS: message parts billed
    sms_message_id = UnicodeAttribute(null=True)  # SMS: SNS's message id, the by_sms_message_id index's key
    by_sms_message_id = ByMessageId()
    purge_at = NumberAttribute(null=True)  # TTL (epoch seconds): AUDIT_TABLE_DAYS after the entry
    retain_until = NumberAttribute(null=True)  # epoch seconds: the archive keeps it locked until then (the profile's retention)


class EventEntryItem(Model):
    """An applied borrower event in the audit log: the contacts table, key "event#<occurred_at>#<event id>".

    Contact keys begin with their local day ("2026-03-04#sms#reminder"), so an account's contacts sort
    before its events, and `CONTACTS_ONLY` keeps readers of contacts to contacts.
    """

    class Meta:
        table_name = ContactItem.Meta.table_name
        region = REGION

    account_id = UnicodeAttribute(hash_key=True)
    key = UnicodeAttribute(range_key=True)
    event_type = UnicodeAttribute(attr_name="type")
    at = UnicodeAttribute()  # when it happened in the world (occurred_at), UTC
    effect = UnicodeAttribute()
    fields = UnicodeAttribute()  # the event's own fields, JSON
    policy = UnicodeAttribute(null=True)
    arm = UnicodeAttribute(null=True)
    profile = UnicodeAttribute(null=True)  # the account's, for the archive's partition
    principal = UnicodeAttribute(null=True)  # the operators' events: who, as AWS authenticated the caller
    purge_at = NumberAttribute(null=True)  # TTL (epoch seconds), as for contacts
    retain_until = NumberAttribute(null=True)  # the archive's retention, as for contacts


class ReceiptEntryItem(Model):
    """A delivery receipt in the audit log, next to its contact: key "receipt#<message id>" (one per text)."""

    class Meta:
        table_name = ContactItem.Meta.table_name
        region = REGION

    account_id = UnicodeAttribute(hash_key=True)
    key = UnicodeAttribute(range_key=True)
    contact_key = UnicodeAttribute()  # the contact it is about
    delivery = UnicodeAttribute()  # delivered | failed
    reason = UnicodeAttribute()  # the carrier's words
    at = UnicodeAttribute()
    parts = NumberAttribute(null=True)
    price_usd = UnicodeAttribute(null=True)
    profile = UnicodeAttribute(null=True)  # the account's, for the archive's partition
    purge_at = NumberAttribute(null=True)  # TTL (epoch seconds), as for contacts
    retain_until = NumberAttribute(null=True)  # the archive's retention, as for contacts


CONTACTS_ONLY = ContactItem.key < EVENT_KEY_PREFIX  # digits sort before letters


class EventAlreadyRecorded(Refused):
    """The event's audit entry exists: it was applied before (and its id since forgotten by the account)."""


def _update(account_id: str, actions: list, condition: object = None) -> None:
    """UpdateItem without ReturnValues (PynamoDB's Model.update asks for the whole new item)."""
    AccountItem._get_connection().update_item(account_id, actions=actions, condition=condition, return_values="NONE")


def table_purge_at(at: datetime) -> int:
    """When an audit entry made at `at` leaves the contacts table (epoch seconds, its TTL); the archive keeps it."""
    return int((at + timedelta(days=AUDIT_TABLE_DAYS)).timestamp())


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


def _instant(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _map(attribute: MapAttribute | None) -> dict[str, Any]:
    return attribute.as_dict() if attribute else {}


def to_account(item: AccountItem) -> Account:
    """The domain's account from its item (its number's record is attached by escalation.aws.numbers)."""
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
        segment=item.segment,
        policy=item.policy,
        arm=item.arm,
        experiment=item.experiment,
        sms_consent=item.sms_consent,
        emergency_contacts=tuple(item.emergency_contacts or ()),
        address=_map(item.address) or None,
        status=Status(item.status),
        stage=furthest(Stage(item.stage), *(Stage(s) for s in item.stages or ())),
        opted_out=frozenset(item.opted_out or ()),
        holds={k: _day(v) for k, v in _map(item.holds).items()},
        promised_date=_day(item.promised_date),
        promised_amount=Decimal(item.promised_amount) if item.promised_amount else None,
        promise_made_on=_day(item.promise_made_on),
        promise_paid=Decimal(item.promise_paid) if item.promise_paid else Decimal("0"),
        confirmation_due=item.confirmation_due,
        help_requested=bool(item.help_requested),
        broken_promises=int(item.broken_promises or 0),
        kept_promises=int(item.kept_promises or 0),
        plan={date.fromisoformat(k): Decimal(v) for k, v in sorted(_map(item.plan).items())},
        kept_plans=int(item.kept_plans or 0),
        broken_plans=int(item.broken_plans or 0),
        last_fired={k: date.fromisoformat(v) for k, v in _map(item.last_fired).items()},
        recent=tuple(ContactKey.parse(key) for key in _map(item.recent)),
        dials={date.fromisoformat(k): int(v) for k, v in _map(item.dials).items()},
        conversations={date.fromisoformat(k): int(v) for k, v in _map(item.conversations).items()},
        open_calls={k: _instant(v) for k, v in _map(item.open_calls).items()},
        failed_call_attempts=int(item.failed_call_attempts),
        last_reached=_day(item.last_reached),
        refusals=int(item.refusals),
        visits_attempted=int(item.visits_attempted),
        legal_state=LegalState(item.legal_state) if item.legal_state else None,
        legal_decided_on=_day(item.legal_decided_on),
        legal_approvals=dict(_map(item.legal_approvals)),
        legal_note=item.legal_note,
        event_seq=int(item.event_seq),
        claims=dict(_map(item.claims)),
        events_seen=dict(_map(item.events_seen)),
        balance_as_of=_instant(item.balance_as_of) if item.balance_as_of else None,
    )


DISPATCH_CLEARED = ("confirmation_due", "help_requested")


def _event_values(account: Account) -> dict[str, object]:
    """The attributes borrower events own (a dispatch never writes them, and an event never writes the ladder's)."""
    return {
        "phone": account.phone,
        "balance": str(account.balance),
        "fees": str(account.fees),
        "status": account.status.value,
        "opted_out": sorted(account.opted_out),
        "holds": {k: _iso(v) or "" for k, v in account.holds.items()},
        "promised_date": _iso(account.promised_date),
        "promised_amount": str(account.promised_amount) if account.promised_amount is not None else None,
        "promise_made_on": _iso(account.promise_made_on),
        "promise_paid": str(account.promise_paid) if account.promised_date is not None else None,
        "confirmation_due": account.confirmation_due,
        "help_requested": account.help_requested,
        "broken_promises": account.broken_promises,
        "kept_promises": account.kept_promises,
        "plan": {day.isoformat(): str(amount) for day, amount in account.plan.items()} or None,
        "kept_plans": account.kept_plans,
        "broken_plans": account.broken_plans,
        "dials": {k.isoformat(): n for k, n in account.dials.items()},
        "conversations": {k.isoformat(): n for k, n in account.conversations.items()},
        "failed_call_attempts": account.failed_call_attempts,
        "last_reached": _iso(account.last_reached),
        "refusals": account.refusals,
        "visits_attempted": account.visits_attempted,
        "legal_state": account.legal_state.value if account.legal_state else None,
        "legal_decided_on": _iso(account.legal_decided_on),
        "legal_approvals": dict(account.legal_approvals),
        "legal_note": account.legal_note,
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
        currency=account.currency,
        due_date=account.due_date.isoformat(),
        profile=account.profile,
        timezone=account.timezone,
        locale=account.locale,
        product=account.product,
        segment=account.segment,
        policy=account.policy,
        arm=account.arm,
        experiment=account.experiment,
        sms_consent=account.sms_consent,
        emergency_contacts=list(account.emergency_contacts),
        address=account.address,
        stage=account.stage.value,
        last_fired={rule: day.isoformat() for rule, day in account.last_fired.items()},
        recent={str(key): "1" for key in account.recent},
        open_calls={k: _iso(v) for k, v in account.open_calls.items()},
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


def load_many(account_ids: Iterable[str], records: NumberRecords | None = None) -> list[Account]:
    """The enrolled accounts among `account_ids`, in that order: a BatchGetItem per hundred, each item decoded once
    (escalation.aws.account_codec). `records` (escalation.aws.numbers.statuses) reads their numbers' suppression
    records, each account decoded with its own (attaching them afterwards copies every account)."""
    items = batch_reads.get_items(AccountItem._get_connection().connection.client, AccountItem.Meta.table_name, "account_id", account_ids)
    numbers = records(item["phone"]["S"] for item in items) if records else {}
    return [account_from_item(item, numbers.get(item["phone"]["S"])) for item in items]


def due_account_ids(until: datetime, shards: int = DUE_SHARDS) -> list[str]:
    """Account ids whose next check is at or before `until`, in shards 0..shards-1 (read in parallel).

    The plan reads up to a million index entries a run, so this skips PynamoDB's item objects:
    the low-level client, only `account_id` projected, one thread per shard.
    """
    paginator = client("dynamodb").get_paginator("query")  # created before the threads: client creation is not thread-safe
    with ThreadPoolExecutor(max_workers=min(shards, 64)) as pool:
        found = pool.map(lambda shard: _due_in_shard(paginator, f"DUE#{shard}", _iso(until)), range(shards))
        return [account_id for shard in found for account_id in shard]


def shards_in_use(first: int, last: int) -> list[int]:
    """Which of the shards first..last-1 still hold any account, due or not (one one-item query each)."""
    ddb = client("dynamodb")
    used = []
    for shard in range(first, last):
        page = ddb.query(
            TableName=AccountItem.Meta.table_name,
            IndexName=DueIndex.Meta.index_name,
            KeyConditionExpression="due_shard = :shard",
            ExpressionAttributeValues={":shard": {"S": f"DUE#{shard}"}},
            ProjectionExpression="account_id",
            Limit=1,
        )
        if page.get("Items"):
            used.append(shard)
    return used


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
    before: Account,
    account: Account,
    due_at: datetime | None,
    *,
    note: str | None = None,
    seen: tuple[str, str] | None = None,
    forget: tuple[str, ...] = (),
    review_token: bool = True,
    entry: tuple[AppliedEvent, int] | None = None,
) -> None:
    """Write what a borrower event (or the calendar) changed from `before` to `account`, if nothing else
    changed the account meanwhile (its event_seq is still `before`'s).

    Call tasks an outcome answered are removed one by one (dispatches add tasks concurrently). `note`
    is the last event's one-line account for the ops timeline; `seen` = (event id, occurred_at) marks
    the event applied in the same write; `forget` drops old event ids so the item stays bounded;
    `review_token=False` drops the waiting review's task token (the review has ended). `entry` = (the applied
    event, purge instant in epoch seconds) appends it to the audit log in the same transaction: an event is
    never applied without its entry, nor the reverse. Raises AccountChanged if the account's event_seq moved
    since it was read, EventAlreadyRecorded if the entry exists.
    """
    values = _event_values(account)
    # Flags a dispatch clears when its text is recorded (without moving event_seq): written only when the event
    # itself changed them, so an event that read the account before the text went cannot set them again.
    for flag in DISPATCH_CLEARED:
        if getattr(before, flag) == getattr(account, flag):
            del values[flag]
    if note is not None:
        values["last_event"] = note[:300]
    if not review_token:
        values["legal_task_token"] = None
    actions = [
        getattr(AccountItem, name).set(value) if value is not None else getattr(AccountItem, name).remove()
        for name, value in values.items()
    ]
    actions += [AccountItem.open_calls[key].remove() for key in before.open_calls if key not in account.open_calls]
    if seen:
        actions.append(AccountItem.events_seen[seen[0]].set(seen[1]))
    actions += [AccountItem.events_seen[old].remove() for old in forget]
    actions += [AccountItem.event_seq.set(before.event_seq + 1), *_due_actions(account.account_id, due_at)]
    if entry is not None:
        _update_with_entry(account.account_id, actions, AccountItem.event_seq == before.event_seq, _event_item(*entry))
        return
    try:
        _update(account.account_id, actions, AccountItem.event_seq == before.event_seq)
    except UpdateError as exc:
        if _conditional_failure(exc):
            raise AccountChanged(f"account {account.account_id} changed concurrently") from exc
        raise


def _cancelled(exc: TransactWriteError) -> tuple[bool, list[bool]]:
    """Why a put-then-update transaction was cancelled: (another transaction held an item, [put refused, update refused])."""
    reasons = exc.cancellation_reasons or []
    conflict = any(r is not None and r.code == "TransactionConflict" for r in reasons)
    return conflict, [r is not None and r.code == "ConditionalCheckFailed" for r in reasons]


def _put_and_update(item: Model, account_id: str, actions: list, condition: object) -> None:
    with TransactWrite(connection=AccountItem._get_connection().connection) as transaction:
        transaction.save(item, condition=type(item).key.does_not_exist())
        transaction.update(AccountItem(account_id), actions=actions, condition=condition)


def _update_with_entry(account_id: str, actions: list, condition: object, item: EventEntryItem) -> None:
    try:
        _put_and_update(item, account_id, actions, condition)
    except TransactWriteError as exc:
        conflict, refused = _cancelled(exc)
        if conflict:
            # A dispatch's record transaction on the same account at the same moment: read it again and retry.
            raise AccountChanged(f"account {account_id} was in another transaction") from exc
        if not any(refused):
            raise
        if refused[0]:  # put first, then update: PynamoDB's order
            raise EventAlreadyRecorded(f"event {item.key} is already in the audit log") from exc
        raise AccountChanged(f"account {account_id} changed concurrently") from exc


def _event_item(event: AppliedEvent, retain_until: int) -> EventEntryItem:
    return EventEntryItem(
        event.account_id,
        event.key,
        event_type=event.type,
        at=_iso(event.occurred_at),
        effect=event.effect[:1000],
        fields=json.dumps(event.fields, sort_keys=True, ensure_ascii=False, default=str),
        policy=event.policy,
        arm=event.arm,
        profile=event.profile,
        principal=event.principal,
        purge_at=table_purge_at(event.occurred_at),
        retain_until=retain_until,
    )


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

    Refused if the key is already claimed (ClaimLost, with the claim's state), if the account changed
    since `expected_seq` or is not in an allowed status (AccountChanged), or is unknown (UnknownAccount).
    The claim's own write returns the item, so the usual path reads nothing else.
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
            raise _why_refused(account_id, key) from exc
        raise
    return to_account(AccountItem.from_raw_data(response["Attributes"]))


def _why_refused(account_id: str, key: str) -> Refused:
    account = load(account_id)
    if account is None:
        return UnknownAccount(f"account {account_id} is not enrolled")
    if (state := account.claims.get(key)) is not None:
        return ClaimLost(f"claim {key} on {account_id} is {state}", account, state)
    return AccountChanged(f"account {account_id} changed since it was assessed", account)


def release(account_id: str, key: str) -> None:
    """Give a claim back after a send that certainly did not happen (or that the re-check stopped), so a retry may send."""
    _update(account_id, [AccountItem.claims[key].remove()], AccountItem.claims[key] == "claimed")


def record(contact: Contact, progress: LadderProgress, retain_until: int, due: tuple[int, datetime | None]) -> None:
    """Append the contact to the audit log and mark its claim done with the ladder's progress: one transaction.

    One round trip instead of two, and no moment at which a contact is in the log but its
    claim is not done (or the reverse). The price is DynamoDB's: a transaction writes both
    items at twice the units (~2 more write units per contact; `make bench` counts them).

    `due` is (event_seq the next check was computed at, next check). If a borrower event
    landed since, its own next check stands and only the ladder's progress is written.
    """
    item = _contact_item(contact, retain_until)
    ladder = _progress_actions(contact, progress)
    claimed = AccountItem.claims[contact.key] == "claimed"
    seq, due_at = due
    moved, current = ladder + _due_actions(contact.account_id, due_at), claimed & (AccountItem.event_seq == seq)
    failed = _record_and_complete(item, contact.account_id, moved, current)
    if failed == "account":  # an event moved the account meanwhile: its own next check stands
        failed = _record_and_complete(item, contact.account_id, ladder, claimed)
        if failed == "account":  # the claim is no longer "claimed" (done or given back): the log still gets the record
            _put_unless_present(item)
            return
    if failed == "contact":  # already in the log (an earlier attempt wrote it): finish the claim alone
        if not _update_unless_refused(contact.account_id, moved, current):
            _update_unless_refused(contact.account_id, ladder, claimed)


CONFLICT_RETRIES = 3


def _record_and_complete(item: ContactItem, account_id: str, actions: list, condition: object) -> str | None:
    """The transaction; None if it committed, else which condition refused it: "contact" or "account".

    A borrower event's transaction on the same account at the same moment cancels one of the two
    (TransactionConflict): this one is tried again at once, a few times, rather than left for recovery,
    which would record a text that was sent as unconfirmed."""
    for attempt in range(CONFLICT_RETRIES + 1):
        try:
            _put_and_update(item, account_id, actions, condition)
        except TransactWriteError as exc:
            conflict, refused = _cancelled(exc)
            if conflict and attempt < CONFLICT_RETRIES:
                time.sleep(0.05 * (attempt + 1) * (1 + random.random()))  # noqa: S311 - jitter, not security
                continue
            if not any(refused):
                raise
            return "contact" if refused[0] else "account"  # put first, then update: PynamoDB's order
        return None
    return None


def _contact_item(contact: Contact, retain_until: int) -> ContactItem:
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
        policy=contact.policy,
        arm=contact.arm,
        to=contact.to,
        text=contact.text,
        provider_id=contact.provider_id,
        decided_by=contact.decided_by,
        task_expires_at=_iso(contact.expires_at),
        parts=contact.parts,
        sms_message_id=contact.provider_id if contact.action is Action.SMS and contact.provider_id not in (None, "unconfirmed") else None,
        purge_at=table_purge_at(contact.at),
        retain_until=retain_until,
    )


def _progress_actions(contact: Contact, progress: LadderProgress) -> list:
    """The account's side of a recorded contact: the claim done, the rule fired, the stage reached, what to forget."""
    key = progress.key
    actions = [
        AccountItem.claims[contact.key].set("done"),
        AccountItem.last_fired[key.rule].set(key.day.isoformat()),
        AccountItem.recent[str(key)].set("1"),
        *(AccountItem.recent[old].remove() for old in progress.forget_recent),
        *(AccountItem.claims[old].remove() for old in progress.forget_claims),
        *(AccountItem.open_calls[old].remove() for old in progress.forget_tasks),
    ]
    if progress.stage_reached is not None:
        actions.append(AccountItem.stages.add({progress.stage_reached.value}))
    if contact.policy is not None:
        # An account enrolled before strategies keeps the assignment its first contact was made under.
        actions.append(AccountItem.policy.set(AccountItem.policy | contact.policy))
        actions.append(AccountItem.arm.set(AccountItem.arm | (contact.arm or "-")))
    if progress.confirmation_sent:
        actions.append(AccountItem.confirmation_due.set(False))
    if progress.help_sent:
        actions.append(AccountItem.help_requested.set(False))
    if progress.review_requested:
        actions.append(AccountItem.legal_state.set(LegalState.PENDING.value))
        actions.append(AccountItem.legal_approvals.set({}))
    if progress.task_expires_at is not None:
        actions.append(AccountItem.open_calls[str(key)].set(_iso(progress.task_expires_at)))
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
    return [_to_contact(i) for i in ContactItem.query(account_id, CONTACTS_ONLY)]


def all_contacts() -> list[Contact]:
    """Every contact in the log (exports and local simulations; a scan, never used by a run)."""
    return [_to_contact(i) for i in ContactItem.scan(CONTACTS_ONLY)]


def events_of(account_id: str) -> list[AppliedEvent]:
    """The borrower events applied to the account, oldest first, as the audit log keeps them."""
    return [_to_event(i) for i in EventEntryItem.query(account_id, EventEntryItem.key.startswith(EVENT_KEY_PREFIX))]


def accounts_with_phone(phone: str) -> list[str]:
    """The ids of the accounts that carry this number (the by_phone index; eventually consistent)."""
    return sorted(item.account_id for item in AccountItem.by_phone.query(phone))


def contact_of_message(message_id: str) -> tuple[str, str, str | None] | None:
    """(account id, contact key, number it went to) of the text SNS sent as `message_id`; None if no contact has it."""
    for item in ContactItem.by_sms_message_id.query(message_id, limit=1):
        return item.account_id, item.key, item.to
    return None


def record_receipt(account_id: str, contact_key: str, receipt: Receipt, retain_until: int, profile: str | None = None) -> bool:
    """Append the receipt to the audit log; False if it is there already (a redelivered log batch)."""
    item = ReceiptEntryItem(
        account_id,
        f"{RECEIPT_KEY_PREFIX}{receipt.message_id}",
        contact_key=contact_key,
        delivery=receipt.delivery.value,
        reason=receipt.reason[:500],
        at=_iso(receipt.at),
        parts=receipt.parts,
        price_usd=receipt.price_usd,
        profile=profile,
        purge_at=table_purge_at(receipt.at),
        retain_until=retain_until,
    )
    try:
        item.save(condition=ReceiptEntryItem.key.does_not_exist())
    except PutError as exc:
        if _conditional_failure(exc):
            return False
        raise
    return True


def all_receipts() -> dict[tuple[str, str], dict[str, Any]]:
    """Every receipt in the log by (account id, contact key) (exports and local simulations; a scan)."""
    found = ReceiptEntryItem.scan(ReceiptEntryItem.key.startswith(RECEIPT_KEY_PREFIX))
    return {(i.account_id, i.contact_key): {"delivery": i.delivery, "reason": i.reason, "at": i.at} for i in found}


def all_events() -> list[AppliedEvent]:
    """Every applied event in the log (exports and local simulations; a scan, never used by a run)."""
    return [_to_event(i) for i in EventEntryItem.scan(EventEntryItem.key.startswith(EVENT_KEY_PREFIX))]


def _to_event(item: EventEntryItem) -> AppliedEvent:
    return AppliedEvent(
        account_id=item.account_id,
        event_id=item.key.split("#", 2)[2],  # "event#<instant>#<event id>"; an event id may hold "#"
        type=item.event_type,
        occurred_at=_instant(item.at),
        effect=item.effect,
        fields=json.loads(item.fields),
        policy=item.policy,
        arm=item.arm,
        profile=item.profile,
        principal=item.principal,
    )


def all_accounts() -> list[Account]:
    return [to_account(i) for i in AccountItem.scan()]


def last_event(account_id: str) -> str | None:
    """The one-line account of the last borrower event applied to the account (ops timeline, scenario exports)."""
    try:
        return AccountItem.get(account_id, consistent_read=True, attributes_to_get=["last_event"]).last_event
    except AccountItem.DoesNotExist:
        return None


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
        at=_instant(item.at),
        local_time=datetime.fromisoformat(item.local_time),
        key=item.key,
        run_id=item.run_id,
        policy_version=item.policy_version,
        profile=item.profile,
        policy=item.policy,
        arm=item.arm,
        to=item.to,
        text=item.text,
        provider_id=item.provider_id,
        decided_by=item.decided_by,
        expires_at=_instant(item.task_expires_at) if item.task_expires_at else None,
        parts=int(item.parts) if item.parts is not None else None,
    )


# ---------------------------------------------------------------- entries as the archive keeps them
ENTRY_MODELS: dict[str, type[Model]] = {"contact": ContactItem, "event": EventEntryItem, "receipt": ReceiptEntryItem}


def entry_record(image: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """An audit entry as DynamoDB wrote it (a stream record's NewImage) -> (its kind, its attributes as plain JSON).

    Read through the entry's own model (PynamoDB), so the record holds exactly the attributes the log defines, under
    the names it writes them with ("type" for an event's type)."""
    kind = audit_entry_kind(image["key"]["S"])
    return kind, ENTRY_MODELS[kind].from_raw_data(image).to_simple_dict(force=True)


def _item_of(kind: str, record: dict[str, Any]) -> Any:
    item = ENTRY_MODELS[kind]()
    names = {a.attr_name for a in ENTRY_MODELS[kind].get_attributes().values()}
    item.from_simple_dict({k: v for k, v in record.items() if k in names})
    return item


def contact_of_record(record: dict[str, Any]) -> Contact:
    """The contact an archived record holds (the inverse of `entry_record` for contacts)."""
    return _to_contact(_item_of("contact", record))


def event_of_record(record: dict[str, Any]) -> AppliedEvent:
    """The applied event an archived record holds."""
    return _to_event(_item_of("event", record))


def _conditional_failure(exc: Exception) -> bool:
    code = getattr(exc, "cause_response_code", None)
    if code == "ConditionalCheckFailedException":
        return True
    reasons = getattr(exc, "cancellation_reasons", None) or []
    return any(r is not None and r.code == "ConditionalCheckFailed" for r in reasons)


# ---------------------------------------------------------------- a batch's claims and records, in transactions
# One TransactWriteItems carries up to 100 items: the claims of a batch's accounts, or the records of its contacts
# (an entry and its account's update each), instead of a call per contact. All or nothing per transaction, so
# a refusal anywhere sends the refused items down the one-at-a-time path (claim, record) with its finer answers,
# and the rest commits in a second transaction.
TRANSACTION_ITEMS = 100


def claim_together(claims: list[tuple[str, list[str], int, frozenset[Status]]]) -> list[int]:
    """Claim several accounts' keys, one update per account: (account id, keys, expected event_seq, allowed statuses).

    The same conditions as `claim`, per account. Returns the indexes of the claims not made (refused, or left
    after repeated conflicts): the caller asks `claim` about each of them for the reason.
    """
    ids = [account_id for account_id, *_ in claims]
    if len(set(ids)) != len(ids):
        raise ValueError("claim_together: one entry per account")

    def update(transaction: TransactWrite, index: int) -> None:
        account_id, keys, expected_seq, allowed = claims[index]
        condition = (AccountItem.event_seq == expected_seq) & AccountItem.status.is_in(*[s.value for s in allowed])
        for key in keys:
            condition &= AccountItem.claims[key].does_not_exist()
        transaction.update(AccountItem(account_id), actions=[AccountItem.claims[k].set("claimed") for k in keys], condition=condition)

    return _transact_in_chunks(list(range(len(claims))), update, items_each=1)


def record_together(records: list[tuple[Contact, LadderProgress, int, tuple[int, datetime | None]]]) -> list[int]:
    """Append several contacts to the audit log and complete their claims: `record`'s fast path, up to 50 a transaction.

    Each record is (contact, progress, retain_until, due) as for `record`, and at most one per account. Returns the
    indexes not written by a transaction (an entry already present, an account that moved, conflicts): the caller
    records each of them with `record`, which knows what to do in every one of those cases.
    """
    ids = [contact.account_id for contact, *_ in records]
    if len(set(ids)) != len(ids):
        raise ValueError("record_together: one record per account")

    def put_and_update(transaction: TransactWrite, index: int) -> None:
        contact, progress, retain_until, (seq, due_at) = records[index]
        item = _contact_item(contact, retain_until)
        transaction.save(item, condition=ContactItem.key.does_not_exist())
        actions = _progress_actions(contact, progress) + _due_actions(contact.account_id, due_at)
        condition = (AccountItem.claims[contact.key] == "claimed") & (AccountItem.event_seq == seq)
        transaction.update(AccountItem(contact.account_id), actions=actions, condition=condition)

    return _transact_in_chunks(list(range(len(records))), put_and_update, items_each=2)


def _transact_in_chunks(indexes: list[int], add: Any, items_each: int) -> list[int]:
    """Write `indexes` with `add(transaction, index)`, as many per transaction as fit; the indexes left unwritten."""
    per_transaction = TRANSACTION_ITEMS // items_each
    left: list[int] = []
    for start in range(0, len(indexes), per_transaction):
        left += _transact(indexes[start : start + per_transaction], add, items_each)
    return left


def _transact(indexes: list[int], add: Any, items_each: int) -> list[int]:
    """One transaction over `indexes`: refused entries are left out and the rest tried again; conflicts are retried
    a few times, then left to the caller too."""
    for attempt in range(CONFLICT_RETRIES + 1):
        if not indexes:
            return []
        try:
            with TransactWrite(connection=AccountItem._get_connection().connection) as transaction:
                for index in indexes:
                    add(transaction, index)
        except TransactWriteError as exc:
            conflict, refused_items = _cancelled(exc)
            if refused := _refused_entries(refused_items, len(indexes), items_each):
                kept = [index for n, index in enumerate(indexes) if n not in refused]
                return [index for n, index in enumerate(indexes) if n in refused] + _transact(kept, add, items_each)
            if not conflict:
                raise
            if attempt < CONFLICT_RETRIES:
                time.sleep(0.05 * (attempt + 1) * (1 + random.random()))  # noqa: S311 - jitter, not security
            continue
        return []
    return indexes  # still in conflict: one at a time, each with its own retries


def _refused_entries(refused_items: list[bool], count: int, items_each: int) -> set[int]:
    """Which entries a cancelled transaction refused, from its items' refusals (`_cancelled`). PynamoDB sends puts
    before updates: with two items per entry, item n is entry n's put and item count + n its update."""
    return {position % count if items_each == 2 else position for position, refused in enumerate(refused_items) if refused}
