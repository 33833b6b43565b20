"""Evaluating the ladder for one account at one instant: which actions, which skips, and why.

`decide` is the whole escalation policy plus the guardrails; `next_check` tells the due
index when the account next needs a look. Both are pure functions of the account's
state (with its number's suppression record), the policy, the profile and the clock.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cached_property

from . import promises
from .guardrails import blocked, closed_actions
from .model import CONFIRMATION, CONTACTABLE, HELP, PROMISE_REMINDER, Account, Action, Decision, LegalState, SkipReason, Stage, Status
from .policy import Policy, Rule
from .profiles import Profile
from .windows import local_day, window_opens

# A legal review nobody decided within this many days returns the account to the ladder (the daily run
# expires it; the review workflow's heartbeat timeout catches a daily run that stopped looking).
LEGAL_REVIEW_DAYS = 14
# Statuses with no collection contact at all; they leave the due index.
NO_CONTACT = frozenset({Status.HOLD, Status.LEGAL, Status.CLOSED})
# Statuses that a hold pauses (a paid account's confirmation waits for it too).
HOLD_OR_PAID = frozenset({Status.HOLD, Status.PAID})

# Enum members the hot paths compare against, bound once as module globals: on Python 3.11,
# reading `Status.PAID` goes through EnumType's __getattr__ hook, several times slower than a global.
ACTIVE, PAID, PROMISE = Status.ACTIVE, Status.PAID, Status.PROMISE
SMS, VISIT = Action.SMS, Action.VISIT
PENDING = LegalState.PENDING
# Likewise made once: constructing a timedelta costs more than the date arithmetic it serves.
ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class Context:
    """What a decision depends on besides the account."""

    policy: Policy
    profile: Profile
    zones: tuple[str, ...]
    now: datetime

    # Computed once per context (a decision reads it several times): it depends only on the
    # frozen fields `now` and `zones`. cached_property stores it in the instance's __dict__,
    # which a frozen dataclass allows, and it takes no part in equality, hashing or repr.
    @cached_property
    def today(self) -> date:
        return local_day(self.now, self.zones)


def decide(account: Account, ctx: Context) -> list[Decision]:
    """Everything the ladder wants for this account now: actions first, then skips with reasons.

    The answer to a HELP reply is gated on its own (its own channel budget: it answers the borrower, it does not
    collect), so it neither delays nor is delayed by the ladder's text of the day."""
    decisions = _ladder(account, ctx)
    if not _help_due(account, ctx.today):
        return decisions
    both = _gate(account, ctx, [_virtual(HELP, SMS, account.stage)]) + decisions
    return [d for d in both if d.action is not None] + [d for d in both if d.action is None]


def _help_due(account: Account, today: date) -> bool:
    return (
        account.help_requested
        and account.status in CONTACTABLE
        and not holds_in_force(account, today)
        and account.last_fired.get(HELP) != today
    )


def _ladder(account: Account, ctx: Context) -> list[Decision]:
    today = ctx.today
    held = holds_in_force(account, today)
    if held and account.status in HOLD_OR_PAID:
        return [_skip(account, "-", today, SkipReason.hold(reason)) for reason in held]
    if account.status in NO_CONTACT:
        return [_skip(account, "-", today, SkipReason.status(account.status))]
    if account.status is PAID:
        if not account.confirmation_due:
            return []
        return _gate(account, ctx, [_virtual(CONFIRMATION, SMS, account.stage)])
    if account.status is PROMISE and not promises.lapsed(account, ctx.profile, today):
        if account.promised_date and today == account.promised_date - ONE_DAY:
            if account.last_fired.get(PROMISE_REMINDER) != today:
                return _gate(account, ctx, [_virtual(PROMISE_REMINDER, SMS, account.stage)])
        return [_skip(account, "-", today, SkipReason.PROMISE_IN_FORCE)]
    if account.amount_due <= 0:
        return [_skip(account, "-", today, SkipReason.NOTHING_OWED)]
    in_force = ctx.policy.rules_on((today - account.due_date).days)
    return _gate(account, ctx, [r for r in in_force if _rule_due(r, account, ctx.profile, today)])


def holds_in_force(account: Account, today: date) -> list[str]:
    """The account's holds that still apply on this local day."""
    if not account.holds:
        return []
    return sorted(reason for reason, until in account.holds.items() if until is None or until >= today)


def review_expired(account: Account, today: date) -> bool:
    """A pending legal review that has waited the whole review period for a decision (an approval waiting
    for a promise does not expire: it is decided)."""
    requested = account.last_fired.get("legal_review")
    return (
        account.legal_state is PENDING
        and not account.legal_approvals
        and requested is not None
        and (today - requested).days >= LEGAL_REVIEW_DAYS
    )


def next_check(account: Account, ctx: Context, earliest: date) -> datetime | None:
    """The instant the account next needs assessing, on or after local day `earliest`; None = not until an event."""
    if account.holds and account.status in HOLD_OR_PAID:
        # Held: back on the day after the last dated hold ends; an open-ended hold waits for an event.
        ends = list(account.holds.values())
        if None in ends or (account.status is PAID and not account.confirmation_due):
            return None
        return _at(max(max(ends) + ONE_DAY, earliest), ctx)  # type: ignore[type-var]
    check = _next_ladder_check(account, ctx, earliest)
    if account.help_requested and account.status in CONTACTABLE and SMS not in closed_actions(account):
        soonest = _at(earliest, ctx)  # the help text, at the next open window
        check = soonest if check is None else min(check, soonest)
    if account.legal_state is PENDING and account.status in (ACTIVE, PROMISE):
        # A waiting legal review is looked at every day: kept alive (heartbeat), withdrawn or expired.
        daily = _at(earliest, ctx)
        return daily if check is None else min(check, daily)
    return check


