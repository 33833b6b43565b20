"""Operator commands against a deployed stack (by stack name) or the local harness: `python -m ops --help`."""

import sys
from pathlib import Path

# The commands share the product's own domain words (the phone masker): functions/ is on the path.
_FUNCTIONS = str(Path(__file__).resolve().parents[1] / "functions")
if _FUNCTIONS not in sys.path:
    sys.path.append(_FUNCTIONS)
