"""`make scenario SCENARIO=file.json OUT=dir [JSON=1]`: validate, replay, export.

    python -m sim.scenarios SCENARIO.json OUT_DIR [--json]

stdout: a short summary for a person, or with --json the summary (summary.json) as JSON and nothing else.
stderr: one line per simulated day when it is a terminal; handler errors; the reason a run did not happen.
Exit 0 when the scenario ran; 2 with a one-line reason on stderr when the file is invalid (nothing runs)
or the run broke.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from ..local.stack import LocalStack
from .export import export
from .files import ScenarioError, load_scenario
from .replay import Replay

Progress = Callable[[date, dict[str, int]], None]


def run_scenario(path: Path, out: Path, progress: Progress | None = None) -> dict[str, Any]:
    scenario = load_scenario(path)
    with LocalStack() as stack:
        replay = Replay(scenario, stack, progress)
        replay.run()
        summary = export(replay, out)
    for error in summary["handler_errors"]:
        print(f"handler error: {error}", file=sys.stderr)
    return summary


def print_day(day: date, counts: dict[str, int]) -> None:
    """A day's line on stderr: what the runs did that day (the same counts as days.jsonl)."""
    done = "  ".join(f"{name} {value}" for name, value in counts.items() if value)
    print(f"{day.isoformat()}  {done or 'nothing due'}", file=sys.stderr, flush=True)


def describe(summary: dict[str, Any], out: Path) -> str:
    """The summary for a person: what ran, what was sent, where the outputs are."""
    contacts = ", ".join(f"{action} {n}" for action, n in summary["contacts"].items()) or "none"
    statuses = ", ".join(f"{status} {n}" for status, n in summary["statuses"].items())
    lines = [
        f"{summary['name']}: {summary['accounts']} accounts over {summary['days']} days, {summary['runs']} runs",
        f"  contacts   {contacts}",
        f"  accounts   {statuses}",
        f"  outputs    {out}/ (summary.json, contacts.jsonl, accounts.json, report.html, ...)",
    ]
    if summary["handler_errors"]:
        lines.append(f"  handler errors: {len(summary['handler_errors'])} (on stderr above)")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m sim.scenarios", description="Replay a scenario file through the real system.")
    parser.add_argument("scenario", type=Path, help="the scenario file (docs/SCENARIOS.md)")
    parser.add_argument("out", type=Path, help="the directory for the outputs")
    parser.add_argument("--json", action="store_true", help="print summary.json on stdout and nothing else")
    args = parser.parse_args(argv)
    progress = print_day if sys.stderr.isatty() else None
    try:
        summary = run_scenario(args.scenario, args.out, progress)
    except ScenarioError as exc:
        print(f"invalid scenario: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # noqa: BLE001 - one line for the operator, not a traceback
        print(f"scenario run broke: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(summary, indent=2, ensure_ascii=False) if args.json else describe(summary, args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
