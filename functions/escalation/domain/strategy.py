"""The lender's configuration: its policies, the strategy map that picks one per account, its experiments, and
the sender identities — one validated, versioned document (docs/POLICIES.md; schemas/configuration.schema.json).

    {"senders": {"CN": {...}, "US": {...}},
     "policies": {"gentle": {"name": "gentle", "rules": [...]}, "firm": {...}},
     "strategy": {"default": "gentle", "by_product": {"credit-line": "firm"}, "by_segment": {"high-risk": "firm"},
                  "experiment": {"name": "firm-vs-gentle", "product": "cash-loan", "champion": "gentle",
                                 "challenger": "firm", "challenger_share": 0.3}}}

The product's default ladder is always there as `default-ladder` (a document may replace it under that name).
Which policy an account follows, first match wins: an experiment whose product and segment match it (the arm by
a hash of the experiment's name and the account id, so the same account always lands in the same arm), then its
segment, then its product, then the default. The assignment is recorded on the account when it is enrolled and
kept for the life of the delinquency, whatever later versions of the map say; the policy it names is read at
its latest version (a change mid-delinquency: docs/POLICIES.md).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from types import MappingProxyType
from typing import Any

from .policy import DEFAULT_LADDER, DEFAULT_POLICY, NAME, Policy, PolicyError
from .sender import SenderError, Senders

DOCUMENT_FIELDS = ("$schema", "senders", "policies", "strategy")
STRATEGY_FIELDS = ("default", "by_product", "by_segment", "experiment", "experiments")
EXPERIMENT_FIELDS = ("name", "product", "segment", "champion", "challenger", "challenger_share")
CHAMPION, CHALLENGER, NO_ARM = "champion", "challenger", "-"


class ConfigurationError(ValueError):
    """The lender configuration is invalid; the message names the field (`strategy.by_product.credit-line`)."""


@dataclass(frozen=True)
class Assignment:
    """The policy an account follows and, in an experiment, its arm: recorded on the account at enrolment."""

    policy: str
    arm: str = NO_ARM  # champion, challenger, or "-" outside any experiment
    experiment: str | None = None


@dataclass(frozen=True)
class Experiment:
    name: str
    champion: str
    challenger: str
    challenger_share: Decimal
    product: str | None = None  # None: every product
    segment: str | None = None  # None: every segment

    def covers(self, product: str, segment: str | None) -> bool:
        return (self.product is None or self.product == product) and (self.segment is None or self.segment == segment)

    def arm_of(self, account_id: str) -> str:
        """Deterministic: the same account in the same experiment is always in the same arm."""
        digest = hashlib.sha256(f"{self.name}\x00{account_id}".encode()).digest()
        draw = Decimal(int.from_bytes(digest[:8], "big")) / Decimal(2**64)  # uniform in [0, 1)
        return CHALLENGER if draw < self.challenger_share else CHAMPION


@dataclass(frozen=True)
class StrategyMap:
    default: str = DEFAULT_POLICY.name
    by_product: Mapping[str, str] = field(default_factory=dict)
    by_segment: Mapping[str, str] = field(default_factory=dict)
    experiments: tuple[Experiment, ...] = ()

    def assign(self, account_id: str, product: str, segment: str | None) -> Assignment:
        for experiment in self.experiments:
            if experiment.covers(product, segment):
                arm = experiment.arm_of(account_id)
                policy = experiment.challenger if arm == CHALLENGER else experiment.champion
                return Assignment(policy, arm, experiment.name)
        if segment is not None and segment in self.by_segment:
            return Assignment(self.by_segment[segment])
        return Assignment(self.by_product.get(product, self.default))


@dataclass(frozen=True)
class Configuration:
    """A deployed lender configuration: what every decision, text and assignment reads."""

    policies: Mapping[str, Policy]
    strategy: StrategyMap
    senders: Senders | None
    version: str  # the document's fingerprint: the same document, the same version

    def policy(self, name: str | None) -> Policy:
        """The named policy at this version; an account recorded under a policy since removed keeps the default."""
        return self.policies.get(name or self.strategy.default) or self.policies[self.strategy.default]

    def assign(self, account_id: str, product: str, segment: str | None) -> Assignment:
        return self.strategy.assign(account_id, product, segment)

    def assignment_of(self, account: Any) -> Assignment:
        """The account's recorded assignment; one enrolled before strategies gets the map's answer now."""
        if account.policy is not None:
            return Assignment(account.policy, account.arm or NO_ARM, account.experiment)
        return self.assign(account.account_id, account.product, account.segment)

    def policy_for(self, account: Any) -> Policy:
        return self.policy(self.assignment_of(account).policy)

    @classmethod
    def from_dict(cls, raw: Any, *, senders_required: bool = True) -> Configuration:
        if not isinstance(raw, dict):
            raise ConfigurationError("configuration: expected a JSON object with senders, policies and strategy")
        _refuse_unknown(raw, DOCUMENT_FIELDS, "configuration")
        senders = _senders(raw.get("senders"), senders_required)
        policies = _policies(raw.get("policies", {}))
        strategy = _strategy(raw.get("strategy", {}), policies)
        content = {k: v for k, v in raw.items() if k != "$schema"}
        digest = hashlib.sha256(json.dumps(content, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:12]
        return cls(MappingProxyType(policies), strategy, senders, f"config@{digest}")

    @classmethod
    def from_json(cls, text: str | bytes, *, senders_required: bool = True) -> Configuration:
        try:
            raw = json.loads(text)
        except ValueError as exc:
            raise ConfigurationError(f"configuration: not JSON ({exc})") from None
        return cls.from_dict(raw, senders_required=senders_required)


def _senders(raw: Any, required: bool) -> Senders | None:
    if raw is None:
        if required:
            raise ConfigurationError("senders: missing (the lender's name, signature, support number per profile; no defaults)")
        return None
    try:
        return Senders.parse(raw, "senders")
    except SenderError as exc:
        raise ConfigurationError(str(exc)) from None


def _policies(raw: Any) -> dict[str, Policy]:
    if not isinstance(raw, dict):
        raise ConfigurationError("policies: expected an object: policy name -> policy document")
    policies = {DEFAULT_POLICY.name: Policy.from_dict(DEFAULT_LADDER)}
    for name, document in raw.items():
        if not NAME.fullmatch(str(name)):
            raise ConfigurationError(f"policies.{name}: a policy name is letters, digits, spaces or _ . + - (at most 63)")
        if isinstance(document, dict) and document.get("name", name) != name:
            raise ConfigurationError(f"policies.{name}: field 'name' is {document.get('name')!r}; it must be the key, {name!r}")
        try:
            policies[name] = Policy.from_dict({"name": name, **document} if isinstance(document, dict) else document)
        except PolicyError as exc:
            raise ConfigurationError(f"policies.{name}: {exc}") from None
    return policies


def _strategy(raw: Any, policies: Mapping[str, Policy]) -> StrategyMap:
    if not isinstance(raw, dict):
        raise ConfigurationError("strategy: expected an object with default, by_product, by_segment, experiment(s)")
    _refuse_unknown(raw, STRATEGY_FIELDS, "strategy")

    def known(name: Any, where: str) -> str:
        if not isinstance(name, str) or name not in policies:
            raise ConfigurationError(f"{where}: names policy {name!r}, which is not in policies (have: {', '.join(sorted(policies))})")
        return name

    def table(key: str) -> dict[str, str]:
        value = raw.get(key, {})
        if not isinstance(value, dict):
            raise ConfigurationError(f"strategy.{key}: expected an object: {key.removeprefix('by_')} -> policy name")
        return {str(k): known(v, f"strategy.{key}.{k}") for k, v in value.items()}

    if "experiment" in raw and "experiments" in raw:
        raise ConfigurationError("strategy: give either 'experiment' or 'experiments', not both")
    listed = [raw["experiment"]] if "experiment" in raw else raw.get("experiments", [])
    if not isinstance(listed, list):
        raise ConfigurationError("strategy.experiments: expected a list of experiments")
    experiments = tuple(_experiment(e, f"strategy.experiments[{i}]" if "experiments" in raw else "strategy.experiment", known)
                        for i, e in enumerate(listed))  # fmt: skip
    names = [e.name for e in experiments]
    if len(set(names)) != len(names):
        raise ConfigurationError(f"strategy.experiments: names must differ, got {names}")
    default = known(raw.get("default", DEFAULT_POLICY.name), "strategy.default")
    return StrategyMap(default, MappingProxyType(table("by_product")), MappingProxyType(table("by_segment")), experiments)


def _experiment(raw: Any, where: str, known: Any) -> Experiment:
    if not isinstance(raw, dict):
        raise ConfigurationError(f"{where}: expected an object with {', '.join(EXPERIMENT_FIELDS)}")
    _refuse_unknown(raw, EXPERIMENT_FIELDS, where)
    for key in ("name", "champion", "challenger", "challenger_share"):
        if key not in raw:
            raise ConfigurationError(f"{where}: missing field '{key}'")
    if not isinstance(raw["name"], str) or not NAME.fullmatch(raw["name"]):
        raise ConfigurationError(f"{where}.name: letters, digits, spaces or _ . + - (at most 63), got {raw['name']!r}")
    share_raw = raw["challenger_share"]
    try:
        share = Decimal(str(share_raw)) if isinstance(share_raw, (int, float, str)) and not isinstance(share_raw, bool) else None
    except InvalidOperation:
        share = None
    if share is None or not share.is_finite() or not Decimal(0) <= share <= Decimal(1):
        raise ConfigurationError(f"{where}.challenger_share: expected a share from 0 to 1, got {share_raw!r}")
    for key in ("product", "segment"):
        if key in raw and not isinstance(raw[key], str):
            raise ConfigurationError(f"{where}.{key}: expected a name (a string), got {raw[key]!r}")
    champion, challenger = known(raw["champion"], f"{where}.champion"), known(raw["challenger"], f"{where}.challenger")
    return Experiment(raw["name"], champion, challenger, share, raw.get("product"), raw.get("segment"))


def _refuse_unknown(raw: dict[str, Any], known: tuple[str, ...], where: str) -> None:
    unknown = [str(k) for k in raw if k not in known]
    if unknown:
        raise ConfigurationError(f"{where}: unknown field '{unknown[0]}'; expected {', '.join(k for k in known if k != '$schema')}")
