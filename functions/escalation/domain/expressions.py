"""The condition language of policy rules: account facts compared with values, combined with all/any/not.

A rule's `condition` is one of:

* a named condition (a string): `always`, `no_promise`, `unreachable_or_refused`, `legal_prerequisites`
  (escalation.domain.conditions, DOMAIN.md's ladder);
* a comparison: `{"fact": "days_past_due", "op": ">=", "value": 30}` — the facts and operators below;
* a combination: `{"all": [...]}`, `{"any": [...]}` (non-empty lists of conditions) or `{"not": condition}`.

Money facts compare in the account's own currency: the value is an amount (`"5000"` or `5000`: any currency)
or amounts per currency (`{"CNY": "5000", "USD": "700"}`); an account whose currency the map does not name
does not meet the comparison. docs/POLICIES.md lists every fact; schemas/policy.schema.json is the format.

A condition can be asked whether it holds on a local day, and on which first day from a given one it will
hold if no event changes the account (`first_day`): only the days past due, the days since the last
conversation and the named conditions built on them change with time alone, and each comparison on them
flips on a day that can be computed, so the first day is found among those days.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from . import conditions
from .guardrails import closed_actions
from .model import Account, Action, LegalState, Status
from .profiles import Profile


class ConditionError(ValueError):
    """A condition that cannot be read: `path` names where (`condition.all[1].op`), `reason` what is wrong."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"field '{path}': {reason}")
        self.path, self.reason = path, reason


@dataclass(frozen=True)
class Fact:
    kind: str  # "count", "days", "money", "flag" or "name"
    read: Callable[[Account, Profile, date], Any]
    about: str  # for people (docs/POLICIES.md, the preview's "why")


def _days_since_conversation(account: Account, _: Profile, today: date) -> int | None:
    return None if account.last_reached is None else (today - account.last_reached).days


FACTS: dict[str, Fact] = {
    "days_past_due": Fact("days", lambda a, _, t: (t - a.due_date).days, "days since the due date (negative before it)"),
    "days_since_conversation": Fact(
        "days", _days_since_conversation, "days since an agent last spoke with the borrower (never: more than any number)"
    ),
    "amount_due": Fact("money", lambda a, _, t: a.amount_due, "balance plus fees, in the account's currency"),
    "balance": Fact("money", lambda a, _, t: a.balance, "the principal balance, in the account's currency"),
    "fees": Fact("money", lambda a, _, t: a.fees, "fees accrued, in the account's currency"),
    "failed_call_attempts": Fact(
        "count", lambda a, _, t: a.failed_call_attempts, "call attempts that reached nobody since the last conversation"
    ),
    "refusals": Fact("count", lambda a, _, t: a.refusals, "times the borrower refused (calls and visits)"),
    "broken_promises": Fact("count", lambda a, _, t: a.broken_promises, "promises to pay broken"),
    "kept_promises": Fact("count", lambda a, _, t: a.kept_promises, "promises to pay kept"),
    "visits_attempted": Fact("count", lambda a, _, t: a.visits_attempted, "field visits reported (met, not home or refused)"),
    "promise_in_force": Fact("flag", lambda a, _, t: a.status is Status.PROMISE, "a promise to pay is in force"),
    "sms_open": Fact(
        "flag", lambda a, _, t: Action.SMS not in closed_actions(a), "texts can reach the borrower (consent, opt-outs, the number)"
    ),
    "call_open": Fact("flag", lambda a, _, t: Action.CALL not in closed_actions(a), "calls can reach the borrower (opt-outs, the number)"),
    "wrong_number": Fact("flag", lambda a, _, t: a.number.wrong_number, "the number reaches a third party"),
    "legal_review_open": Fact(
        "flag", lambda a, _, t: a.legal_state in (LegalState.PENDING, LegalState.APPROVED), "a legal review is waiting or approved"
    ),
    "field_visits_offered": Fact("flag", lambda a, p, t: p.field_visits, "the account's profile offers field visits"),
    "product": Fact("name", lambda a, _, t: a.product, "the account's product"),
    "segment": Fact("name", lambda a, _, t: a.segment or "", "the account's segment (empty when none)"),
    "profile": Fact("name", lambda a, p, t: p.code, "the account's jurisdiction profile (CN, US, EU)"),
    "stage": Fact("name", lambda a, _, t: a.stage.value, "the furthest ladder stage reached"),
    "currency": Fact("name", lambda a, _, t: a.currency, "the account's currency (ISO 4217)"),
}
OPERATORS: dict[str, tuple[str, ...]] = {
    "count": ("==", "!=", "<", "<=", ">", ">="),
    "days": ("==", "!=", "<", "<=", ">", ">="),
    "money": ("==", "!=", "<", "<=", ">", ">="),
    "flag": ("==", "!="),
    "name": ("==", "!=", "in", "not_in"),
}
_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
    "in": lambda a, b: a in b,
    "not_in": lambda a, b: a not in b,
}
_NEVER = 10**9  # "never spoke": more days than any comparison names


