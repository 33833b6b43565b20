"""The guardrails every action passes: closed channels, third parties, contact windows and frequency caps.

Caps count contacts, not kinds of contact (DOMAIN.md, "How the guardrails count"): every collection SMS
and every dial attempt on the borrower's local day, or in the 7-day window, whatever rule or run made it.
A contact counts from the moment it is claimed (so two senders racing for the last slot of a cap cannot
both take it) until it falls out of the window. Dial attempts are the attempts agents reported (call
outcomes) plus the call tasks still open; the payment confirmation is exempt from the caps.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from functools import lru_cache

from .model import CONFIRMATION, HELP, Account, Action, ContactKey, SkipReason
from .profiles import Profile
from .windows import in_window

SMS, CALL, VISIT = Action.SMS, Action.CALL, Action.VISIT
# Actions that reach the borrower's phone, and so the contact window and third-party rules.
PHONE_ACTIONS = frozenset({SMS, CALL})
# Transactional texts: not collection contacts, so no cap counts them (they still need an open channel).
CAP_EXEMPT_RULES = frozenset({CONFIRMATION, HELP})  # HELP: the answer the borrower asked for
CLAIMED = "claimed"


def closed_reason(action: Action, account: Account) -> SkipReason | None:
    """Why this channel is closed for the account (its consent, its opt-outs, its number's record), or None."""
    if action is VISIT:
        return SkipReason.OPTED_OUT_VISIT if "all" in account.opted_out else None
    if action not in PHONE_ACTIONS:
        return None
    if action is SMS and not account.sms_consent:
        return SkipReason.NO_SMS_CONSENT
    why = account.number.why_closed(action.value)
    return SkipReason.closed(action, why) if why else None


def closed_actions(account: Account) -> frozenset[Action]:
    """The actions that cannot reach this borrower at all, whatever the day."""
    if account.sms_consent and not account.opted_out and not account.number.closed:
        return frozenset()  # the usual account: every channel open
    return frozenset(a for a in (SMS, CALL, VISIT) if closed_reason(a, account) is not None)


def blocked(
    action: Action, rule: str, account: Account, profile: Profile, zones: tuple[str, ...], now: datetime, today: date
) -> str | None:
    """Why the guardrails forbid this action now, or None. `rule` names the contact (its own claim is not counted)."""
    closed = closed_reason(action, account)
    if closed is not None:
        return closed
    if action in PHONE_ACTIONS and account.phone in account.emergency_contacts:
        # The lender lists this number as a third party's: a text or call could disclose the debt.
        return SkipReason.THIRD_PARTY_NUMBER
    if action in PHONE_ACTIONS and not in_window(now, zones, profile):
        return SkipReason.OUTSIDE_WINDOW
    own = f"{today.isoformat()}#{action.value}#{rule}"
    if action is SMS and rule not in CAP_EXEMPT_RULES:
        if texts_sent(account, today, 1, own) >= profile.sms_per_day:
            return SkipReason.SMS_DAILY_CAP
        if profile.sms_per_week is not None and texts_sent(account, today, 7, own) >= profile.sms_per_week:
            return SkipReason.SMS_WEEKLY_CAP
    if action is CALL:
        if dial_attempts(account, today, 1, now, own) >= profile.call_attempts_per_day:
            return SkipReason.CALL_DAILY_CAP
        if profile.calls_per_7_days is not None and dial_attempts(account, today, 7, now, own) >= profile.calls_per_7_days:
            return SkipReason.CALLS_7_IN_7
        if profile.conversations_per_day is not None and account.conversations.get(today, 0) >= profile.conversations_per_day:
            return SkipReason.CONVERSATIONS_DAILY_CAP
        pause = profile.call_pause_after_conversation_days
        if pause and account.last_reached is not None and (today - account.last_reached).days < pause:
            return SkipReason.POST_CONVERSATION_PAUSE
    return None


def texts_sent(account: Account, today: date, days: int, own: str = "") -> int:
    """Collection SMS on the `days` local days ending today: recorded, or claimed and on their way."""
    first = today - _days(days - 1)
    keys = {str(k) for k in account.recent if k.action is SMS and k.rule not in CAP_EXEMPT_RULES and first <= k.day <= today}
    keys.update(_in_flight(account.claims, SMS, first, today))
    keys.discard(own)
    return len(keys)


def dial_attempts(account: Account, today: date, days: int, now: datetime, own: str = "") -> int:
    """Dial attempts on the `days` local days ending today: reported by agents, plus call tasks still open.

    A task is open from its claim until an outcome answers it or it expires (an expired task is not
    dialled). A call the agent reported after its task expired counts once, as reported.
    """
    first = today - _days(days - 1)
    reported = sum(n for day, n in account.dials.items() if first <= day <= today)
    open_tasks = {k for k, expires in account.open_calls.items() if expires > now and first <= _day_of(k) <= today}
    in_flight = set(_in_flight(account.claims, CALL, first, today)) - set(account.open_calls)
    return reported + len((open_tasks | in_flight) - {own})


def _in_flight(claims: dict[str, str], action: Action, first: date, last: date) -> Iterable[str]:
    """Keys claimed for this action on those days and not yet recorded (a recorded one is "done")."""
    for text, state in claims.items():
        if state == CLAIMED:
            key = ContactKey.parse(text)
            if key.action is action and key.rule not in CAP_EXEMPT_RULES and first <= key.day <= last:
                yield text


def _day_of(key: str) -> date:
    return date.fromisoformat(key[:10])


# Cached: a timedelta of n days is a constant; callers use a handful of spans (1 and 7 days).
@lru_cache(maxsize=64)
def _days(n: int) -> timedelta:
    return timedelta(days=n)
