"""Realistic synthetic accounts: a book of CN, US and EU accounts at every stage, and loading it into the accounts table.

The accounts stand as they would on the run's day (RUN_AS_OF), with the history their stage implies:
rules fired, caps, holds, promises, opt-outs. Reproducible from SEED.
"""

from __future__ import annotations

import functools
import random
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

# 12:30 UTC on a Wednesday: inside the 08:00-21:00 window in Shanghai (20:30), New York (08:30 EDT),
# London (13:30 BST) and Berlin (14:30 CEST), so every e2e account can be contacted in the one run.
RUN_AS_OF = "2026-04-15T12:30:00Z"
SEED = 6


@dataclass(frozen=True)
class Market:
    profile: str
    share: float
    currency: str
    locale: str
    # (zone, phone prefix, digits after it); the first zone's window contains RUN_AS_OF.
    numbers: tuple[tuple[str, str, int], ...]
    balances: tuple[int, ...]


MARKETS = (
    Market(
        "CN", 0.6, "CNY", "zh-CN", (("Asia/Shanghai", "+86138", 8), ("Asia/Shanghai", "+86159", 8)), (800, 1500, 3200, 6400, 12000, 25000)
    ),
    Market(
        "US",
        0.25,
        "USD",
        "en-US",
        (("America/New_York", "+1212555", 4), ("America/Chicago", "+1312555", 4), ("America/Los_Angeles", "+1213555", 4)),
        (300, 800, 1500, 4000),
    ),
    Market("EU", 0.15, "GBP", "en-GB", (("Europe/London", "+447700900", 3), ("Europe/Berlin", "+4915123", 7)), (400, 900, 2000, 6000)),
)
# Days since the due date at the run, by stage, and each stage's share of the book.
STAGE_DAYS = (((-3, -1), 0.10), ((1, 6), 0.30), ((7, 29), 0.35), ((30, 59), 0.15), ((60, 120), 0.10))


def realistic_accounts(n: int, as_of: str = RUN_AS_OF, seed: int = SEED, first_zone_only: bool = False) -> list[Any]:
    """`n` accounts as they stand on the run's day: every stage, with the history that stage implies."""
    rng = random.Random(seed)  # noqa: S311 - reproducible synthetic data
    now = datetime.fromisoformat(as_of.replace("Z", "+00:00"))
    return [_realistic_account(rng, i, now, first_zone_only) for i in range(n)]


