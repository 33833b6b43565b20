"""`make demo` in miniature: the seeded simulation runs end to end and prints its table and funnel."""

import json
from datetime import date

from sim.scenarios import validate
from sim.scenarios.demo import main, synthetic_scenario


def test_synthetic_book_is_a_valid_scenario():
    raw = synthetic_scenario(borrowers=40, days=60, start=date(2026, 3, 1), seed=7)
    scenario = validate(raw, "demo")
    assert len(scenario.accounts) == 40
    assert {a["profile"] for a in scenario.accounts} == {"CN", "US", "EU"}


def test_demo_runs_and_reports(tmp_path, capsys):
    assert main(["--borrowers", "6", "--days", "6", "--seed", "3", "--out", str(tmp_path)]) == 0
    printed = capsys.readouterr().out
    assert "day" in printed and "Funnel (accounts)" in printed
    assert "paid_to_date" in printed  # the one cumulative column says so
    assert '{"_aws"' not in printed  # no metric lines in the table (metrics are disabled locally)
    assert printed.count("2026-03-0") >= 6  # one line per simulated day
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["accounts"] == 6
    assert summary["contacts"]["sms"] > 0
    assert (tmp_path / "contacts.jsonl").read_text().strip()


def test_make_scenario_json_prints_only_the_summary(tmp_path, capsys):
    """`make scenario ... JSON=1`: stdout parses as the summary; no progress lines when stderr is not a terminal."""
    from sim.scenarios.run import main as scenario_main

    raw = synthetic_scenario(borrowers=3, days=3, start=date(2026, 3, 1), seed=5)
    path = tmp_path / "book.json"
    path.write_text(json.dumps(raw))
    assert scenario_main([str(path), str(tmp_path / "out"), "--json"]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out) == json.loads((tmp_path / "out" / "summary.json").read_text())
    assert "2026-03-01" not in captured.err
