"""`make local`: the stack of template.yaml on moto's server mode, kept running, operable like a deployed one.

    python -m sim.local.server [--port 5000] [--stack local] [--book scenarios/local-book.json]

The same LocalStack as tests, scenarios and the demo (the same resources, ASL files and handlers, run in this
process), plus:

* a real HTTP endpoint (moto's server, in this process, on the same state): the ops CLI
  (`python -m ops --endpoint-url http://localhost:5000 --stack local ...`) and the AWS CLI (`--endpoint-url`)
  work against it. The stack's resources are published as the SSM parameter the ops CLI reads; the control
  endpoint's /operator-command stands in for OperatorCommandsFunction's URL (the caller: what STS says of the
  CLI's credentials, or `--as NAME`'s session of the stack's role);
* Lambda's event source mappings: the borrower-event queue and the SMS outbox are drained every moment, so an
  event put on the bus (an operator's pause, a reviewer's approval) is applied at once;
* a simulated clock, advanced a day at a time on request: `make local-day [DATE=YYYY-MM-DD]` asks this process
  (a small HTTP control endpoint on port+1) to run every scheduled run of the next day (or of each day through
  DATE), as EventBridge Scheduler would, with contacts timed at the runs' scheduled instants.

It starts with a small book (`--book`, a scenario file: its accounts and its events) and stops with Ctrl-C.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from ops.commands import LOCAL_CLOCK_PARAMETER, LOCAL_RESOURCES_PARAMETER

from ..scenarios.files import ScenarioError, instant_of, load_scenario
from ..scenarios.replay import Replay
from . import appconfig
from .stack import REGION, LocalStack
from .template import ROOT

DEFAULT_BOOK = ROOT / "scenarios" / "local-book.json"


class LocalServer:
    """The local stack, its HTTP endpoint, its event source mappings and its simulated clock."""

    def __init__(self, port: int, stack_name: str, book: Path) -> None:
        self.port, self.stack_name, self.book = port, stack_name, book
        self.lock = threading.RLock()  # one harness step at a time: a day's runs, or draining the queues
        self.stopping = threading.Event()
        self.last_day: date | None = None

    def start(self) -> None:
        from moto.server import ThreadedMotoServer

        scenario = load_scenario(self.book)
        self.stack = LocalStack(name=self.stack_name)
        self.stack.start()
        self.moto = ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)
        self.moto.start()
        # AppConfig beyond moto's (sim/local/appconfig.py) for the endpoint's clients too, on this process's state.
        self.moto._server.app = appconfig.wsgi(self.moto._server.app)
        self.replay = Replay(scenario, self.stack)
        with self.lock:
            self.replay.enroll_accounts()
            for event in scenario.events:  # the book's history (outcomes, visits...), before its first day
                self.replay.apply(event, _at(event))
        self.first_day = scenario.start
        ssm = self.stack.client("ssm")
        resources = {k: v for k, v in self.stack.refs.items() if k in self.stack.template["Resources"]} | {
            "AWS::StackName": self.stack_name
        }
        ssm.put_parameter(Name=LOCAL_RESOURCES_PARAMETER.format(stack=self.stack_name), Value=json.dumps(resources), Type="String")
        threading.Thread(target=self._event_source_mappings, name="event-sources", daemon=True).start()
        self.control = ThreadingHTTPServer(("127.0.0.1", self.port + 1), _control(self))
        threading.Thread(target=self.control.serve_forever, name="control", daemon=True).start()

    def stop(self) -> None:
        self.stopping.set()
        self.control.shutdown()
        self.moto.stop()
        self.stack.stop()

    def _event_source_mappings(self) -> None:
        """What Lambda's SQS event sources do in AWS: borrower events and texts are taken as they arrive."""
        while not self.stopping.wait(0.25):
            with self.lock:
                if self.stack.poll_queues():
                    self.replay._wait_for_pending_reviews()

    def advance(self, through: date | None) -> list[dict[str, Any]]:
        """Run the next simulated day, or every day through `through`; what each day's runs did."""
        with self.lock:
            first = self.last_day + timedelta(days=1) if self.last_day else self.first_day
            last = through or first
            if last < first:
                raise ValueError(f"date: {last} is already simulated (the clock is at {self.last_day})")
            done = []
            day = first
            while day <= last:
                done.append({"date": day.isoformat(), **self.replay.run_day(day)})
                self.last_day = day
                day += timedelta(days=1)
            self.stack.client("ssm").put_parameter(
                Name=LOCAL_CLOCK_PARAMETER.format(stack=self.stack_name), Value=self.last_day.isoformat(), Type="String", Overwrite=True
            )
            return done

    def banner(self) -> str:
        endpoint = f"http://localhost:{self.port}"
        outputs = {k: self.stack.refs[k] for k in ("BorrowerEventBus", "AccountsTable", "ContactsTable", "NumbersTable", "ManifestBucket")}
        lines = [
            f"local stack {self.stack_name!r} on {endpoint} (moto {REGION}; book {self.book.name}: "
            f"{len(self.replay.scenario.accounts)} accounts, first day {self.first_day})",
            *(f"  {k:<18} {v}" for k, v in outputs.items()),
            "",
            "advance the simulated clock:  make local-day            (the next day)",
            "                              make local-day DATE=YYYY-MM-DD   (every day through DATE)",
            f"operate it:                   .venv/bin/python -m ops --endpoint-url {endpoint} --stack {self.stack_name} legal list",
            f"                              .venv/bin/python -m ops --endpoint-url {endpoint} --stack {self.stack_name}"
            " legal approve ACCOUNT --as alice   (then --as bob: four eyes)",
            f"                              aws --endpoint-url {endpoint} --region {REGION} dynamodb scan"
            f" --table-name {outputs['AccountsTable']}",
            "stop: Ctrl-C",
        ]
        return "\n".join(lines)


