"""`make local` and the README's walk-through: the stack on moto's server mode, operated over HTTP by the ops CLI.

The server runs in its own process (as `make local` does), on a free port; the clock is advanced with
`sim.local.day` (`make local-day`) and every command is the README's, as a newcomer types it.
"""

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ENV = {**os.environ, "PYTHONPATH": "functions:."}


def _free_port_pair() -> int:
    """A port whose successor is free too (the control endpoint takes port + 1)."""
    for _ in range(50):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        with socket.socket() as a, socket.socket() as b:
            try:
                a.bind(("127.0.0.1", port))
                b.bind(("127.0.0.1", port + 1))
            except OSError:
                continue
        return port
    raise RuntimeError("no free pair of ports")


@pytest.fixture(scope="module")
def local():
    port = _free_port_pair()
    server = subprocess.Popen(
        [sys.executable, "-m", "sim.local.server", "--port", str(port)],
        cwd=ROOT,
        env=ENV,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    banner = []
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        line = server.stdout.readline()
        if not line:
            break
        banner.append(line)
        if line.startswith("stop: Ctrl-C"):
            break
    else:
        server.kill()
        pytest.fail("the local stack did not start")
    if server.poll() is not None:
        pytest.fail(f"the local stack stopped: {server.stderr.read()[-2000:]}")
    yield port, "".join(banner)
    server.terminate()
    server.wait(timeout=30)


def run(*argv: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", *argv], cwd=ROOT, env=ENV, capture_output=True, text=True, timeout=300)


def ops(port: int, *argv: str) -> subprocess.CompletedProcess:
    return run("ops", "--endpoint-url", f"http://localhost:{port}", "--stack", "local", *argv)


def test_the_banner_names_the_endpoint_the_outputs_and_how_to_advance_the_clock(local):
    port, banner = local
    assert f"http://localhost:{port}" in banner
    assert "local-AccountsTable" in banner and "local-borrower-events" in banner
    assert "make local-day" in banner


def test_the_readme_walk_through(local):
    port, _ = local
    days = run("sim.local.day", "--port", str(port), "--date", "2026-03-03")
    assert days.returncode == 0, days.stderr
    lines = days.stdout.splitlines()
    assert lines[0].split()[:3] == ["day", "due", "sms"] and [line.split()[0] for line in lines[1:]] == [
        "2026-03-01",
        "2026-03-02",
        "2026-03-03",
    ]

    listed = ops(port, "legal", "list")
    assert listed.returncode == 0 and "CN-LEGAL" in listed.stdout and "8000.00 CNY" in listed.stdout
    # Four eyes: two people, each as their own session of the stack's reviewers' role; the same person twice is refused.
    alice = ops(port, "legal", "approve", "CN-LEGAL", "--as", "alice", "--reviewer", "checked the file")
    assert alice.returncode == 0, alice.stderr
    assert alice.stdout.startswith("approve sent for CN-LEGAL as arn:aws:sts::123456789012:assumed-role/local-ReviewerRole/alice")
    assert "(note: checked the file)" in alice.stdout
    _until(lambda: ops(port, "--json", "timeline", "CN-LEGAL"), lambda r: "1 of 2 approvals" in r.stdout)
    again = ops(port, "legal", "approve", "CN-LEGAL", "--as", "alice")
    assert again.returncode == 2 and "refused: principal: alice approved this review already" in again.stderr
    bob = ops(port, "legal", "approve", "CN-LEGAL", "--as", "bob")
    assert bob.returncode == 0, bob.stderr
    paused = ops(port, "account", "pause", "US-LATE", "--by", "you")
    assert paused.returncode == 0, paused.stderr

    timeline = _until(lambda: ops(port, "timeline", "CN-LEGAL", "--json"), lambda r: "legal_referral" in r.stdout)
    shown = json.loads(timeline.stdout)  # the options after the command, as well as before it
    assert shown["account"]["status"] == "legal" and shown["account"]["phone"] == "+86*****11"
    [referral] = [c for c in shown["contacts"] if c["action"] == "legal_referral"]
    assert "assumed-role/local-ReviewerRole/alice at " in referral["decided_by"] and "ReviewerRole/bob at " in referral["decided_by"]
    # Decided on the simulated clock: the evening (UTC) of the last day it ran.
    assert [c["at"] for c in shown["contacts"] if c["action"] == "legal_referral"] == ["2026-03-03T21:00:00Z"]
    held = _until(lambda: ops(port, "--json", "timeline", "US-LATE"), lambda r: "paused" in r.stdout)
    assert "paused" in json.loads(held.stdout)["account"]["holds"]

    report = ops(port, "runs", "report", "2026-03-03")
    assert report.returncode == 0 and "AsiaRun-20260303T0200" in report.stdout and "legal_review 1" in report.stdout

    preview = ops(port, "preview")
    assert preview.returncode == 0 and preview.stdout.startswith("preview of 2026-03-04"), preview.stderr
    figures = ops(port, "figures")
    assert figures.returncode == 0 and figures.stdout.startswith("figures of 4 account(s), ") and " to 2026-03-03, " in figures.stdout, (
        figures.stderr
    )
    assert "default-ladder/-" in figures.stdout and "right_party_contact_rate" in figures.stdout

    again = run("sim.local.day", "--port", str(port), "--date", "2026-03-02")
    assert again.returncode == 2 and "already simulated" in again.stderr


def test_a_smoke_run_verifies_the_stack_with_one_synthetic_account(local):
    port, _ = local
    done = ops(port, "smoke", "--phone", "+12125550199")  # the evening (UTC) of the last simulated day: 17:00 in New York
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("smoke account SMOKE-") and "SUCCEEDED; 1 contact(s), then paused" in done.stdout
    assert "sms pre_due to +1*****99" in done.stdout


def test_a_command_against_no_local_stack_says_so_in_one_line():
    done = ops(_free_port_pair(), "legal", "list")
    assert done.returncode == 2 and done.stderr.startswith("error: ") and len(done.stderr.strip().splitlines()) == 1


def _until(call, ok, timeout: float = 20):
    deadline = time.monotonic() + timeout
    while True:
        result = call()
        if result.returncode == 0 and ok(result):
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"{result.stdout[-500:]} {result.stderr[-500:]}")
        time.sleep(0.2)
