"""The policy lab's engine: a book's days in process, on the product's own decision and event code.

The real system is the daily-run state machine on DynamoDB; at 10,000 accounts over 90 days on moto that takes
hours. This runs the same steps a run takes, in memory and in the same order, calling the same functions:

- each scheduled run (sim.local.template.run_instants) looks at the accounts due by its instant (the due index
  is a dict of next checks), applies the calendar (escalation.domain.calendar), decides (ladder.decide under
  service.context.context_for and the lender configuration), and records each action as the audit path does
  (domain.progress: progress_of / applied; the next check from ladder.next_check), calls, visits and legal
  reviews before texts, as the Map dispatches them before the outbox is drained;
- each borrower event is applied as the ingest applies it (domain.events.apply_event with the policy's plan
  limits, then domain.legal.review_after_event); an approval hands the review over and the referral is recorded
  as ReferToLegal records it.

What it leaves out, because no borrower of the lab's model can cause it: crashed dispatches and their recovery,
provider refusals, the re-check at send time (nothing happens between a run's decision and its sends here), and
operators' holds. tests/e2e/test_lab_agreement.py replays a sample through the real state machine with the
events the lab's borrowers sent and requires identical contacts.
"""

from __future__ import annotations

import heapq
import itertools
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import Any

from escalation.domain import calendar, legal
from escalation.domain.events import EventError, apply_event
from escalation.domain.ladder import decide, next_check, next_look
from escalation.domain.messages import sms_parts
from escalation.domain.model import Account, Action, ContactKey, LegalState, Stage, Status, account_from
from escalation.domain.numbers import NumberStatus
from escalation.domain.progress import applied, progress_of
from escalation.domain.strategy import Configuration
from escalation.domain.tasks import call_window, visit_window
from escalation.domain.windows import zone
from escalation.service.context import context_for, policy_version, profile_of
from escalation.service.texts import render_text

from ..local.template import load_template, run_instants
from .behaviour import Answer, Behaviour

EVENT, RUN = 0, 1  # at the same instant, events before runs (as the harness orders them)
FIRST_ACTIONS = (Action.CALL, Action.VISIT, Action.LEGAL_REVIEW)  # the Map's dispatches; texts after, from the outbox


@dataclass
class LabRun:
    """What a book did under one configuration: the export's records (docs/SCENARIOS.md) and the events sent."""

    contacts: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)  # events.jsonl's form: note "applied" or "rejected: ..."
    answers: list[Answer] = field(default_factory=list)  # what the borrowers sent, to replay through the real system
    accounts: dict[str, Account] = field(default_factory=dict)
    account_days: int = 0
    runs: int = 0


