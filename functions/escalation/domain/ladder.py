"""Evaluating the ladder for one account at one instant: which actions, which skips, and why.

`decide` is the whole escalation policy plus the guardrails; `next_check` tells the due
index when the account next needs a look. Both are pure functions of the account's
state, the policy, the profile and the clock.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cached_property, lru_cache

from .model import Account, Action, Decision, LegalState, RecentContact, Stage, Status
from .policy import Policy, Rule
from .profiles import Profile
from .windows import in_window, local_day, window_opens

UNREACHABLE_ATTEMPTS = 3
UNREACHABLE_QUIET_DAYS = 14
REFUSALS_FOR_VISIT = 2
# A legal review nobody decided within this many days returns the account to the ladder.
# The legal-review state machine's TimeoutSeconds is the same period (a test keeps them equal).
LEGAL_REVIEW_DAYS = 14
# Statuses with no collection contact at all; they leave the due index.
NO_CONTACT = frozenset({Status.HOLD, Status.LEGAL, Status.CLOSED})
# Statuses that a hold pauses (a paid account's confirmation waits for it too).
HOLD_OR_PAID = frozenset({Status.HOLD, Status.PAID})
# Actions that reach the borrower's phone, and so the contact window and third-party rules.
PHONE_ACTIONS = frozenset({Action.SMS, Action.CALL})

# Enum members the hot paths compare against, bound once as module globals: on Python 3.11,
# reading `Status.PAID` goes through EnumType's __getattr__ hook, several times slower than a global.
ACTIVE, PAID, PROMISE = Status.ACTIVE, Status.PAID, Status.PROMISE
SMS, CALL, VISIT = Action.SMS, Action.CALL, Action.VISIT
PENDING, APPROVED = LegalState.PENDING, LegalState.APPROVED
# Likewise made once: constructing a timedelta costs more than the date arithmetic it serves.
ONE_DAY = timedelta(days=1)
UNREACHABLE_QUIET = timedelta(days=UNREACHABLE_QUIET_DAYS)
# Conditions that can change with the passing days alone (`_condition` reads its `today`);
# every other condition reads only the account's state, so it holds on all days or on none.
DAY_DEPENDENT = frozenset({"unreachable_or_refused"})


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
    """Everything the ladder wants for this account now: actions first, then skips with reasons."""
    today = ctx.today
    held = holds_in_force(account, today)
    if held and account.status in HOLD_OR_PAID:
        return [_skip(account, "-", today, f"hold_{reason}") for reason in held]
    if account.status in NO_CONTACT:
        return [_skip(account, "-", today, f"status_{account.status}")]
    if account.status is PAID:
        if not account.confirmation_due:
            return []
        return _gate(account, ctx, [_virtual("confirmation", SMS, account.stage)])
    if account.status is PROMISE and not promise_expired(account, today):
        if account.promised_date and today == account.promised_date - ONE_DAY:
            if account.last_fired.get("promise_reminder") != today:
                return _gate(account, ctx, [_virtual("promise_reminder", SMS, account.stage)])
        return [_skip(account, "-", today, "promise_in_force")]
    if account.amount_due <= 0:
        return [_skip(account, "-", today, "nothing_owed")]
    in_force = ctx.policy.rules_on((today - account.due_date).days)
    return _gate(account, ctx, [r for r in in_force if _rule_due(r, account, ctx.profile, today)])


def holds_in_force(account: Account, today: date) -> list[str]:
    """The account's holds that still apply on this local day."""
    if not account.holds:
        return []
    return sorted(reason for reason, until in account.holds.items() if until is None or until >= today)


def review_expired(account: Account, today: date) -> bool:
    """A pending legal review that has waited the whole review period for a decision."""
    requested = account.last_fired.get("legal_review")
    return account.legal_state is PENDING and requested is not None and (today - requested).days >= LEGAL_REVIEW_DAYS


def promise_expired(account: Account, today: date) -> bool:
    """A promise pauses contacts until the promised date plus one day; after that it is broken."""
    return account.promised_date is not None and today > account.promised_date


def next_check(account: Account, ctx: Context, earliest: date) -> datetime | None:
    """The instant the account next needs assessing, on or after local day `earliest`; None = not until an event."""
    if account.holds and account.status in HOLD_OR_PAID:
        # Held: back on the day after the last dated hold ends; an open-ended hold waits for an event.
        ends = list(account.holds.values())
        if None in ends or (account.status is PAID and not account.confirmation_due):
            return None
        return _at(max(max(ends) + ONE_DAY, earliest), ctx)  # type: ignore[type-var]
    check = _next_ladder_check(account, ctx, earliest)
    if account.legal_state is PENDING and account.status in (ACTIVE, PROMISE):
        # A waiting legal review is looked at every day: kept alive (heartbeat), withdrawn or expired.
        daily = _at(earliest, ctx)
        return daily if check is None else min(check, daily)
    return check


def _next_ladder_check(account: Account, ctx: Context, earliest: date) -> datetime | None:
    if account.status in NO_CONTACT:
        return None
    if account.status is PAID:
        return _at(earliest, ctx) if account.confirmation_due and SMS not in _closed_channels(account) else None
    if account.status is PROMISE and account.promised_date and not promise_expired(account, earliest):
        reminder = account.promised_date - ONE_DAY
        days = [account.promised_date + ONE_DAY]
        if account.last_fired.get("promise_reminder") != reminder and reminder >= earliest:
            days.append(reminder)
        return _at(min(days), ctx)
    if account.amount_due <= 0:
        return None
    closed, profile = _closed_channels(account), ctx.profile
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
    return _condition(rule.condition, account, profile, today)


