"""Repayment plans through the bus and the real state machine: a plan kept to the end settles the account, a missed
installment breaks it and the ladder resumes, a plan outside the policy's limits is rejected naming the limit."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

DUE = date(2026, 3, 1)
LIMITED = {"name": "limited", "plans": {"max_installments": 2, "min_first_payment_share": "0.25", "max_term_days": 60},
           "rules": [{"name": "reminder", "action": "sms", "stage": "early", "start": 1, "end": 6},
                     {"name": "follow_up", "action": "sms", "stage": "follow_up", "start": 7, "every": 7}]}  # fmt: skip


def account(account_id: str, n: int, product: str = "credit-line") -> dict[str, Any]:
    return {"account_id": account_id, "phone": f"+86138001381{n:02d}", "timezone": "Asia/Shanghai", "profile": "CN",
            "balance": "3000.00", "currency": "CNY", "due_date": DUE.isoformat(), "product": product}  # fmt: skip


def plan(account_id: str, at: str, *installments: tuple[str, str]) -> dict[str, Any]:
    return {"at": at, "type": "payment_plan_agreed", "account_id": account_id,
            "installments": [{"date": d, "amount": a} for d, a in installments]}  # fmt: skip


def pay(account_id: str, at: str, amount: str) -> dict[str, Any]:
    return {"at": at, "type": "payment", "account_id": account_id, "amount": amount}


SCENARIO = {
    "name": "repayment plans: kept, broken, refused",
    "start_date": "2026-03-01",
    "days": 45,
    "profile": "CN",
    "policies": {"limited": LIMITED},
    "strategy": {"default": "default-ladder", "by_product": {"cash-loan": "limited"}},
    "accounts": [account("KEPT", 1), account("BROKEN", 2), account("REFUSED", 3, "cash-loan")],
    "events": [
        plan("KEPT", "2026-03-05T06:00:00Z", ("2026-03-10", "1000.00"), ("2026-03-20", "1000.00"), ("2026-03-30", "1000.00")),
        pay("KEPT", "2026-03-10T06:00:00Z", "1000.00"),
        pay("KEPT", "2026-03-20T06:00:00Z", "1000.00"),
        pay("KEPT", "2026-03-30T06:00:00Z", "1000.00"),
        plan("BROKEN", "2026-03-05T06:00:00Z", ("2026-03-10", "1500.00"), ("2026-03-20", "1500.00")),
        pay("BROKEN", "2026-03-10T06:00:00Z", "1500.00"),  # the second installment is never paid
        plan("REFUSED", "2026-03-05T06:00:00Z", *((f"2026-03-{d}", "1000.00") for d in (10, 20, 30))),
    ],
}


@pytest.fixture(scope="module")
def run(run_scenarios):
    return run_scenarios("plans", SCENARIO)


def local_days(run, account_id: str, purpose: str) -> list[date]:
    return [date.fromisoformat(c["local_time"][:10]) for c in run.of(account_id) if c["purpose"] == purpose]


def test_the_run_is_clean(run):
    assert run.summary["handler_errors"] == []


def test_a_kept_plan_pauses_the_ladder_reminds_before_each_installment_and_settles(run):
    assert local_days(run, "KEPT", "promise_reminder") == [date(2026, 3, 9), date(2026, 3, 19), date(2026, 3, 29)]
    collection = [c for c in run.of("KEPT") if c["purpose"] not in ("promise_reminder", "confirmation")]
    assert all(date.fromisoformat(c["local_time"][:10]) <= date(2026, 3, 5) for c in collection)  # nothing while kept
    assert local_days(run, "KEPT", "confirmation") == [date(2026, 3, 30)]
    assert (run.accounts["KEPT"]["status"], run.accounts["KEPT"]["kept_plans"], run.accounts["KEPT"]["plan"]) == ("paid", 1, {})


def test_a_missed_installment_breaks_the_plan_and_the_ladder_resumes(run):
    account = run.accounts["BROKEN"]
    assert (account["status"], account["broken_plans"], account["kept_plans"], account["plan"]) == ("active", 1, 0, {})
    assert "promise_broken" in run.run_notes()
    resumed = [d for d in local_days(run, "BROKEN", "follow_up") + local_days(run, "BROKEN", "follow_up_call") if d > date(2026, 3, 20)]
    assert resumed and min(resumed) == date(2026, 3, 21)  # the day after the missed installment


def test_a_plan_outside_the_policys_limits_is_rejected_naming_the_limit(run):
    (note,) = run.notes("REFUSED", "payment_plan_agreed")
    assert note.startswith("rejected: installments: 3 installments; the policy allows at most 2 (plans.max_installments)")
    assert run.accounts["REFUSED"]["plan"] == {}