def _next_ladder_check(account: Account, ctx: Context, earliest: date) -> datetime | None:
    if account.status in NO_CONTACT:
        return None
    if account.status is PAID:
        return _at(earliest, ctx) if account.confirmation_due and SMS not in closed_actions(account) else None
    if account.status is PROMISE and account.promised_date and not promises.lapsed(account, ctx.profile, earliest):
        reminder = account.promised_date - ONE_DAY
        days = [promises.last_day(account, ctx.profile) + ONE_DAY]  # type: ignore[operator]
        if account.last_fired.get(PROMISE_REMINDER) != reminder and reminder >= earliest:
            days.append(reminder)
        return _at(min(days), ctx)
    if account.amount_due <= 0:
        return None
    closed, profile = closed_actions(account), ctx.profile
    # A rule whose last day is before `earliest` cannot fire on or after it: `_next_day` would
    # answer None for it, so it is not asked. (Due dates are within the contract's years,
    # escalation.contract.Day, so no date arithmetic skipped here could have overflowed.)
    first: date | None = None
    for rule in ctx.policy.rules_not_ended((earliest - account.due_date).days):
        day = _next_day(rule, account, profile, earliest, closed)
        if day is not None and (first is None or day < first):
            first = day
            if day == earliest:
                break  # no rule can come sooner than `earliest`: the rest need not be asked
    return _at(first, ctx) if first is not None else None


def next_look(chosen: list, ctx: Context) -> date:
    """Tomorrow, or today when the run came before the borrower's window opened (e.g. an event late last night)."""
    early = any(d.reason == "outside_window" for d in chosen) and ctx.now < window_opens(ctx.today, ctx.zones, ctx.profile)
    return ctx.today if early else ctx.today + timedelta(days=1)


def _at(day: date, ctx: Context) -> datetime:
    """The window's opening on that day, or now if it has already opened."""
    opening, now = window_opens(day, ctx.zones, ctx.profile), ctx.now
    return now if now > opening else opening  # max(opening, now), without the builtin's call overhead


def _virtual(name: str, action: Action, stage: Stage) -> Rule:
    """Rules outside the ladder: confirmation and promise reminders, fired by state, not by day."""
    return Rule(name=name, action=action, stage=stage, start=-10_000)


def _rule_due(rule: Rule, account: Account, profile: Profile, today: date) -> bool:
    """Whether a rule in force today fires: its cadence allows it, and its condition holds."""
    last = account.last_fired.get(rule.name)
    if last is not None and (rule.every is None or (today - last).days < rule.every):
        return False
    if rule.action is VISIT and not profile.field_visits:
        return False
    return rule.condition.holds(account, profile, today)


def _next_day(rule: Rule, account: Account, profile: Profile, earliest: date, closed: frozenset[Action]) -> date | None:
    """Closed form of the first day >= earliest on which `_rule_due` could hold without new events.

    `closed` is `closed_actions(account)`. (Comparisons stand for max(): the builtin's call costs
    more than the rest of a rule here.)
    """
    last = account.last_fired.get(rule.name)
    if last is not None and rule.every is None:
        return None
    if rule.action is VISIT and not profile.field_visits:
        return None
    if rule.action in closed:
        return None
    dated = rule.condition.day_dependent(profile)
    if not dated and not rule.condition.holds(account, profile, earliest):
        # The condition reads the account's state alone, so it fails on every day: no need to find one.
        # (Most accounts are far from legal review, whose prerequisites fail for want of a visit.)
        return None
    day = account.due_date + rule.start_delta
    if last is not None and (again := last + rule.every_delta) > day:  # type: ignore[operator]
        day = again
    if earliest > day:
        day = earliest
    last_day = None if rule.end_delta is None else account.due_date + rule.end_delta
    if last_day is not None and day > last_day:
        return None
    if not dated:
        # Its condition held above, and holds on every day. (Other conditions — visits, amounts,
        # promises — change only with an event, which re-queues the account.)
        return day
    # Days past due, and the quiet days after the last conversation (unreachability), come with time.
    return rule.condition.first_day(account, profile, day, last_day)


def _gate(account: Account, ctx: Context, rules: Iterable[Rule]) -> list[Decision]:
    """Pass each due rule through the guardrails; at most one action per channel per run."""
    today, profile, zones, now = ctx.today, ctx.profile, ctx.zones, ctx.now
    actions: list[Decision] = []
    skips: list[Decision] = []
    taken: set[Action] = set()
    for rule in rules:
        if rule.action in taken:
            reason: str | None = SkipReason.ONE_PER_CHANNEL
        else:
            reason = blocked(rule.action, rule.name, account, profile, zones, now, today)
        if reason:
            skips.append(_skip(account, rule.name, today, reason, rule.stage))
            continue
        taken.add(rule.action)
        actions.append(Decision(account.account_id, rule.action, rule.name, rule.stage, "due", today))
    return actions + skips


def _skip(account: Account, rule: str, today: date, reason: str, stage: Stage | None = None) -> Decision:
    return Decision(account.account_id, None, rule, stage or account.stage, reason, today)
