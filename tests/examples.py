"""The example scenario files the tests replay: the project's own copies under scenarios/, or the lender's
published originals (../shared/scenarios, or $SHARED_DIR/scenarios) when that directory is present.

The repository stands alone: no test needs ../shared. Where the originals are present they are the ones
replayed (they are the acceptance source), and tests/unit/test_scenario_validation.py fails if the
project's copies have drifted from them.
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PROJECT = ROOT / "scenarios"
PUBLISHED = Path(os.environ.get("SHARED_DIR") or ROOT.parent / "shared") / "scenarios"
EXAMPLES = ("cn_ladder.json", "us_windows.json")


def example(name: str) -> Path:
    """The published original when present, else the project's copy."""
    published = PUBLISHED / name
    return published if published.is_file() else PROJECT / name
