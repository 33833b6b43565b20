"""A tiny scenario through the real state machine writes days.jsonl and report.html beside the other outputs."""

import json

from sim.scenarios import run_scenario

SCENARIO = {
    "name": "report smoke test",
    "start_date": "2026-03-02",
    "days": 3,
    "profile": "CN",
    "accounts": [
        {"account_id": "R-1", "phone": "+8613800138001", "timezone": "Asia/Shanghai", "balance": "1250.00", "currency": "CNY",
         "due_date": "2026-03-01"},
        {"account_id": "R-2", "phone": "+8613800138002", "timezone": "Asia/Shanghai", "balance": "8000.00", "currency": "CNY",
         "due_date": "2026-03-01"},
        {"account_id": "R-3", "phone": "+12125550123", "timezone": "America/New_York", "profile": "US", "balance": "900.00",
         "currency": "USD", "due_date": "2026-03-03"},
    ],
    "events": [{"at": "2026-03-03T06:00:00Z", "type": "payment", "account_id": "R-1", "amount": "1250.00"}],
}  # fmt: skip


def test_a_scenario_run_writes_the_report(tmp_path):
    path = tmp_path / "scenario.json"
    path.write_text(json.dumps(SCENARIO), encoding="utf-8")
    out = tmp_path / "out"
    summary = run_scenario(path, out)
    assert summary["handler_errors"] == []

    days = [json.loads(line) for line in (out / "days.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [d["date"] for d in days] == ["2026-03-02", "2026-03-03", "2026-03-04"]
    assert all(d["accounts"] == 3 for d in days)
    assert days[0]["status"].get("paid", 0) == 0
    assert days[-1]["status"]["paid"] == 1
    assert days[-1]["recovered"]["CNY"] == "1250.00"

    report = (out / "report.html").read_text(encoding="utf-8")
    assert len(report) > 20_000
    for account_id in ("R-1", "R-2", "R-3"):
        assert f">{account_id}<" in report
    assert "+8613800138001" not in report and "+86*****01" in report
    assert report.count("<rect") > 20  # bars and markers were drawn
    assert "Recovery curve" in report and "Per-account timelines" in report
