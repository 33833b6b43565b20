"""`python -m sim.bench --out DIR [--quick]` (`make bench`): see sim/bench/__init__.py."""

import sys

from .run import main

raise SystemExit(main(sys.argv[1:]))