def _at(event: dict[str, Any]) -> Any:
    return instant_of(event["at"])


def _control(server: LocalServer) -> type[BaseHTTPRequestHandler]:
    class Control(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            if self.path == "/operator-command":
                self._operator_command()
                return
            if self.path != "/day":
                self._send(404, {"error": f"no such path {self.path}"})
                return
            try:
                body = self._body()
                through = date.fromisoformat(body["date"]) if body.get("date") else None
                self._send(200, {"days": server.advance(through)})
            except (ValueError, KeyError) as exc:
                self._send(400, {"error": str(exc)})

        def _operator_command(self) -> None:
            """OperatorCommandsFunction's URL, locally: the ops CLI sends the command and the caller STS named."""
            try:
                body = self._body()
                command, caller = body["command"], body["caller"]
            except (ValueError, KeyError) as exc:
                self._send(400, {"status": "refused", "reason": f"body: expected command and caller ({exc})"})
                return
            with server.lock:
                answer = server.stack.operator_command(command, caller)
            self._send(answer["statusCode"], answer["body"])

        def _body(self) -> Any:
            return json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")

        def _send(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:  # quiet: the banner and the day lines are the output
            pass

    return Control


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sim.local.server", description="The stack on moto's server mode (make local).")
    parser.add_argument("--port", type=int, default=5000, help="the endpoint's port (the control endpoint takes the next one)")
    parser.add_argument("--stack", default="local", help="the stack's name (its resources are named after it)")
    parser.add_argument("--book", type=Path, default=DEFAULT_BOOK, help="a scenario file: the accounts and history to start with")
    args = parser.parse_args(argv)
    server = LocalServer(args.port, args.stack, args.book)
    try:
        server.start()
    except (ScenarioError, OSError) as exc:
        print(f"local stack did not start: {exc}", file=sys.stderr)
        return 2
    print(server.banner(), flush=True)
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    try:
        stopped.wait()
    except KeyboardInterrupt:
        pass
    server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