class Lab:
    """One book, one configuration, one behaviour model: `run()` walks every day and returns a LabRun."""

    def __init__(self, scenario: Any, config: Configuration, behaviour: Behaviour, template: dict[str, Any] | None = None) -> None:
        self.scenario, self.config, self.behaviour = scenario, config, behaviour
        self.template = template or load_template()
        self.out = LabRun()
        self.due: dict[str, datetime | None] = {}
        self.tokens: set[str] = set()  # accounts whose review workflow waits for a decision (its task token parked)
        self.queue: list[tuple[datetime, int, int, Any]] = []
        self.order = itertools.count()

    # ------------------------------------------------------------------ the walk
    def run(self) -> LabRun:
        start = datetime.combine(self.scenario.start, time(0), tzinfo=UTC)
        end = start + timedelta(days=self.scenario.days)
        for raw in self.scenario.accounts:
            self._enroll(raw, start)
        for offset in range(self.scenario.days):
            for instant, _ in run_instants(self.template, self.scenario.start + timedelta(days=offset)):
                self._push(instant, RUN, None)
        while self.queue:
            instant, kind, _, item = heapq.heappop(self.queue)
            if instant >= end:
                continue
            if kind == EVENT:
                self._apply(item, instant)
            else:
                self._run(instant)
        self.out.account_days = len(self.out.accounts) * self.scenario.days
        return self.out

    def _push(self, instant: datetime, kind: int, item: Any) -> None:
        heapq.heappush(self.queue, (instant, kind, next(self.order), item))

    def _enroll(self, raw: dict[str, Any], at: datetime) -> None:
        account = account_from(raw, self.scenario.profile)
        assignment = self.config.assign(account.account_id, account.product, account.segment)
        account = account.with_changes(
            policy=assignment.policy, arm=assignment.arm, experiment=assignment.experiment, number=NumberStatus(account.phone)
        )
        ctx = context_for(account, at, self.config)
        self._store(account, next_check(account, ctx, ctx.today))

    def _store(self, account: Account, due: datetime | None) -> None:
        self.out.accounts[account.account_id] = account
        self.due[account.account_id] = due

    # ------------------------------------------------------------------ a daily run
    def _run(self, instant: datetime) -> None:
        self.out.runs += 1
        for account_id in sorted(a for a, due in self.due.items() if due is not None and due <= instant):
            self._assess(self.out.accounts[account_id], instant)

    def _assess(self, account: Account, now: datetime) -> None:
        ctx = context_for(account, now, self.config)
        for _, changed in calendar.dated_changes(account, ctx.profile, ctx.today):
            account = changed
        step = calendar.review_step(account, ctx.profile, ctx.today, "token" if account.account_id in self.tokens else None)
        if step is not None and step.kind in (calendar.EXPIRED, calendar.WITHDRAWN):
            account = step.account
            self.tokens.discard(account.account_id)
        elif step is not None and step.kind == calendar.HAND_OVER:
            self.tokens.discard(account.account_id)
            account = self._refer(account, now)
        chosen = decide(account, ctx)
        actions = sorted((d for d in chosen if d.action is not None), key=lambda d: d.action not in FIRST_ACTIONS)
        if not actions:
            self._store(account, next_check(account, ctx, next_look(chosen, ctx)))
            return
        for decision in actions:
            account = self._record(account, ContactKey.parse(decision.key), decision.stage, now, f"lab-{now:%Y%m%dT%H%M}")

    def _record(
        self, account: Account, key: ContactKey, stage: Stage, now: datetime, run_id: str, decided_by: str | None = None
    ) -> Account:
        """A contact made and recorded: the audit record, the ladder's progress, the next check, the borrower's answers."""
        ctx = context_for(account, now, self.config)
        policy = self.config.policy_for(account)
        to = text = expires = None
        if key.action is Action.SMS:
            to, text = account.phone, render_text(account, policy.text_template(key.rule), key.day, self.config.senders)
        elif key.action is Action.CALL:
            to, expires = account.phone, call_window(now, ctx.zones, ctx.profile).expires_at
        elif key.action is Action.VISIT:
            expires = visit_window(now, ctx.zones, ctx.profile).expires_at
        progress = progress_of(account, key, stage, expires)
        following = next_check(applied(account, progress), ctx, key.day)
        stored = applied(account, progress).with_changes(claims={**account.claims, str(key): "done"})
        if key.action is Action.LEGAL_REVIEW:
            stored = stored.with_changes(legal_state=LegalState.PENDING, legal_approvals={})
            self.tokens.add(account.account_id)
        self._store(stored, following)
        contact = self._contact(account, key, stage, now, run_id, to, text, expires, decided_by)
        self.out.contacts.append(contact)
        offers_plans = policy.plans is not None
        for answer in self.behaviour.answer(contact, stored, offers_plans, ctx.profile.legal_approvals):
            self._push(answer.at, EVENT, answer)
        return stored

    def _contact(self, account: Account, key: ContactKey, stage: Stage, now: datetime, run_id: str, to: str | None,
                 text: str | None, expires: datetime | None, decided_by: str | None) -> dict[str, Any]:  # fmt: skip
        assignment = self.config.assignment_of(account)
        record = {
            "account_id": account.account_id,
            "action": key.action.value,
            "stage": stage.value,
            "purpose": key.rule,
            "at": _z(now),
            "local_time": now.astimezone(zone(context_for(account, now, self.config).zones[0])).isoformat(),
            "to": to,
            "text": text,
            "parts": sms_parts(text) if text is not None else None,
            "run_id": run_id,
            "policy": assignment.policy,
            "policy_version": policy_version(self.config.policy(assignment.policy)),
            "arm": assignment.arm,
            "profile": profile_of(account).code,
            "key": str(key),
            "expires_at": _z(expires) if expires else None,
            "approved_by": decided_by,
        }
        return {k: v for k, v in record.items() if v is not None}

    # ------------------------------------------------------------------ borrower events
    def _apply(self, answer: Answer, now: datetime) -> None:
        event = answer.event
        account = self.out.accounts[event["account_id"]]
        self.out.answers.append(answer)
        ctx = context_for(account, now, self.config)
        logged = {"at": now.isoformat(), "account_id": account.account_id, "type": event["type"]}
        fields = {k: v for k, v in event.items() if k not in ("type", "account_id")}
        if event["type"] == "legal_decision" and not (legal.waiting(account) and account.account_id in self.tokens):
            self.out.events.append(logged | fields | {"note": "rejected: account_id: no legal review is waiting for a decision"})
            return
        if event["type"] == "legal_decision":
            event = event | {"decided_at": now.isoformat()}
        try:
            outcome = apply_event(account, event, ctx.today, ctx.profile, self.config.policy_for(account).plans)
        except EventError as exc:
            self.out.events.append(logged | fields | {"note": f"rejected: {exc}"})
            return
        changed, why = legal.review_after_event(account, outcome.account, event["type"], ctx.profile, ctx.today, outcome.promise_kept)
        self._store(changed, next_check(changed, context_for(changed, now, self.config), ctx.today))
        self.out.events.append(logged | fields | {"note": "applied", "effect": outcome.note})
        if account.account_id not in self.tokens:
            return
        if changed.legal_state in (LegalState.WITHDRAWN, LegalState.REJECTED):
            self.tokens.discard(account.account_id)
        elif legal.approved(changed, ctx.profile) and not legal.approved(account, ctx.profile) and why is None:
            self.tokens.discard(account.account_id)
            self._refer(changed, now)

    def _refer(self, account: Account, decided_at: datetime) -> Account:
        """ReferToLegal: the referral re-checked, handed to the legal partner and recorded (escalation.service.referral)."""
        ctx = context_for(account, decided_at, self.config)
        if account.legal_state is LegalState.PENDING and (why := legal.blocker(account, ctx.profile)) is not None:
            closed = legal.end(account, LegalState.WITHDRAWN, ctx.today, why).account
            self._store(closed, next_check(closed, ctx, ctx.today))
            return closed
        if account.status is not Status.ACTIVE:
            return account
        key = ContactKey(ctx.today, Action.LEGAL_REFERRAL, "legal_referral")
        approvers = legal.approvers_text(account) or None
        recorded = self._record(account, key, Stage.LEGAL, decided_at, "legal-review", approvers)
        referred = legal.referred(recorded, ctx.today)
        self._store(referred, None)
        return referred


def _z(instant: datetime) -> str:
    return instant.astimezone(UTC).isoformat().replace("+00:00", "Z")
