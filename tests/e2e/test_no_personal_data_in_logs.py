"""No borrower's phone number in the functions' logs, nor in the state machines' execution history.

The example scenarios (tests/examples.py) and a small demo run exactly as `make scenario`
and `make demo` do (sim.scenarios.run_scenario, sim.scenarios.demo.main), on a LocalStack that also keeps,
before it stops, every execution history and the accounts' numbers. The stack collects every log
record the handlers emit (formatted, i.e. masked, by escalation.logs; INFO and above) and the run
writes them to logs.jsonl. The state machines should carry ids, actions and keys only: no phone
number and no SMS text in any execution history (daily runs, legal reviews) nor in any Task
state's payload — moto does not expose the Distributed Map children's histories, so the payloads
the harness served (LocalStack.invocations: each Task's Lambda event and result) stand in for them.
"""

import functools
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import phonenumbers
import pytest

from tests.examples import EXAMPLES, example

DEMO = ["--borrowers", "8", "--days", "6", "--seed", "3"]


@dataclass
class Run:
    name: str
    phones: set[str]  # every account's phone and emergency contacts, E.164
    logs: str  # logs.jsonl as written
    histories: list[dict[str, Any]]  # {"execution", "events"} for every daily run and legal review
    invocations: list[dict[str, Any]]  # every Task state's Lambda event and result
    texts: list[str]  # the SMS texts sent


def _paged(call: Any, key: str, **kwargs: Any) -> Iterator[dict[str, Any]]:
    while True:
        page = call(**kwargs)
        yield from page[key]
        if not page.get("nextToken"):
            return
        kwargs["nextToken"] = page["nextToken"]


def _an_account_of(event: dict[str, Any]) -> str | None:
    """An account a handler's event is about: a decision's, a review's, a batch's first, an SQS batch's first message's."""
    if account_id := event.get("account_id") or (event.get("review") or {}).get("account_id"):
        return account_id
    if event.get("account_ids"):
        return event["account_ids"][0]
    for record in event.get("Records") or []:
        try:
            body = json.loads(record.get("body") or "{}")
        except (TypeError, ValueError):
            continue
        if isinstance(body, dict) and body.get("account_id"):
            return body["account_id"]
    return None


def _recording_stack(recorded: list[Any]) -> Any:
    """A LocalStack that records Task payloads and, before it stops, every execution history and phone.

    It also probes the masking with the run's real numbers: before each handler call for an
    account, it logs through the functions' logger (escalation.logs) what a careless handler
    might — the account's numbers as keys, in the message, and once in an exception's message —
    so that logs.jsonl would show them if masking failed.
    """
    from sim.local.stack import LocalStack

    class Recording(LocalStack):
        def call_handler(self, logical: str, event: dict[str, Any]) -> Any:
            if account_id := _an_account_of(event):
                self._probe(account_id, logical)
            return super().call_handler(logical, event)

        def _probe(self, account_id: str, logical: str) -> None:
            from escalation.aws import dynamo
            from escalation.logs import make_logger

            if not getattr(self, "numbers", None):
                self.numbers = {a.account_id: (a.phone, list(a.emergency_contacts)) for a in dynamo.all_accounts()}
            phone, contacts = self.numbers.get(account_id, (None, []))
            if phone is None:
                return
            logger = make_logger()
            details = {"account_id": account_id, "phone": phone, "account": {"emergency_contacts": contacts, "name": "Borrower"}}
            logger.info(f"probe: {logical} for {account_id} at {phone}", extra=details)
            if not getattr(self, "probed_exception", False):
                self.probed_exception = True
                try:
                    raise RuntimeError(f"probe: provider refused {phone} ({contacts!r}) {details!r}")
                except RuntimeError:
                    logger.exception("probe: handler failed", extra={"account_id": account_id})

        def stop(self) -> None:
            from escalation.aws import dynamo

            sfn = self.sfn
            self.histories = [
                {
                    "execution": e["executionArn"],
                    "events": list(_paged(sfn.get_execution_history, "events", executionArn=e["executionArn"])),
                }
                for machine in ("DailyRunStateMachine", "LegalReviewStateMachine")
                for e in _paged(sfn.list_executions, "executions", stateMachineArn=self.arn(machine))
            ]
            self.phones = {p for a in dynamo.all_accounts() for p in (a.phone, *a.emergency_contacts)}
            recorded.append(self)
            super().stop()

    return functools.partial(Recording, record_invocations=True)