class Condition:
    """What every condition answers. Subclasses are frozen dataclasses: equal documents, equal conditions."""

    def holds(self, account: Account, profile: Profile, today: date) -> bool:
        raise NotImplementedError

    def day_dependent(self, profile: Profile) -> bool:
        """Whether the passing days alone can change the answer."""
        raise NotImplementedError

    def flips(self, account: Account, profile: Profile, day: date) -> set[date]:
        """Days after `day` on which the answer may change without an event (empty if it cannot)."""
        raise NotImplementedError

    def first_day(self, account: Account, profile: Profile, day: date, last: date | None = None) -> date | None:
        """The first day in [day, last] on which the condition holds if no event changes the account; None if none."""
        if self.holds(account, profile, day):
            return day
        if not self.day_dependent(profile):
            return None
        for candidate in sorted(d for d in self.flips(account, profile, day) if d > day):
            if last is not None and candidate > last:
                return None
            if self.holds(account, profile, candidate):
                return candidate
        return None


@dataclass(frozen=True)
class Named(Condition):
    name: str

    def holds(self, account: Account, profile: Profile, today: date) -> bool:
        return conditions.holds(self.name, account, profile, today)

    def day_dependent(self, profile: Profile) -> bool:
        return conditions.day_dependent(self.name, profile)

    def flips(self, account: Account, profile: Profile, day: date) -> set[date]:
        found = conditions.first_day(self.name, account, profile, day) if self.day_dependent(profile) else None
        return set() if found is None else {found}

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True)
class Compare(Condition):
    fact: str
    op: str
    value: Any  # int, Decimal, bool, str, tuple of str, or a tuple of (currency, Decimal) pairs

    def holds(self, account: Account, profile: Profile, today: date) -> bool:
        spec = FACTS[self.fact]
        actual = spec.read(account, profile, today)
        if spec.kind == "days" and actual is None:
            actual = _NEVER
        expected = self.value
        if spec.kind == "money" and isinstance(expected, tuple):
            expected = dict(expected).get(account.currency)
            if expected is None:
                return False  # no threshold in this account's currency: the comparison does not apply
        return _COMPARE[self.op](actual, expected)

    def day_dependent(self, profile: Profile) -> bool:
        return FACTS[self.fact].kind == "days"

    def flips(self, account: Account, profile: Profile, day: date) -> set[date]:
        if FACTS[self.fact].kind != "days":
            return set()
        origin = account.due_date if self.fact == "days_past_due" else account.last_reached
        if origin is None:
            return set()  # never spoke: the count is already past any number, and stays so
        at = origin + timedelta(days=self.value)  # the fact equals the value on this day
        return {at, at + timedelta(days=1)}

    def __str__(self) -> str:
        value = self.value
        if isinstance(value, tuple) and value and isinstance(value[0], tuple):
            value = "{" + ", ".join(f"{c} {a}" for c, a in value) + "}"
        elif isinstance(value, tuple):
            value = "[" + ", ".join(value) + "]"
        return f"{self.fact} {self.op} {value}"


@dataclass(frozen=True)
class All(Condition):
    parts: tuple[Condition, ...]

    def holds(self, account: Account, profile: Profile, today: date) -> bool:
        return all(p.holds(account, profile, today) for p in self.parts)

    def day_dependent(self, profile: Profile) -> bool:
        return any(p.day_dependent(profile) for p in self.parts)

    def flips(self, account: Account, profile: Profile, day: date) -> set[date]:
        return set().union(*(p.flips(account, profile, day) for p in self.parts))

    def __str__(self) -> str:
        return "(" + " and ".join(map(str, self.parts)) + ")"


@dataclass(frozen=True)
class AnyOf(Condition):
    parts: tuple[Condition, ...]

    def holds(self, account: Account, profile: Profile, today: date) -> bool:
        return any(p.holds(account, profile, today) for p in self.parts)

    def day_dependent(self, profile: Profile) -> bool:
        return any(p.day_dependent(profile) for p in self.parts)

    def flips(self, account: Account, profile: Profile, day: date) -> set[date]:
        return set().union(*(p.flips(account, profile, day) for p in self.parts))

    def __str__(self) -> str:
        return "(" + " or ".join(map(str, self.parts)) + ")"


