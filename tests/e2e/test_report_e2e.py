"""A tiny scenario through the real state machine writes days.jsonl and report.html beside the other outputs."""

import json
import re

from sim.report.data import load
from sim.report.series import stage_series
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

    # Every account has its timeline row, with its profile for the finder.
    profiles = re.findall(r'<li class="tl-row" data-id="([^"]*)" data-profile="([^"]*)"', report)
    assert profiles == [("r-1", "CN"), ("r-2", "CN"), ("r-3", "US")]
    assert '<option value="US">US (1)</option>' in report
    # The stage chart counts R-1 as paid from the day it paid, in step with the status chart.
    stages = stage_series(load(out))
    assert stages["paid"] == [d["status"].get("paid", 0) for d in days] == [0, 1, 1]
    assert all(sum(v[i] for v in stages.values()) == 3 for i in range(3))
    assert "<title>2026-03-03: Paid in full 1</title>" in report.split("By ladder stage")[1]
    # The recovery curve's end labels name their currency.
    recovery = report.split('id="recovery"')[1].split("</section>")[0]
    labels = re.findall(r'class="end-label"[^>]*>([^<]*)<', recovery)
    assert {label.split()[0] for label in labels} == {"borrowers", "CNY", "USD"}
    # Charts scale to the page.
    for svg in re.findall(r'<svg class="chart"[^>]*>', report):
        assert "viewBox=" in svg and 'width="100%"' in svg
