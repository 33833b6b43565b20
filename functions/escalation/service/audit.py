"""The audit record of a side effect that happened, written with the ladder's progress in one transaction.

Every contact the product makes (an SMS sent, a call or visit queued, a legal review requested, a
referral handed to the legal partner) is recorded here, and only here: the record and the account's
progress (rule fired, stage reached, claim done) never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..aws import dynamo
from ..domain.ladder import next_check
from ..domain.messages import sms_parts
from ..domain.model import Account, Action, Contact, ContactKey, Stage
from ..domain.progress import LadderProgress, applied, progress_of
from ..domain.strategy import Configuration
from ..domain.windows import zone, zones_for
from .context import context_for, policy_version, profile_of


@dataclass(frozen=True)
class Done:
    """What was done for a contact: to whom, what was said, the provider's id, and for how long a task stands."""

    to: str | None = None
    text: str | None = None
    provider_id: str | None = None
    expires_at: datetime | None = None  # call and visit tasks
    decided_by: str | None = None  # legal referral: who approved it


@dataclass(frozen=True)
class ContactRecord:
    """A contact ready for the audit log: the entry, the ladder's progress, and the account's next check."""

    contact: Contact
    progress: LadderProgress
    retain_until: int
    due: tuple[int, datetime | None]  # (event_seq the next check was computed at, the next check)
    account: Account  # as the contact leaves it (the ladder's progress applied)

    @property
    def result(self) -> dict[str, Any]:
        return {
            "account_id": self.contact.account_id,
            "outcome": "sent",
            "action": self.contact.action.value,
            "key": self.contact.key,
            "profile": self.contact.profile,
        }

    def write(self) -> None:
        dynamo.record(self.contact, self.progress, self.retain_until, self.due)


def contact_record(
    account: Account, key: ContactKey, stage: Stage, run_id: str, now: datetime, done: Done, config: Configuration
) -> ContactRecord:
    """The audit record of a side effect that happened, and where it leaves the ladder (nothing written yet)."""
    assignment = config.assignment_of(account)
    zones = zones_for(account.phone, account.timezone)
    profile = profile_of(account)
    contact = Contact(
        account_id=account.account_id,
        action=key.action,
        stage=stage,
        purpose=key.rule,
        at=now,
        local_time=now.astimezone(zone(zones[0])),
        key=str(key),
        run_id=run_id,
        policy_version=policy_version(config.policy(assignment.policy)),
        profile=profile.code,
        policy=assignment.policy,
        arm=assignment.arm,
        to=done.to,
        text=done.text,
        provider_id=done.provider_id,
        decided_by=done.decided_by,
        expires_at=done.expires_at,
        parts=sms_parts(done.text) if key.action is Action.SMS and done.text is not None else None,
    )
    progress = progress_of(account, key, stage, done.expires_at)
    after = applied(account, progress)
    following = next_check(after, context_for(account, now, config), key.day)
    return ContactRecord(contact, progress, profile.purge_at(now), (account.event_seq, following), after)


def record_contact(
    account: Account, key: ContactKey, stage: Stage, run_id: str, now: datetime, done: Done, config: Configuration
) -> dict[str, Any]:
    """Write the audit record of a side effect that happened, and advance the ladder past it."""
    record = contact_record(account, key, stage, run_id, now, done, config)
    record.write()
    return record.result


def record_contacts(records: list[ContactRecord]) -> list[dict[str, Any]]:
    """Write a batch's records: a transaction per 50 accounts, then one at a time what a transaction could not take
    (an account's second contact of the batch, an entry already written, an account that moved meanwhile)."""
    first: dict[str, int] = {}
    for n, record in enumerate(records):
        first.setdefault(record.contact.account_id, n)
    together = list(first.values())
    left = dynamo.record_together([(r.contact, r.progress, r.retain_until, r.due) for r in (records[n] for n in together)])
    one_at_a_time = sorted({together[i] for i in left} | (set(range(len(records))) - set(together)))
    for n in one_at_a_time:
        records[n].write()
    return [record.result for record in records]
