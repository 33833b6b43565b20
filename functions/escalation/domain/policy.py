"""The escalation policy as data: the ladder's rules, validated when loaded, versioned.

A rule fires for an account on a local day when the day (relative to the due date) is
inside [start, end], its cadence allows it (once, or `every` days since it last fired),
and its condition holds (escalation.domain.expressions: named conditions, comparisons of
account facts, all/any/not). A policy also says which repayment plans agents may offer.
The default ladder is DOMAIN.md's; a lender ships its own as JSON of the same shape
(``Policy.from_dict``; schemas/policy.schema.json; docs/POLICIES.md).
"""

from __future__ import annotations

import hashlib
import json
import re
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from functools import cached_property
from typing import Any

from .expressions import ALWAYS, Condition, ConditionError, parse_condition
from .model import STATE_RULES, Action, Stage

# A rule's days (start, end, every) are at most a century: beyond any ladder, and keeping the
# ladder's date arithmetic far from the calendar's ends for the contract's due dates (2000-2199).
MAX_RULE_DAYS = 36_500
# The fields a policy document and each of its rules may have: anything else is refused, by name.
POLICY_FIELDS = ("$schema", "name", "description", "rules", "plans")
RULE_FIELDS = ("name", "action", "stage", "start", "end", "every", "condition", "template")
# The texts a collection SMS rule may send (escalation.domain.messages has each in every language). A rule named
# after one sends it; another takes its stage's, unless it names one (`template`).
TEXT_TEMPLATES = ("pre_due", "reminder", "follow_up")
STAGE_TEMPLATE = {Stage.PRE_DUE: "pre_due", Stage.EARLY: "reminder"}  # later stages: follow_up
PLAN_FIELDS = ("max_installments", "min_first_payment_share", "max_term_days")
# A policy's or rule's name: what contacts, reports and the strategy map call it (a rule's is the contact's purpose).
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9 _.+-]{0,62}")


class PolicyError(ValueError):
    """The policy document is invalid; the message names the rule and field."""


@dataclass(frozen=True)
class Rule:
    name: str  # also the contact's purpose
    action: Action
    stage: Stage
    start: int  # first day relative to the due date (negative = before)
    end: int | None = None  # last day (inclusive); None = no end
    every: int | None = None  # cadence in days; None = once per account
    condition: Condition = ALWAYS
    template: str | None = None  # SMS rules: the text to send (TEXT_TEMPLATES); None: by name, else by stage

    # The offsets as timedeltas, made once per rule rather than once per account and rule: they
    # depend only on the frozen fields. Stored in the instance's __dict__ (not dataclass fields),
    # so they take no part in equality, hashing or repr.
    @property
    def text_template(self) -> str:
        """The text an SMS of this rule sends."""
        if self.template is not None:
            return self.template
        return self.name if self.name in TEXT_TEMPLATES else STAGE_TEMPLATE.get(self.stage, "follow_up")

    @cached_property
    def start_delta(self) -> timedelta:
        return timedelta(days=self.start)

    @cached_property
    def end_delta(self) -> timedelta | None:
        return None if self.end is None else timedelta(days=self.end)

    @cached_property
    def every_delta(self) -> timedelta | None:
        return None if self.every is None else timedelta(days=self.every)

    @classmethod
    def from_dict(cls, raw: dict[str, Any], where: str) -> Rule:
        if not isinstance(raw, dict):
            raise PolicyError(f"{where}: a rule must be an object, got {raw!r}")
        _refuse_unknown(raw, RULE_FIELDS, where)

        def need(key: str) -> Any:
            if key not in raw:
                raise PolicyError(f"{where}: missing field '{key}'")
            return raw[key]

        name = need("name")
        if not isinstance(name, str) or not NAME.fullmatch(name):
            raise PolicyError(f"{where}: field 'name' must be letters, digits, spaces or _ . + - (at most 63), got {name!r}")
        action_name, stage_name = need("action"), need("stage")
        try:
            action = Action(action_name)
        except ValueError:
            raise PolicyError(f"{where}: field 'action' must be one of {[a.value for a in Action]}") from None
        try:
            stage = Stage(stage_name)
        except ValueError:
            raise PolicyError(f"{where}: field 'stage' must be one of {[s.value for s in Stage]}") from None
        try:
            condition = parse_condition(raw.get("condition", "always"))
        except ConditionError as exc:
            raise PolicyError(f"{where}: {exc}") from None
        rule = cls(
            name=name,
            action=action,
            stage=stage,
            start=_int(need("start"), where, "start"),
            end=None if raw.get("end") is None else _int(raw["end"], where, "end"),
            every=None if raw.get("every") is None else _int(raw["every"], where, "every"),
            condition=condition,
            template=raw.get("template"),
        )
        if rule.template is not None and (rule.action is not Action.SMS or rule.template not in TEXT_TEMPLATES):
            raise PolicyError(f"{where}: field 'template' names the text of an sms rule: one of {', '.join(TEXT_TEMPLATES)}")
        if rule.name in STATE_RULES:
            raise PolicyError(f"{where}: field 'name': {rule.name!r} is reserved for the product's own texts")
        if rule.end is not None and rule.end < rule.start:
            raise PolicyError(f"{where}: field 'end' ({rule.end}) is before 'start' ({rule.start})")
        if rule.every is not None and rule.every < 1:
            raise PolicyError(f"{where}: field 'every' must be at least 1")
        return rule