def _run(name: str, module: Any, go: Any, out: Path) -> Run:
    recorded: list[Any] = []
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(module, "LocalStack", _recording_stack(recorded))
        go()
    (stack,) = recorded
    contacts = [json.loads(line) for line in (out / "contacts.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
    return Run(
        name=name,
        phones=stack.phones,
        logs=(out / "logs.jsonl").read_text(encoding="utf-8"),
        histories=stack.histories,
        invocations=stack.invocations,
        texts=[c["text"] for c in contacts if c.get("text")],
    )


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, Run]:
    import sim.scenarios.demo
    import sim.scenarios.run

    done = {}
    for name in EXAMPLES:
        path, out = example(name), tmp_path_factory.mktemp(name.removesuffix(".json"))
        done[name] = _run(name, sim.scenarios.run, functools.partial(sim.scenarios.run.run_scenario, path, out), out)
    out = tmp_path_factory.mktemp("demo")
    done["demo"] = _run("demo", sim.scenarios.demo, functools.partial(sim.scenarios.demo.main, [*DEMO, "--out", str(out)]), out)
    return done


@pytest.fixture(params=[*EXAMPLES, "demo"])
def run(request, runs) -> Run:
    return runs[request.param]


def number_forms(e164: str) -> set[str]:
    """The forms a number could leak in: E.164, and the national number's digits (e.g. 13800138000, 2125550123)."""
    national = phonenumbers.format_number(phonenumbers.parse(e164), phonenumbers.PhoneNumberFormat.NATIONAL)
    return {e164, re.sub(r"\D", "", national)}


def leaks(text: str, phones: set[str]) -> list[str]:
    """The account numbers found in text, in any form (a digit run only when not part of a longer one)."""
    return sorted({form for phone in phones for form in number_forms(phone) if re.search(rf"(?<![\d+]){re.escape(form)}(?!\d)", text)})


def strings(value: Any) -> Iterator[str]:
    """Every string in a JSON value, decoding strings that are JSON themselves (state inputs and outputs)."""
    if isinstance(value, dict):
        for v in value.values():
            yield from strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from strings(v)
    elif isinstance(value, str):
        yield value
        if value[:1] in '{["':
            try:
                decoded = json.loads(value)
            except ValueError:
                return
            yield from strings(decoded)
    elif value is not None:
        yield str(value)


def test_the_runs_produce_logs_histories_and_contacts(run):
    assert run.phones
    records = [json.loads(line) for line in run.logs.splitlines()]
    assert records, "logs.jsonl is empty: the check below would prove nothing"
    assert any(r["level"] == "INFO" for r in records)
    probes = [r for r in records if r["message"].startswith("probe:")]
    assert probes and any("exception" in r for r in probes), "the masking was not exercised with the run's numbers"
    masked = [r for r in probes if "phone" in r]
    assert masked and all(re.fullmatch(r"\+\d{1,3}\*{5}\d\d", r["phone"]) and r["account"]["name"] == "*****" for r in masked)
    assert run.histories and all(h["events"] for h in run.histories)
    assert run.invocations and run.texts


def test_no_phone_number_in_the_logs(run):
    assert leaks(run.logs, run.phones) == []
    decoded = "\n".join(strings([json.loads(line) for line in run.logs.splitlines()]))
    assert leaks(decoded, run.phones) == []


def test_no_phone_number_nor_sms_text_in_execution_history(run):
    for history in run.histories:
        text = "\n".join(strings(history["events"]))
        assert leaks(text, run.phones) == [], history["execution"]
        assert [t for t in run.texts if t in text] == [], history["execution"]


def test_no_phone_number_nor_sms_text_in_task_state_payloads(run):
    for invocation in run.invocations:
        text = "\n".join(strings([invocation["event"], invocation["result"]]))
        where = f"{invocation['function']}: {text[:300]}"
        assert leaks(text, run.phones) == [], where
        assert [t for t in run.texts if t in text] == [], where
