"""`make demo`: a seeded simulation of synthetic borrowers through the real state machine.

Builds a scenario (accounts + what the borrowers do), replays it day by day on the local
stack exactly as `make scenario` does, prints one line per day and a final funnel, and
writes the usual scenario outputs to --out.
"""

from __future__ import annotations

import argparse
import random
import sys
import time as clock
from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from ..local.stack import LocalStack
from .export import export
from .files import validate
from .replay import Replay

# (profile, share, phone prefix, zone, locale, currency)
MARKETS = [
    ("CN", 0.6, "+86138", "Asia/Shanghai", "zh-CN", "CNY"),
    ("US", 0.25, "+1212555", "America/New_York", "en-US", "USD"),
    ("EU", 0.15, "+447700900", "Europe/London", "en-GB", "GBP"),
]
# Digits after the prefix: full mainland mobiles; the US 555 and UK Ofcom drama ranges.
SUFFIX_DIGITS = {"CN": 8, "US": 4, "EU": 3}
# Behaviour model: share of borrowers, and what they do.
BEHAVIOURS = [("pays_after_reminder", 0.35), ("promises", 0.2), ("partial_then_pays", 0.1), ("refuses", 0.1), ("silent", 0.25)]


def synthetic_scenario(borrowers: int, days: int, start: date, seed: int) -> dict[str, Any]:
    rng = random.Random(seed)  # noqa: S311 - a reproducible simulation, not security
    accounts, events = [], []
    for n in range(borrowers):
        profile, _, prefix, zone, locale, currency = rng.choices(MARKETS, weights=[m[1] for m in MARKETS])[0]
        behaviour = rng.choices([b for b, _ in BEHAVIOURS], weights=[w for _, w in BEHAVIOURS])[0]
        due = start + timedelta(days=rng.randint(-30, 10))  # part of the book is already overdue
        balance = Decimal(rng.choice([800, 1500, 3200, 6400, 12000, 25000]))
        account_id = f"{profile}-{n:04d}"
        phone = prefix + str(rng.randrange(10 ** SUFFIX_DIGITS[profile])).zfill(SUFFIX_DIGITS[profile])
        accounts.append(
            {"account_id": account_id, "phone": phone, "timezone": zone, "locale": locale, "profile": profile,
             "balance": f"{balance:.2f}", "fees": f"{balance * Decimal('0.02'):.2f}", "currency": currency,
             "due_date": due.isoformat(), "emergency_contacts": []}
        )  # fmt: skip

        # Behaviour is timed from the due date, or from enrolment for accounts already overdue.
        anchor = max(due, start)

        def at(offset: int, hour: int, zone: str = zone, anchor: date = anchor) -> str:
            local = datetime.combine(anchor + timedelta(days=offset), time(hour), tzinfo=ZoneInfo(zone))
            return local.astimezone(UTC).isoformat().replace("+00:00", "Z")

        owed = f"{balance * Decimal('1.02'):.2f}"
        if behaviour == "pays_after_reminder":
            events.append({"at": at(rng.randint(1, 6), 13), "type": "payment", "account_id": account_id, "amount": owed})
        elif behaviour == "promises":
            promised = anchor + timedelta(days=rng.randint(8, 14))
            events.append({"at": at(3, 15), "type": "call_outcome", "account_id": account_id, "outcome": "reached"})
            events.append(
                {"at": at(3, 15), "type": "promise_to_pay", "account_id": account_id, "amount": owed, "promised_date": promised.isoformat()}
            )
            if rng.random() < 0.7:  # most keep their promise
                events.append({"at": at((promised - anchor).days, 12), "type": "payment", "account_id": account_id, "amount": owed})
        elif behaviour == "partial_then_pays":
            half = f"{balance / 2:.2f}"
            events.append({"at": at(2, 12), "type": "payment", "account_id": account_id, "amount": half})
            events.append({"at": at(rng.randint(10, 25), 12), "type": "payment", "account_id": account_id, "amount": owed})
        elif behaviour == "refuses":
            for offset in (3, 7):
                events.append({"at": at(offset, 16), "type": "call_outcome", "account_id": account_id, "outcome": "refused"})
        else:  # silent: every queued call goes unanswered; the field visit finds nobody
            for offset in (3, 7, 10, 13):
                events.append({"at": at(offset, 16), "type": "call_outcome", "account_id": account_id, "outcome": "no_answer"})
            if profile == "CN":
                # The D+30 field visit finds nobody at home.
                visit = {"type": "visit_outcome", "account_id": account_id, "outcome": "not_home"}
                events.append({"at": at(max((due - anchor).days + 32, 15), 15), **visit})
    return {"name": f"demo: {borrowers} synthetic borrowers, seed {seed}", "start_date": start.isoformat(), "days": days,
            "profile": "CN", "accounts": accounts, "events": events}  # fmt: skip


