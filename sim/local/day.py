"""`make local-day [DATE=YYYY-MM-DD]`: advance the running local stack's clock (make local) by a day, or through DATE.

    python -m sim.local.day [--port 5000] [--date YYYY-MM-DD]

Asks the local stack's control endpoint (port+1) to run every scheduled run of each day, and prints one line
per day: accounts due and what the runs did (as `make demo` does).
"""

from __future__ import annotations

import argparse
import json
import sys
import urllib.error
import urllib.request

COLUMNS = ("due", "sms", "call", "visit", "legal_review", "legal_referral")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sim.local.day", description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=5000, help="the local stack's endpoint port (as given to make local)")
    parser.add_argument("--date", help="run every day through this date (default: the next day only)")
    args = parser.parse_args(argv)
    body = json.dumps({"date": args.date} if args.date else {}).encode()
    request = urllib.request.Request(f"http://127.0.0.1:{args.port + 1}/day", data=body, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=3600) as response:  # noqa: S310 - localhost
            days = json.loads(response.read())["days"]
    except urllib.error.HTTPError as exc:
        print(f"error: {json.loads(exc.read()).get('error', exc)}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"error: no local stack on port {args.port} ({exc}); start one with `make local`", file=sys.stderr)
        return 2
    print(f"{'day':<12}" + "".join(f"{c:>15}" for c in COLUMNS))
    for day in days:
        print(f"{day['date']:<12}" + "".join(f"{day.get(c, 0):>15}" for c in COLUMNS))
    return 0


if __name__ == "__main__":
    sys.exit(main())