def _realistic_account(rng: random.Random, i: int, now: datetime, first_zone_only: bool) -> Any:
    from escalation.domain.model import STAGE_ORDER, Account, ContactKey, LegalState, Status
    from escalation.domain.policy import DEFAULT_POLICY

    market = rng.choices(MARKETS, weights=[m.share for m in MARKETS])[0]
    zone, prefix, digits = market.numbers[0] if first_zone_only else rng.choice(market.numbers)
    today = now.astimezone(_zone(zone)).date()
    (low, high), _ = rng.choices(STAGE_DAYS, weights=[w for _, w in STAGE_DAYS])[0]
    day = rng.randint(low, high)
    due_date = today - timedelta(days=day)
    balance = Decimal(rng.choice(market.balances))
    phone = prefix + str(rng.randrange(10**digits)).zfill(digits)

    last_fired: dict[str, date] = {}
    for rule in DEFAULT_POLICY.rules:
        if rule.start >= day or (rule.action.value == "visit" and market.profile != "CN"):
            continue
        if str(rule.condition) in ("unreachable_or_refused", "legal_prerequisites") and rng.random() < 0.5:
            continue
        last_day = min(day - 1, rule.end if rule.end is not None else day - 1)
        if rule.every is None:
            fired = rng.randint(rule.start, last_day)
        else:
            fired = rule.start + (last_day - rule.start) // rule.every * rule.every
            if rng.random() < 0.15 and fired - rule.every >= rule.start:
                fired -= rule.every  # a day missed (outside window, cap): it fires again soon
        if rng.random() < 0.9:
            last_fired[rule.name] = due_date + timedelta(days=fired)
    action_of = {r.name: r.action for r in DEFAULT_POLICY.rules}
    recent = tuple(ContactKey(d, action_of[name], name) for name, d in last_fired.items() if (today - d).days < 8)
    stage = max((r.stage for r in DEFAULT_POLICY.rules if r.name in last_fired), key=STAGE_ORDER.index, default=None)

    called = day >= 3
    last_reached = today - timedelta(days=rng.randint(1, 20)) if called and rng.random() < 0.3 else None
    account = Account(
        account_id=f"{market.profile}-{i:07d}",
        phone=phone,
        balance=balance,
        fees=(balance * Decimal("0.02")).quantize(Decimal("0.01")),
        currency=market.currency,
        due_date=due_date,
        profile=market.profile,
        timezone=zone if rng.random() < 0.8 or market.profile == "EU" else None,
        locale=market.locale,
        emergency_contacts=(prefix + str(rng.randrange(10**digits)).zfill(digits),) if rng.random() < 0.3 else (),
        last_fired=last_fired,
        recent=recent,
        failed_call_attempts=rng.randint(0, 4) if called else 0,
        refusals=(1 if rng.random() < 0.15 else 0) + (1 if rng.random() < 0.05 else 0) if called else 0,
        last_reached=last_reached,
        visits_attempted=1 if "field_visit" in last_fired and rng.random() < 0.8 else 0,
        event_seq=rng.randint(0, 12),
        **({"stage": stage} if stage else {}),
    )
    roll = rng.random()
    if roll < 0.06:
        account = account.with_changes(
            status=Status.PROMISE, promised_date=today + timedelta(days=rng.randint(0, 7)), promised_amount=balance
        )
    elif roll < 0.10:
        account = account.with_changes(status=Status.HOLD, holds=rng.choice([{"dispute": None}, {"hardship": today + timedelta(days=10)}]))
    elif roll < 0.13:
        account = account.with_changes(status=Status.PAID, balance=Decimal("0"), fees=Decimal("0"), confirmation_due=True)
    if rng.random() < 0.04:
        account = account.with_changes(opted_out=frozenset({rng.choice(["sms", "sms", "call", "all"])}))
    if day >= 60 and "legal_review" in last_fired and (today - last_fired["legal_review"]).days < 14:
        account = account.with_changes(legal_state=LegalState.PENDING)
    return account


@functools.cache
def _zone(name: str) -> Any:
    from zoneinfo import ZoneInfo

    return ZoneInfo(name)


def decision_context(account: Any, now: datetime) -> Any:
    """The Context the daily run builds for an account (escalation.service.context: policy, profile with overrides, zones, clock).

    That module reads only the domain and PROFILE_OVERRIDES (at call time), so importing it binds no table names.
    """
    from escalation.service.context import context_for

    return context_for(account, now, local_configuration())


@functools.cache
def local_configuration() -> Any:
    """The local stack's lender configuration (the default ladder for every account), parsed once."""
    from escalation.domain.strategy import Configuration

    from ..local.stack import LOCAL_CONFIGURATION

    return Configuration.from_dict(LOCAL_CONFIGURATION)


def load_accounts(rows: list[tuple[Any, datetime | None]]) -> float:
    """Write (account, next check) rows with BatchWriteItem (25 items a request); returns the seconds it took."""
    from escalation.aws import dynamo

    started = time.perf_counter()
    with dynamo.AccountItem.batch_write() as batch:
        for account, due_at in rows:
            batch.save(dynamo.to_item(account, due_at))  # with its whole history: enrolment writes only a first state
    return time.perf_counter() - started


def due_accounts_with_actions(n: int, as_of: str = RUN_AS_OF, seed: int = SEED) -> list[Any]:
    """`n` realistic accounts that the run at `as_of` contacts: an SMS, a call or a visit is due and allowed.

    Accounts whose only due action is a legal review, or with a review waiting, are left out: their
    executions outlive the run being timed.
    """
    from escalation.domain.ladder import decide

    now = datetime.fromisoformat(as_of.replace("Z", "+00:00"))
    chosen: list[Any] = []
    batch_seed = seed
    while len(chosen) < n:
        for account in realistic_accounts(max(2 * n, 100), as_of, batch_seed, first_zone_only=True):
            actions = {d.action.value for d in decide(account, decision_context(account, now)) if d.action is not None}
            if actions and actions <= {"sms", "call", "visit"} and account.legal_state is None:
                chosen.append(account.with_changes(account_id=f"{account.account_id}-{batch_seed}"))
                if len(chosen) == n:
                    break
        batch_seed += 1000
    return chosen
