"""Evaluating the ladder for one account at one instant: which actions, which skips, and why.

`decide` is the whole escalation policy plus the guardrails; `next_check` tells the due
index when the account next needs a look. Both are pure functions of the account's
state, the policy, the profile and the clock.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

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


@dataclass(frozen=True)
class Context:
    """What a decision depends on besides the account."""

    policy: Policy
    profile: Profile
    zones: tuple[str, ...]
    now: datetime

    @property
    def today(self) -> date:
        return local_day(self.now, self.zones)


def decide(account: Account, ctx: Context) -> list[Decision]:
    """Everything the ladder wants for this account now: actions first, then skips with reasons."""
    today = ctx.today
    held = holds_in_force(account, today)
    if held and account.status in (Status.HOLD, Status.PAID):
        return [_skip(account, "-", today, f"hold_{reason}") for reason in held]
    if account.status in NO_CONTACT:
        return [_skip(account, "-", today, f"status_{account.status}")]
    if account.status is Status.PAID:
        if not account.confirmation_due:
            return []
        return _gate(account, ctx, [_virtual("confirmation", Action.SMS, account.stage)])
    if account.status is Status.PROMISE and not promise_expired(account, today):
        if account.promised_date and today == account.promised_date - timedelta(days=1):
            if account.last_fired.get("promise_reminder") != today:
                return _gate(account, ctx, [_virtual("promise_reminder", Action.SMS, account.stage)])
        return [_skip(account, "-", today, "promise_in_force")]
    if account.amount_due <= 0:
        return [_skip(account, "-", today, "nothing_owed")]
    return _gate(account, ctx, [r for r in ctx.policy.rules if _rule_due(r, account, ctx.profile, today)])


def holds_in_force(account: Account, today: date) -> list[str]:
    """The account's holds that still apply on this local day."""
    return sorted(reason for reason, until in account.holds.items() if until is None or until >= today)


def review_expired(account: Account, today: date) -> bool:
    """A pending legal review that has waited the whole review period for a decision."""
    requested = account.last_fired.get("legal_review")
    return account.legal_state is LegalState.PENDING and requested is not None and (today - requested).days >= LEGAL_REVIEW_DAYS


def promise_expired(account: Account, today: date) -> bool:
    """A promise pauses contacts until the promised date plus one day; after that it is broken."""
    return account.promised_date is not None and today > account.promised_date


def next_check(account: Account, ctx: Context, earliest: date) -> datetime | None:
    """The instant the account next needs assessing, on or after local day `earliest`; None = not until an event."""
    if account.holds and account.status in (Status.HOLD, Status.PAID):
        # Held: back on the day after the last dated hold ends; an open-ended hold waits for an event.
        ends = list(account.holds.values())
        if None in ends or (account.status is Status.PAID and not account.confirmation_due):
            return None
        return _at(max(max(ends) + timedelta(days=1), earliest), ctx)  # type: ignore[type-var]
    check = _next_ladder_check(account, ctx, earliest)
    if account.legal_state is LegalState.PENDING and account.status in (Status.ACTIVE, Status.PROMISE):
        # A waiting legal review is looked at every day: kept alive (heartbeat), withdrawn or expired.
        daily = _at(earliest, ctx)
        return daily if check is None else min(check, daily)
    return check


def _next_ladder_check(account: Account, ctx: Context, earliest: date) -> datetime | None:
    if account.status in NO_CONTACT:
        return None
    if account.status is Status.PAID:
        return _at(earliest, ctx) if account.confirmation_due and not _channel_closed(Action.SMS, account) else None
    if account.status is Status.PROMISE and account.promised_date and not promise_expired(account, earliest):
        reminder = account.promised_date - timedelta(days=1)
        days = [account.promised_date + timedelta(days=1)]
        if account.last_fired.get("promise_reminder") != reminder and reminder >= earliest:
            days.append(reminder)
        return _at(min(days), ctx)
    if account.amount_due <= 0:
        return None
    days = [d for r in ctx.policy.rules if (d := _next_day(r, account, ctx.profile, earliest)) is not None]
    return _at(min(days), ctx) if days else None


def _at(day: date, ctx: Context) -> datetime:
    """The window's opening on that day, or now if it has already opened."""
    return max(window_opens(day, ctx.zones, ctx.profile), ctx.now)


def _virtual(name: str, action: Action, stage: Stage) -> Rule:
    """Rules outside the ladder: confirmation and promise reminders, fired by state, not by day."""
    return Rule(name=name, action=action, stage=stage, start=-10_000)


