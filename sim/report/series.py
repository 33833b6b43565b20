"""The numbers behind the charts, one series per key and one value per day of the run."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date

from .data import Run, day, decimal, number
from .style import ACTIONS, STAGES, STATUSES


def contacts_per_day(run: Run) -> dict[str, list[float]]:
    index = run.index()
    series = {a: [0.0] * len(run.dates) for a in ACTIONS}
    for c in run.contacts:
        d = day(c.get("at"))
        if d in index and c.get("action") in series:
            series[c["action"]][index[d]] += 1
    return series


def status_series(run: Run) -> dict[str, list[float]]:
    status = {k: [0.0] * len(run.dates) for k in STATUSES}
    for i, snap in run.snapshots():
        for key, n in _counts(snap.get("status")).items():
            status.setdefault(key, [0.0] * len(run.dates))[i] = n
    return status


def stage_series(run: Run) -> dict[str, list[float]]:
    """Accounts by ladder stage at the end of each day, with the accounts paid in full counted as "paid".

    days.jsonl counts every account at its stage, and a paid account keeps the stage it had when it paid. Which
    stage that was is known from accounts.json (the frozen stage) and the day from events.jsonl (the payment that
    settled it): those accounts move to "paid". The snapshot's own count of paid accounts is the total that moves;
    any it names that the files cannot place are taken from the largest stages.
    """
    n_days = len(run.dates)
    stage: dict[str, list[float]] = {k: [0.0] * n_days for k in STAGES}
    paid = [0.0] * n_days
    settled = _paid_on(run)
    frozen = {str(a.get("account_id")): str(a.get("stage")) for a in run.accounts}
    for i, snap in run.snapshots():
        counts = _counts(snap.get("stage"))
        if "paid" not in counts:  # an export that already counts paid accounts as "paid" is taken as it is
            known = Counter(frozen.get(a, "?") for a, when in settled.items() if when <= run.dates[i])
            counts = _move_to_paid(counts, known, _counts(snap.get("status")).get("paid", 0.0))
        for key, n in counts.items():
            if key == "paid":
                paid[i] = n
            else:
                stage.setdefault(key, [0.0] * n_days)[i] = n
    return stage | {"paid": paid}


def _paid_on(run: Run) -> dict[str, date]:
    """Accounts paid in full at the end of the run -> the UTC day of the last payment applied to them."""
    paid = {str(a.get("account_id")) for a in run.accounts if a.get("status") == "paid"}
    out: dict[str, date] = {}
    for ev in run.events:
        account_id = str(ev.get("account_id"))
        when = day(ev.get("at"))
        if account_id in paid and ev.get("type") == "payment" and ev.get("note") == "applied" and when:
            out[account_id] = max(when, out.get(account_id, when))
    return out


def _move_to_paid(counts: dict[str, float], known: Counter[str], paid: float) -> dict[str, float]:
    out = dict(counts)
    left = paid
    for key in [*STAGES, *sorted(k for k in known if k not in STAGES)]:
        take = min(known.get(key, 0), out.get(key, 0.0), left)
        if take > 0:
            out[key] -= take
            left -= take
    while left > 0 and any(v > 0 for v in out.values()):  # paid accounts the files do not place
        key = max(out, key=lambda k: out[k])
        take = min(1.0, left, out[key])
        out[key] -= take
        left -= take
    out["paid"] = paid - left
    return out


def _counts(value: object) -> dict[str, float]:
    return {str(k): number(v) for k, v in value.items()} if isinstance(value, dict) else {}


def recovery_lines(run: Run) -> dict[str, list[tuple[int, float]]]:
    """ "paid" (share of borrowers paid in full) and each currency (share of the money owed at enrolment recovered), in %."""
    lines: dict[str, list[tuple[int, float]]] = defaultdict(list)
    for i, snap in run.snapshots():
        status = _counts(snap.get("status"))
        total = number(snap.get("accounts")) or sum(status.values())
        if total:
            lines["paid"].append((i, 100 * status.get("paid", 0.0) / total))
        recovered = snap.get("recovered") if isinstance(snap.get("recovered"), dict) else {}
        owed = snap.get("owed") if isinstance(snap.get("owed"), dict) else {}
        for currency, got in sorted(recovered.items()):
            base = decimal(got) + decimal(owed.get(currency, "0"))
            if base > 0:
                lines[str(currency)].append((i, float(100 * decimal(got) / base)))
    return dict(lines)