@dataclass(frozen=True)
class Not(Condition):
    part: Condition

    def holds(self, account: Account, profile: Profile, today: date) -> bool:
        return not self.part.holds(account, profile, today)

    def day_dependent(self, profile: Profile) -> bool:
        return self.part.day_dependent(profile)

    def flips(self, account: Account, profile: Profile, day: date) -> set[date]:
        return self.part.flips(account, profile, day)

    def __str__(self) -> str:
        return f"not {self.part}"


ALWAYS = Named("always")


def parse_condition(raw: Any, where: str = "condition") -> Condition:
    """A condition from its JSON form; ConditionError names the place (`condition.any[0].value`) and the fault."""
    if isinstance(raw, str):
        if raw not in conditions.CONDITIONS:
            raise ConditionError(where, f"unknown named condition {raw!r}; expected one of {', '.join(conditions.CONDITIONS)}")
        return Named(raw)
    if not isinstance(raw, dict) or not raw:
        raise ConditionError(where, f"expected a named condition, a comparison or all/any/not, got {raw!r}")
    if "fact" in raw or "op" in raw or "value" in raw:
        return _comparison(raw, where)
    if len(raw) != 1:
        raise ConditionError(where, f"a combination has exactly one of all, any, not; got {', '.join(map(str, raw))}")
    ((key, value),) = raw.items()
    if key == "not":
        return Not(parse_condition(value, f"{where}.not"))
    if key in ("all", "any"):
        if not isinstance(value, list) or not value:
            raise ConditionError(f"{where}.{key}", "expected a non-empty list of conditions")
        parts = tuple(parse_condition(v, f"{where}.{key}[{i}]") for i, v in enumerate(value))
        return All(parts) if key == "all" else AnyOf(parts)
    raise ConditionError(where, f"unknown field {key!r}; expected fact/op/value, all, any or not")


def _comparison(raw: dict[str, Any], where: str) -> Compare:
    unknown = sorted(set(raw) - {"fact", "op", "value"})
    if unknown:
        raise ConditionError(where, f"unknown field {unknown[0]!r}; a comparison has fact, op and value")
    for key in ("fact", "op", "value"):
        if key not in raw:
            raise ConditionError(where, f"missing field {key!r}")
    fact, op = raw["fact"], raw["op"]
    if fact not in FACTS:
        raise ConditionError(f"{where}.fact", f"unknown fact {fact!r}; expected one of {', '.join(FACTS)}")
    kind = FACTS[fact].kind
    if op not in OPERATORS[kind]:
        raise ConditionError(f"{where}.op", f"{op!r} does not apply to {fact}; expected one of {', '.join(OPERATORS[kind])}")
    return Compare(fact, op, _value(raw["value"], kind, op, f"{where}.value"))


def _value(value: Any, kind: str, op: str, where: str) -> Any:
    if kind in ("count", "days"):
        if isinstance(value, bool) or not isinstance(value, int) or abs(value) > 36_500:
            raise ConditionError(where, f"expected a whole number of at most 36500, got {value!r}")
        return value
    if kind == "flag":
        if not isinstance(value, bool):
            raise ConditionError(where, f"expected true or false, got {value!r}")
        return value
    if kind == "name":
        if op in ("in", "not_in"):
            if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
                raise ConditionError(where, f"expected a non-empty list of names for {op}")
            return tuple(value)
        if not isinstance(value, str):
            raise ConditionError(where, f"expected a name (a string), got {value!r}")
        return value
    if isinstance(value, dict):  # money per currency
        if not value:
            raise ConditionError(where, "expected at least one currency")
        from babel.numbers import list_currencies  # here: the event consumer loads policies but not Babel

        for currency in value:
            if currency not in list_currencies():
                raise ConditionError(where, f"{currency!r} is not an ISO 4217 currency code")
        return tuple(sorted((c, _amount(a, f"{where}.{c}")) for c, a in value.items()))
    return _amount(value, where)


def _amount(value: Any, where: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ConditionError(where, f'expected an amount ("5000.00" or 5000), got {value!r}')
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise ConditionError(where, f"expected an amount, got {value!r}") from None
    if not amount.is_finite() or amount < 0:
        raise ConditionError(where, f"expected a non-negative amount, got {value!r}")
    return amount