def _next_day(rule: Rule, account: Account, profile: Profile, earliest: date, closed: frozenset[Action]) -> date | None:
    """Closed form of the first day >= earliest on which `_rule_due` could hold without new events.

    `closed` is `_closed_channels(account)`. (Comparisons stand for max(): the builtin's call costs
    more than the rest of a rule here.)
    """
    last = account.last_fired.get(rule.name)
    if last is not None and rule.every is None:
        return None
    if rule.action is VISIT and not profile.field_visits:
        return None
    if rule.action in closed:
        return None
    dated = rule.condition in DAY_DEPENDENT
    if not dated and not _condition(rule.condition, account, profile, earliest):
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
    if not _condition(rule.condition, account, profile, day):
        # Unreachability also comes with time: 14 quiet days after the last conversation.
        if account.failed_call_attempts >= UNREACHABLE_ATTEMPTS and account.last_reached is not None:
            if (quiet := account.last_reached + UNREACHABLE_QUIET) > day:
                day = quiet
            if last_day is not None and day > last_day:
                return None
    return day if _condition(rule.condition, account, profile, day) else None


def _condition(name: str, account: Account, profile: Profile, today: date) -> bool:
    if name == "always":
        return True
    if name == "no_promise":
        return account.status is not PROMISE
    if name == "unreachable_or_refused":
        quiet = account.last_reached is None or (today - account.last_reached).days >= UNREACHABLE_QUIET_DAYS
        return (account.failed_call_attempts >= UNREACHABLE_ATTEMPTS and quiet) or account.refusals >= REFUSALS_FOR_VISIT
    if name == "legal_prerequisites":
        return (  # cheapest first: the amount is a Decimal sum, and most accounts had no visit yet
            account.visits_attempted >= 1
            and account.legal_state not in (PENDING, APPROVED)
            and account.amount_due >= profile.legal_threshold
        )
    return True


def _closed_channels(account: Account) -> frozenset[Action]:
    """The actions the borrower's opt-outs and consent rule out."""
    return _closed_for(account.opted_out, account.sms_consent)


# Cached: the closed actions are a function of the opt-outs and the SMS consent alone, and
# nearly every account shares one of a handful of combinations.
@lru_cache(maxsize=256)
def _closed_for(opted_out: frozenset[str], sms_consent: bool) -> frozenset[Action]:
    return frozenset(action for action in Action if _channel_closed(action, opted_out, sms_consent))


def _channel_closed(action: Action, opted_out: frozenset[str], sms_consent: bool) -> bool:
    if "all" in opted_out:
        return action in (SMS, CALL, VISIT)
    if action is SMS:
        return "sms" in opted_out or not sms_consent
    if action is CALL:
        return "call" in opted_out
    return False


def _gate(account: Account, ctx: Context, rules: Iterable[Rule]) -> list[Decision]:
    """Pass each due rule through the guardrails; at most one action per channel per run."""
    today = ctx.today
    actions: list[Decision] = []
    skips: list[Decision] = []
    taken: set[Action] = set()
    for rule in rules:
        reason = _blocked(rule.action, account, ctx) if rule.action not in taken else "one_per_channel_per_day"
        if reason:
            skips.append(_skip(account, rule.name, today, reason, rule.stage))
            continue
        taken.add(rule.action)
        actions.append(Decision(account.account_id, rule.action, rule.name, rule.stage, "due", today))
    return actions + skips


def _blocked(action: Action, account: Account, ctx: Context) -> str | None:
    """Why the guardrails forbid this action now, or None."""
    if action in _closed_channels(account):
        return f"opted_out_{action}"
    if action in PHONE_ACTIONS and account.phone in account.emergency_contacts:
        # The lender lists this number as a third party's: a text or call could disclose the debt.
        return "third_party_number"
    if action in PHONE_ACTIONS and not in_window(ctx.now, ctx.zones, ctx.profile):
        return "outside_window"
    today, p = ctx.today, ctx.profile
    if action is SMS:
        if _count(account.recent, SMS, today, 1) >= p.sms_per_day:
            return "sms_daily_cap"
        if p.sms_per_week is not None and _count(account.recent, SMS, today, 7) >= p.sms_per_week:
            return "sms_weekly_cap"
    if action is CALL:
        if _count(account.recent, CALL, today, 1) >= p.call_attempts_per_day:
            return "call_daily_cap"
        if p.calls_per_7_days is not None and _count(account.recent, CALL, today, 7) >= p.calls_per_7_days:
            return "calls_7_in_7"
        pause = p.call_pause_after_conversation_days
        if pause and account.last_reached is not None and (today - account.last_reached).days < pause:
            return "post_conversation_pause"
    return None


def _count(recent: Iterable[RecentContact], action: Action, today: date, days: int) -> int:
    """Contacts of one kind on the `days` local days ending today."""
    first = today - _days(days - 1)
    return sum(1 for c in recent if c.action is action and first <= c.day <= today)


# Cached: a timedelta of n days is a constant; callers use a handful of spans (1 and 7 days).
@lru_cache(maxsize=64)
def _days(n: int) -> timedelta:
    return timedelta(days=n)


def _skip(account: Account, rule: str, today: date, reason: str, stage: Stage | None = None) -> Decision:
    return Decision(account.account_id, None, rule, stage or account.stage, reason, today)
