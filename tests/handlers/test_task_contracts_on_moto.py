"""Issue 17, item 5: the address the lender enrols reaches the field-visit task, through the handlers on the local stack.

(Each queue's message from its event file is checked against its schema in test_event_files.py; a scenario's
tasks.jsonl in tests/e2e/test_shared_scenarios.py; the schemas themselves in tests/unit/test_task_contracts.py.)
"""

from datetime import UTC, datetime

from sim.local.stack import LocalStack
from tests.support import enroll, ingest, record_batch, task_problems

D30_RUN = "2026-03-31T02:00:00Z"  # 10:00 in Shanghai on D+30: the field visit of an unreachable borrower
ADDRESS = {"line1": "科技园路1号", "district": "南山区", "city": "深圳市", "region": "广东省", "postal_code": "518057", "country": "CN"}


def unreachable(account_id: str, phone: str, **extra) -> None:
    raw = {"account_id": account_id, "phone": phone, "timezone": "Asia/Shanghai", "balance": "18800.00", "fees": "320.00",
           "currency": "CNY", "due_date": "2026-03-01", **extra}  # fmt: skip
    assert enroll(raw, datetime(2026, 2, 20, tzinfo=UTC))
    for at in ("2026-03-04T07:00:00+00:00", "2026-03-09T07:00:00+00:00", "2026-03-12T07:00:00+00:00"):
        ingest({"type": "call_outcome", "account_id": account_id, "outcome": "no_answer"}, datetime.fromisoformat(at))


def test_the_enrolled_address_reaches_the_visit_task():
    with LocalStack() as stack:
        unreachable("WITH", "+8613800138001", address=ADDRESS)
        unreachable("WITHOUT", "+8613800138002")
        stack.pin_configuration("run-1")
        decisions = stack.call_handler(
            "AssessAccountsFunction", {"run_id": "run-1", "as_of": D30_RUN, "batch": 0, "account_ids": ["WITH", "WITHOUT"]}
        )
        visits = [d for d in decisions["decisions"] if d["action"] == "visit"]
        assert sorted(v["account_id"] for v in visits) == ["WITH", "WITHOUT"]
        assert record_batch(stack, "run-1", visits)["outcomes"] == {"sent": 2}
        messages = {m["account_id"]: m for m in stack.queue_messages("VisitQueue")}
        assert [task_problems("visit", m) for m in messages.values()] == [[], []]
        assert "address" not in messages["WITHOUT"]  # optional: the lender gave none
        assert stack.handler_errors == []
    assert messages["WITH"]["address"] == ADDRESS
