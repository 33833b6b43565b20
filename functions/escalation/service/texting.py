"""Sending a batch of texts from the outbox: the three steps of every side effect (escalation.service.dispatch),
each done once for the batch where DynamoDB allows it.

1. read: the batch's accounts and their numbers' records, two batch reads; each text is decided again with
   them, so a text the ladder no longer makes (window closed, cap filled, number closed, account changed
   since the assessment) is skipped before anything is claimed;
2. claim: one transaction for the batch's accounts, under `dynamo.claim`'s conditions (`event_seq` unmoved,
   key not claimed), then one Publish per text;
3. record: the texts sent, in one transaction per 50 accounts (escalation.service.audit.record_contacts).

What a transaction refuses, and an account's second text of the batch, take `dispatch`'s one-at-a-time path,
which answers each case on its own. Nothing here waits: the outbox releases texts at the SMS rate
(docs/SCALING.md), so a sender sends what it is given at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..aws import dynamo, numbers
from ..config import Settings
from ..domain.model import CONTACTABLE, Account
from . import configuration
from .audit import ContactRecord, contact_record, record_contacts
from .clock import contact_time
from .dispatch import Request, act, claim_found, dispatch, not_due_reason, skipped

Outcome = dict[str, Any] | Exception  # per text: its outcome, or why it failed (the message comes back)


@dataclass
class _Ready:
    index: int
    request: Request
    account: Account


def send_texts(requests: list[Request], settings: Settings) -> list[Outcome]:
    """Send the batch's texts; one outcome per request, in order (an Exception: deliver the message again)."""
    outcomes: list[Outcome | None] = [None] * len(requests)
    accounts = {a.account_id: a for a in numbers.attach(dynamo.load_many(sorted({r.account_id for r in requests})))}
    ready: list[_Ready] = []
    for index, request in enumerate(requests):
        try:
            outcome = _checked(request, accounts.get(request.account_id), settings)
        except Exception as exc:  # noqa: BLE001 - one text's failure is that message's, not the batch's
            outcome = exc
        if outcome is None:
            ready.append(_Ready(index, request, accounts[request.account_id]))
        else:
            outcomes[index] = outcome
    claimed, alone = _claim(ready)
    records: list[tuple[int, ContactRecord]] = []
    for item in claimed:
        try:
            sent = _send(item, settings)
        except Exception as exc:  # noqa: BLE001 - see above
            outcomes[item.index] = exc
            continue
        if isinstance(sent, dict):
            outcomes[item.index] = sent
        else:
            records.append((item.index, sent))
    try:
        for (index, _), result in zip(records, record_contacts([record for _, record in records]), strict=True):
            outcomes[index] = result
    except Exception as exc:  # noqa: BLE001 - sent but not recorded: the claims stay, redelivery records them unconfirmed
        for index, _ in records:
            outcomes[index] = exc
    for item in alone:
        try:
            outcomes[item.index] = dispatch(item.request, settings)
        except Exception as exc:  # noqa: BLE001 - see above
            outcomes[item.index] = exc
    return [o if o is not None else RuntimeError("text left without an outcome") for o in outcomes]


def _checked(request: Request, account: Account | None, settings: Settings) -> dict[str, Any] | None:
    """The text's outcome if it is settled before any claim (a duplicate, skipped...); None if it is to be sent."""
    if account is None:
        return skipped(request, "unknown_account")
    config = configuration.for_run(request.run_id, settings.manifest_bucket)
    if (state := account.claims.get(request.key)) is not None:
        return claim_found(request, account, state, settings, config)
    if account.event_seq != request.event_seq or account.status not in CONTACTABLE:
        return skipped(request, "changed_since_assessment")
    reason = not_due_reason(request, account, contact_time(request.as_of, settings), config)
    return None if reason is None else skipped(request, reason)


def _claim(ready: list[_Ready]) -> tuple[list[_Ready], list[_Ready]]:
    """Claim the first text of each account together; (claimed, the rest for the one-at-a-time path)."""
    first: dict[str, _Ready] = {}
    for item in ready:
        first.setdefault(item.request.account_id, item)
    together = list(first.values())
    refused = set(dynamo.claim_together([(i.request.account_id, [i.request.key], i.request.event_seq, CONTACTABLE) for i in together]))
    claimed = [item for n, item in enumerate(together) if n not in refused]
    chosen = {id(item) for item in claimed}
    return claimed, [item for item in ready if id(item) not in chosen]


def _send(item: _Ready, settings: Settings) -> ContactRecord | dict[str, Any]:
    """Publish one claimed text: its audit record, or the outcome when the provider refused the number."""
    request, account = item.request, item.account
    config = configuration.for_run(request.run_id, settings.manifest_bucket)
    now = contact_time(request.as_of, settings)
    done = act(request, account, now, settings, config)
    if isinstance(done, dict):
        return done
    return contact_record(account, request.contact_key, request.stage, request.run_id, now, done, config)
