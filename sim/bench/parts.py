"""A realistic day of the book, for the monthly bill: SMS parts per text by profile, and the book's shares.

The product's own code decides and renders: the ladder (`escalation.domain.ladder.decide`) over realistic
accounts (sim.bench.accounts: CN/US/EU at every stage, with holds, promises, opt-outs), and each SMS decision's
text through `escalation.service.texts.render_text` with the local stack's lender configuration (the example
sender identities), its parts counted by `escalation.domain.messages.sms_parts` — what a contact records and
the provider bills. Every account is placed in the zone whose window contains the run instant, as the five
daily schedules do, so no decision is an artefact of the hour.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from .accounts import RUN_AS_OF, SEED, decision_context, local_configuration, realistic_accounts

BOOK_SAMPLE = 6_000  # accounts; about 3,200 texts, ~2 s


@dataclass(frozen=True)
class RealisticDay:
    """What one day of a realistic book decides, per account of the book."""

    accounts: int
    due_share: float  # accounts with any decision today (an action, or a skip with its reason): the due index's share
    contacted_share_of_due: float  # of those, accounts with at least one action
    actions_per_contacted: dict[str, float]  # action -> per contacted account
    profile_share: dict[str, float]  # profile -> share of the book
    texts_by_profile_share: dict[str, float]  # profile -> share of the day's texts
    sms_parts_per_text: dict[str, float]  # profile -> mean parts per text (the texts the ladder sends that day)
    sms_parts_by_template: dict[str, dict[str, float]] = field(default_factory=dict)  # profile -> template -> mean parts
    decision_dimensions: int = 0  # distinct (action, profile) of the day's decisions (the Decisions and Contacts metrics)
    skip_reasons: int = 0  # distinct skip reasons of the day (the Skips metric)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> RealisticDay:
        return cls(**raw)


def realistic_day(n_accounts: int = BOOK_SAMPLE, as_of: str = RUN_AS_OF, seed: int = SEED) -> RealisticDay:
    """Decide for `n_accounts` realistic accounts at `as_of`, render every text the ladder sends, count parts."""
    from escalation.domain.ladder import decide
    from escalation.domain.messages import sms_parts
    from escalation.service.texts import render_text

    now = datetime.fromisoformat(as_of.replace("Z", "+00:00"))
    config = local_configuration()
    accounts = realistic_accounts(n_accounts, as_of, seed, first_zone_only=True)
    due = contacted = 0
    actions: Counter[str] = Counter()
    dimensions: set[tuple[str, str]] = set()
    reasons: set[str] = set()
    parts: dict[str, list[int]] = defaultdict(list)
    by_template: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    for account in accounts:
        ctx = decision_context(account, now)
        decisions = decide(account, ctx)
        due += bool(decisions)
        chosen = [d for d in decisions if d.action is not None]
        contacted += bool(chosen)
        reasons.update(str(d.reason) for d in decisions if d.action is None and d.reason)
        for decision in chosen:
            actions[decision.action.value] += 1
            dimensions.add((decision.action.value, account.profile))
            if decision.action.value == "sms":
                template = config.policy_for(account).text_template(decision.rule)
                n = sms_parts(render_text(account, template, ctx.today, config.senders))
                parts[account.profile].append(n)
                by_template[account.profile][template].append(n)
    texts = sum(len(v) for v in parts.values()) or 1
    profiles = Counter(a.profile for a in accounts)
    return RealisticDay(
        accounts=n_accounts,
        due_share=due / n_accounts,
        contacted_share_of_due=contacted / max(due, 1),
        actions_per_contacted={a: n / max(contacted, 1) for a, n in sorted(actions.items())},
        profile_share={p: n / n_accounts for p, n in sorted(profiles.items())},
        texts_by_profile_share={p: len(v) / texts for p, v in sorted(parts.items())},
        sms_parts_per_text={p: round(statistics.fmean(v), 3) for p, v in sorted(parts.items())},
        sms_parts_by_template={
            p: {t: round(statistics.fmean(v), 3) for t, v in sorted(templates.items())} for p, templates in sorted(by_template.items())
        },
        decision_dimensions=len(dimensions),
        skip_reasons=len(reasons),
    )
