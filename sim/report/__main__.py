"""`python -m sim.report OUT_DIR`: (re)draw OUT_DIR/report.html from a scenario export."""

import sys

from . import main

sys.exit(main(sys.argv[1:]))
