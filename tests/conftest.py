"""Fixtures every test directory shares: scenarios run once per module, lazily (their output: tests.support.ScenarioOutput)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from tests.support import ScenarioOutput


@pytest.fixture(scope="module")
def run_scenarios(tmp_path_factory) -> Callable[[str, dict[str, Any]], ScenarioOutput]:
    """run(name, scenario) -> its output; each scenario runs once per module, on first use, through `make scenario`'s code."""
    done: dict[str, ScenarioOutput] = {}

    def run(name: str, scenario: dict[str, Any]) -> ScenarioOutput:
        if name not in done:
            from sim.scenarios import run_scenario

            work = tmp_path_factory.mktemp(name)
            path = work / f"{name}.json"
            path.write_text(json.dumps(scenario, indent=2, ensure_ascii=False), encoding="utf-8")
            done[name] = ScenarioOutput(work / "out", run_scenario(path, work / "out"))
        return done[name]

    return run