def _per_span(bounds: list[int], rules_on: Callable[[int], tuple[Rule, ...]]) -> list[tuple[Rule, ...]]:
    """`rules_on(d)` for one day d of each span: span i holds the days bounds[i-1] <= d < bounds[i]."""
    firsts = [bounds[0] - 1, *bounds] if bounds else [0]
    return [rules_on(d) for d in firsts]


def _refuse_unknown(raw: dict[str, Any], known: tuple[str, ...], where: str) -> None:
    unknown = [str(k) for k in raw if k not in known]
    if unknown:
        raise PolicyError(f"{where}: unknown field '{unknown[0]}'; expected {', '.join(known)}")


def _int(value: Any, where: str, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise PolicyError(f"{where}: field '{name}' must be an integer, got {value!r}")
    if not -MAX_RULE_DAYS <= value <= MAX_RULE_DAYS:
        raise PolicyError(f"{where}: field '{name}' must be between {-MAX_RULE_DAYS} and {MAX_RULE_DAYS} days, got {value!r}")
    return value


@dataclass(frozen=True)
class PlanLimits:
    """The repayment plans agents may offer under a policy (DOMAIN.md: the strategy sets them)."""

    max_installments: int = 6
    min_first_payment_share: Decimal = Decimal("0.10")  # of the amount due when the plan is agreed
    max_term_days: int = 180  # from the day the plan is agreed to the last installment

    @classmethod
    def from_dict(cls, raw: Any) -> PlanLimits:
        if not isinstance(raw, dict):
            raise PolicyError(f"policy: field 'plans' must be an object with {', '.join(PLAN_FIELDS)}")
        _refuse_unknown(raw, PLAN_FIELDS, "policy plans")
        limits = cls()
        installments = _int(raw.get("max_installments", limits.max_installments), "policy plans", "max_installments")
        term = _int(raw.get("max_term_days", limits.max_term_days), "policy plans", "max_term_days")
        share_raw = raw.get("min_first_payment_share", str(limits.min_first_payment_share))
        try:
            share = Decimal(str(share_raw)) if not isinstance(share_raw, bool) else Decimal("NaN")
        except InvalidOperation:
            share = Decimal("NaN")
        if installments < 1:
            raise PolicyError("policy plans: field 'max_installments' must be at least 1")
        if term < 1:
            raise PolicyError("policy plans: field 'max_term_days' must be at least 1")
        if not share.is_finite() or not Decimal(0) <= share <= Decimal(1):
            raise PolicyError(f"policy plans: field 'min_first_payment_share' must be a share from 0 to 1, got {share_raw!r}")
        return cls(max_installments=installments, min_first_payment_share=share, max_term_days=term)


@dataclass(frozen=True)
class Policy:
    name: str
    rules: tuple[Rule, ...]
    version: str  # "<name>@<fingerprint of the document>": what every contact records
    plans: PlanLimits | None = PlanLimits()  # None: no repayment plans under this policy
    description: str = ""

    def text_template(self, rule_name: str) -> str:
        """The text an SMS of the named rule sends; a rule outside the ladder (confirmation, promise_reminder) its own."""
        rule = next((r for r in self.rules if r.name == rule_name), None)
        return rule.text_template if rule is not None else rule_name

    def rules_on(self, day: int) -> tuple[Rule, ...]:
        """The rules whose [start, end] contains `day` (days since the due date), in ladder order."""
        bounds, in_force = self._spans
        return in_force[bisect_right(bounds, day)]

    def rules_not_ended(self, day: int) -> tuple[Rule, ...]:
        """The rules whose end is not before `day` (days since the due date): in force then or later, in ladder order."""
        bounds, not_ended = self._end_spans
        return not_ended[bisect_right(bounds, day)]

    # Which rules are in force changes only on a day where one starts or the day after one ends,
    # so the days between two such boundaries share one tuple of rules. Computed once per policy
    # from the frozen `rules`; stored in the instance's __dict__, outside equality and hashing.
    @cached_property
    def _spans(self) -> tuple[list[int], list[tuple[Rule, ...]]]:
        bounds = sorted({r.start for r in self.rules} | {r.end + 1 for r in self.rules if r.end is not None})
        return bounds, _per_span(bounds, lambda d: tuple(r for r in self.rules if r.start <= d and (r.end is None or d <= r.end)))

    # Likewise for the rules not yet ended: that changes only on the day after one ends.
    @cached_property
    def _end_spans(self) -> tuple[list[int], list[tuple[Rule, ...]]]:
        bounds = sorted({r.end + 1 for r in self.rules if r.end is not None})
        return bounds, _per_span(bounds, lambda d: tuple(r for r in self.rules if r.end is None or d <= r.end))

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Policy:
        if not isinstance(raw, dict):
            raise PolicyError("policy: must be a JSON object with 'name' and 'rules'")
        _refuse_unknown(raw, POLICY_FIELDS, "policy")
        name = raw.get("name", "custom")
        if not isinstance(name, str) or not NAME.fullmatch(name):
            raise PolicyError(f"policy: field 'name' must be letters, digits, spaces or _ . + - (at most 63), got {name!r}")
        description = raw.get("description", "")
        if not isinstance(description, str):
            raise PolicyError("policy: field 'description' must be text")
        rules_raw = raw.get("rules")
        if not isinstance(rules_raw, list) or not rules_raw:
            raise PolicyError("policy: field 'rules' must be a non-empty list")
        rules = tuple(
            Rule.from_dict(r, f"policy rule #{i + 1} ({r.get('name', '?') if isinstance(r, dict) else '?'})")
            for i, r in enumerate(rules_raw)
        )
        names = [r.name for r in rules]
        duplicated = sorted({n for n in names if names.count(n) > 1})
        if duplicated:
            raise PolicyError(f"policy: duplicate rule name(s) {duplicated}")
        plans_raw = raw.get("plans")  # absent: the default limits; false: no plans under this policy
        plans = None if plans_raw is False else PlanLimits() if plans_raw is None else PlanLimits.from_dict(plans_raw)
        # The version is the content's fingerprint, so two different ladders never share one.
        content = {k: v for k, v in raw.items() if k != "$schema"}
        digest = hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()[:10]
        return cls(name=name, rules=rules, version=f"{name}@{digest}", plans=plans, description=description)


DEFAULT_LADDER: dict[str, Any] = {
    "name": "default-ladder",
    "rules": [
        {"name": "pre_due", "action": "sms", "stage": "pre_due", "start": -3, "end": -1},
        {"name": "reminder", "action": "sms", "stage": "early", "start": 1, "end": 6},
        {"name": "early_call", "action": "call", "stage": "early", "start": 3, "end": 6, "condition": "no_promise"},
        {"name": "follow_up", "action": "sms", "stage": "follow_up", "start": 7, "every": 7},
        {"name": "follow_up_call", "action": "call", "stage": "follow_up", "start": 7, "every": 3},
        {
            "name": "field_visit",
            "action": "visit",
            "stage": "field",
            "start": 30,
            "condition": "unreachable_or_refused",
        },
        {
            "name": "legal_review",
            "action": "legal_review",
            "stage": "legal",
            "start": 60,
            "every": 30,
            "condition": "legal_prerequisites",
        },
    ],
}

DEFAULT_POLICY = Policy.from_dict(DEFAULT_LADDER)
