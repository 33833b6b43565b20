"""`make scenario SCENARIO=file.json OUT=dir [JSON=1]`: validate, replay, export.

    python -m sim.scenarios SCENARIO.json OUT_DIR [--json]

Exit 0 when the scenario ran; 2 with a one-line reason on stderr when the file is invalid (nothing runs)
or the run broke.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from ..local.stack import LocalStack
from .export import export
from .files import ScenarioError, load_scenario
from .replay import Replay


def run_scenario(path: Path, out: Path) -> dict[str, Any]:
    scenario = load_scenario(path)
    with LocalStack() as stack:
        replay = Replay(scenario, stack)
        replay.run()
        summary = export(replay, out)
    for error in summary["handler_errors"]:
        print(f"handler error: {error}", file=sys.stderr)
    return summary


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python -m sim.scenarios SCENARIO.json OUT_DIR", file=sys.stderr)
        return 2
    try:
        summary = run_scenario(Path(argv[0]), Path(argv[1]))
    except ScenarioError as exc:
        print(f"invalid scenario: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # noqa: BLE001 - one line for the operator, not a traceback
        print(f"scenario run broke: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