def _rule_due(rule: Rule, account: Account, profile: Profile, today: date) -> bool:
    day = (today - account.due_date).days
    if day < rule.start or (rule.end is not None and day > rule.end):
        return False
    last = account.last_fired.get(rule.name)
    if last is not None and (rule.every is None or (today - last).days < rule.every):
        return False
    if rule.action is Action.VISIT and not profile.field_visits:
        return False
    return _condition(rule.condition, account, profile, today)


def _next_day(rule: Rule, account: Account, profile: Profile, earliest: date) -> date | None:
    """Closed form of the first day >= earliest on which `_rule_due` could hold without new events."""
    last = account.last_fired.get(rule.name)
    if last is not None and rule.every is None:
        return None
    if rule.action is Action.VISIT and not profile.field_visits:
        return None
    if _channel_closed(rule.action, account):
        return None
    day = account.due_date + timedelta(days=rule.start)
    if last is not None and rule.every is not None:
        day = max(day, last + timedelta(days=rule.every))
    day = max(day, earliest)
    if rule.end is not None and day > account.due_date + timedelta(days=rule.end):
        return None
    if rule.condition == "unreachable_or_refused" and not _condition(rule.condition, account, profile, day):
        # Unreachability also comes with time: 14 quiet days after the last conversation.
        if account.failed_call_attempts >= UNREACHABLE_ATTEMPTS and account.last_reached is not None:
            day = max(day, account.last_reached + timedelta(days=UNREACHABLE_QUIET_DAYS))
    # Other conditions (visits, amounts, promises) change only with an event, which re-queues the account.
    if rule.end is not None and day > account.due_date + timedelta(days=rule.end):
        return None
    return day if _condition(rule.condition, account, profile, day) else None


def _condition(name: str, account: Account, profile: Profile, today: date) -> bool:
    if name == "no_promise":
        return account.status is not Status.PROMISE
    if name == "unreachable_or_refused":
        quiet = account.last_reached is None or (today - account.last_reached).days >= UNREACHABLE_QUIET_DAYS
        return (account.failed_call_attempts >= UNREACHABLE_ATTEMPTS and quiet) or account.refusals >= REFUSALS_FOR_VISIT
    if name == "legal_prerequisites":
        return (
            account.amount_due >= profile.legal_threshold
            and account.visits_attempted >= 1
            and account.legal_state not in (LegalState.PENDING, LegalState.APPROVED)
        )
    return True


def _channel_closed(action: Action, account: Account) -> bool:
    if "all" in account.opted_out:
        return action in (Action.SMS, Action.CALL, Action.VISIT)
    if action is Action.SMS:
        return "sms" in account.opted_out or not account.sms_consent
    if action is Action.CALL:
        return "call" in account.opted_out
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
    if _channel_closed(action, account):
        return f"opted_out_{action}"
    if action in (Action.SMS, Action.CALL) and account.phone in account.emergency_contacts:
        # The lender lists this number as a third party's: a text or call could disclose the debt.
        return "third_party_number"
    if action in (Action.SMS, Action.CALL) and not in_window(ctx.now, ctx.zones, ctx.profile):
        return "outside_window"
    today, p = ctx.today, ctx.profile
    if action is Action.SMS:
        if _count(account.recent, Action.SMS, today, 1) >= p.sms_per_day:
            return "sms_daily_cap"
        if p.sms_per_week is not None and _count(account.recent, Action.SMS, today, 7) >= p.sms_per_week:
            return "sms_weekly_cap"
    if action is Action.CALL:
        if _count(account.recent, Action.CALL, today, 1) >= p.call_attempts_per_day:
            return "call_daily_cap"
        if p.calls_per_7_days is not None and _count(account.recent, Action.CALL, today, 7) >= p.calls_per_7_days:
            return "calls_7_in_7"
        pause = p.call_pause_after_conversation_days
        if pause and account.last_reached is not None and (today - account.last_reached).days < pause:
            return "post_conversation_pause"
    return None


def _count(recent: Iterable[RecentContact], action: Action, today: date, days: int) -> int:
    """Contacts of one kind on the `days` local days ending today."""
    first = today - timedelta(days=days - 1)
    return sum(1 for c in recent if c.action is action and first <= c.day <= today)


def _skip(account: Account, rule: str, today: date, reason: str, stage: Stage | None = None) -> Decision:
    return Decision(account.account_id, None, rule, stage or account.stage, reason, today)