# The day's counts, then the borrowers paid in full since the start: the last column is cumulative.
COLUMNS = ("due", "sms", "call", "visit", "legal_review", "legal_referral", "paid_to_date")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--borrowers", type=int, default=60)
    parser.add_argument("--days", type=int, default=60)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--start", default="2026-03-01")
    parser.add_argument("--out", type=Path, default=Path("out/demo"))
    args = parser.parse_args(argv)

    raw = synthetic_scenario(args.borrowers, args.days, date.fromisoformat(args.start), args.seed)
    scenario = validate(raw, "demo")
    started = clock.monotonic()
    print(f"Simulating {args.borrowers} borrowers over {args.days} days through the daily-run state machine (moto, in-process).")
    print(f"{'day':<11}" + "".join(f"{c:>15}" for c in COLUMNS))
    paid_seen: set[str] = set()

    with LocalStack() as stack:
        from escalation.aws import dynamo

        reviewer = random.Random(args.seed)  # noqa: S311 - a reproducible simulation, not security

        def progress(day: date, counts: dict[str, int]) -> None:
            accounts = dynamo.all_accounts()
            paid_seen.update(a.account_id for a in accounts if a.status.value == "paid")
            # A reviewer decides the day's legal reviews that evening: mostly approve.
            evening = datetime.combine(day, time(23), tzinfo=UTC)
            for a in accounts:
                if a.legal_state is not None and a.legal_state.value == "pending":
                    decision = "approve" if reviewer.random() < 0.7 else "reject"
                    event = {"at": evening.isoformat(), "type": "legal_decision", "account_id": a.account_id, "decision": decision}
                    replay.apply(event, evening)
            row = {**counts, "paid_to_date": len(paid_seen)}
            print(f"{day.isoformat():<11}" + "".join(f"{row.get(c, 0):>15}" for c in COLUMNS), flush=True)

        replay = Replay(scenario, stack, progress)
        replay.run()
        summary = export(replay, args.out)
        contacts = dynamo.all_contacts()

    reached: dict[str, set[str]] = {}
    for c in contacts:
        reached.setdefault(c.action.value, set()).add(c.account_id)
    print("\nFunnel (accounts)")
    funnel = [
        ("enrolled", summary["accounts"]),
        ("sent an SMS", len(reached.get("sms", ()))),
        ("queued for an agent call", len(reached.get("call", ()))),
        ("queued for a field visit", len(reached.get("visit", ()))),
        ("legal review requested", len(reached.get("legal_review", ()))),
        ("referred to legal (approved)", len(reached.get("legal_referral", ()))),
        ("paid in full", summary["paid"]),
    ]
    for label, value in funnel:
        print(f"  {label:<30}{value:>6}")
    print(f"\nStatuses: {dict(Counter(summary['statuses']))}")
    print(f"Outputs in {args.out}/ (contacts.jsonl, accounts.json, summary.json, logs.jsonl); {clock.monotonic() - started:.0f}s.")
    print(f"Report: {args.out / 'report.html'} (open it in a browser)")
    for error in summary["handler_errors"]:
        print(f"handler error: {error}", file=sys.stderr)
    return 1 if summary["handler_errors"] else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
