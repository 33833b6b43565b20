"""Holds (dispute, cease, attorney, bankruptcy, deceased, Breathing Space, hardship), third parties and waiting legal reviews."""

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from escalation.domain import legal
from escalation.domain.events import BREATHING_SPACE_DAYS, EventError, apply_event, lift_expired_holds
from escalation.domain.ladder import LEGAL_REVIEW_DAYS, Context, decide, next_check, review_expired
from escalation.domain.model import Account, Action, LegalState, Status
from escalation.domain.policy import DEFAULT_POLICY
from escalation.domain.profiles import profile_for

ZONE = "Asia/Shanghai"
DUE = date(2026, 3, 1)
TODAY = date(2026, 3, 10)


def account(**changes) -> Account:
    base = Account(
        account_id="A-1",
        phone="+8613800138000",
        balance=Decimal("6200.00"),
        currency="CNY",
        due_date=DUE,
        timezone=ZONE,
        emergency_contacts=("+8613900139000",),
    )
    return base.with_changes(**changes)


def at(d: date, hour: int = 10) -> datetime:
    return datetime.combine(d, time(hour), tzinfo=ZoneInfo(ZONE)).astimezone(UTC)


def ctx(d: date, hour: int = 10) -> Context:
    return Context(policy=DEFAULT_POLICY, profile=profile_for("CN"), zones=(ZONE,), now=at(d, hour))


def apply(acct: Account, kind: str, today: date = TODAY, **fields) -> Account:
    return apply_event(acct, {"type": kind, **fields}, today).account


def actions(acct: Account, d: date) -> list[Action]:
    return [x.action for x in decide(acct, ctx(d)) if x.action is not None]


def reasons(acct: Account, d: date) -> list[str]:
    return [x.reason for x in decide(acct, ctx(d)) if x.action is None]


# ---------------------------------------------------------------------- placing and lifting holds
@pytest.mark.parametrize("reason", ["attorney", "bankruptcy", "deceased", "hardship", "breathing_space"])
def test_every_placed_hold_stops_all_contact(reason):
    held = apply(account(), "hold_placed", reason=reason)
    assert held.status is Status.HOLD and reason in held.holds
    assert actions(account(), TODAY + timedelta(days=4)), "the unheld account would be contacted that day"
    assert actions(held, TODAY + timedelta(days=4)) == []
    assert reasons(held, TODAY + timedelta(days=4)) == [f"hold_{reason}"]


def test_an_unknown_hold_reason_names_the_field():
    with pytest.raises(EventError, match=r"^reason: expected one of attorney"):
        apply(account(), "hold_placed", reason="holiday")
    with pytest.raises(EventError, match=r"^reason:"):
        apply(account(), "hold_lifted", reason="holiday")


def test_a_hold_ending_in_the_past_is_refused():
    with pytest.raises(EventError, match=r"^until: 2026-03-09 is in the past"):
        apply(account(), "hold_placed", reason="hardship", until="2026-03-09")


def test_holds_stack_and_contact_resumes_only_when_the_last_is_lifted():
    held = apply(apply(account(), "dispute_opened"), "hold_placed", reason="attorney")
    assert held.hold_reason == "attorney+dispute"
    still = apply(held, "dispute_resolved")
    assert still.status is Status.HOLD and still.hold_reason == "attorney"
    resumed = apply(still, "hold_lifted", reason="attorney")
    assert resumed.status is Status.ACTIVE and resumed.holds == {} and resumed.hold_reason is None


def test_lifting_a_hold_that_is_not_there_changes_nothing():
    held = apply(account(), "cease_contact")
    assert apply(held, "hold_lifted", reason="bankruptcy") == held
    assert apply(held, "dispute_resolved") == held


def test_a_hold_placed_again_keeps_the_longer_end():
    first = apply(account(), "hold_placed", reason="hardship", until="2026-04-30")
    assert apply(first, "hold_placed", reason="hardship", until="2026-04-01").holds == {"hardship": date(2026, 4, 30)}
    assert apply(first, "hold_placed", reason="hardship").holds == {"hardship": None}


def test_a_promise_in_force_survives_a_hold_that_is_lifted_before_it_ends():
    promised = apply(account(), "promise_to_pay", amount="100.00", promised_date="2026-03-20")
    resumed = apply(apply(promised, "dispute_opened"), "dispute_resolved", today=date(2026, 3, 12))
    assert resumed.status is Status.PROMISE and resumed.promised_date == date(2026, 3, 20)
    lapsed = apply(apply(promised, "dispute_opened"), "dispute_resolved", today=date(2026, 3, 25))
    assert lapsed.status is Status.ACTIVE and lapsed.promised_date is None


# ---------------------------------------------------------------------- Breathing Space: a dated hold
def test_breathing_space_lasts_sixty_days_and_then_the_ladder_resumes():
    held = apply(account(), "hold_placed", reason="breathing_space")
    last = TODAY + timedelta(days=BREATHING_SPACE_DAYS)
    assert held.holds == {"breathing_space": last}
    assert next_check(held, ctx(TODAY), TODAY + timedelta(days=1)) == at(last + timedelta(days=1), 8)
    assert lift_expired_holds(held, last) is None
    ended = lift_expired_holds(held, last + timedelta(days=1))
    assert ended is not None and ended.account.status is Status.ACTIVE and ended.account.holds == {}


def test_a_dated_hold_under_an_open_ended_one_waits_for_an_event():
    held = apply(apply(account(), "hold_placed", reason="breathing_space"), "cease_contact")
    assert next_check(held, ctx(TODAY), TODAY + timedelta(days=1)) is None
    later = TODAY + timedelta(days=BREATHING_SPACE_DAYS + 1)
    ended = lift_expired_holds(held, later)
    assert ended is not None and ended.account.status is Status.HOLD and set(ended.account.holds) == {"cease_contact"}


# ---------------------------------------------------------------------- holds on a paid account
def test_a_hold_on_a_paid_account_stops_the_confirmation_but_keeps_it_paid():
    paid = apply(account(), "payment", amount="6200.00")
    assert actions(paid, TODAY) == [Action.SMS]
    deceased = apply(paid, "hold_placed", reason="deceased")
    assert deceased.status is Status.PAID
    assert actions(deceased, TODAY) == [] and reasons(deceased, TODAY) == ["hold_deceased"]
    assert next_check(deceased, ctx(TODAY), TODAY) is None


# ---------------------------------------------------------------------- third parties
def test_emergency_contacts_are_never_a_destination_even_if_the_borrower_number_is_one():
    assert actions(account(), DUE + timedelta(days=7)) == [Action.SMS, Action.CALL]
    shared = account(emergency_contacts=("+8613800138000",))
    assert actions(shared, DUE + timedelta(days=7)) == []
    assert set(reasons(shared, DUE + timedelta(days=7))) == {"third_party_number"}


# ---------------------------------------------------------------------- waiting legal reviews
def pending(requested: date) -> Account:
    return account(legal_state=LegalState.PENDING, last_fired={"legal_review": requested}, visits_attempted=1)


def test_a_review_expires_after_the_review_period():
    requested = date(2026, 5, 1)
    assert not review_expired(pending(requested), requested + timedelta(days=LEGAL_REVIEW_DAYS - 1))
    assert review_expired(pending(requested), requested + timedelta(days=LEGAL_REVIEW_DAYS))
    assert not review_expired(account(last_fired={"legal_review": requested}), requested + timedelta(days=60))


def test_an_account_with_a_waiting_review_is_looked_at_every_day():
    acct = pending(date(2026, 5, 1)).with_changes(last_fired={"legal_review": date(2026, 5, 1), "follow_up": date(2026, 5, 2)})
    tomorrow = date(2026, 5, 3)
    assert next_check(acct, ctx(date(2026, 5, 2)), tomorrow) == at(tomorrow, 8)


def test_a_review_closed_without_referral_records_why():
    closed = legal.end(pending(date(2026, 5, 1)), LegalState.WITHDRAWN, TODAY, "paid").account
    assert closed.legal_state is LegalState.WITHDRAWN and closed.legal_decided_on == TODAY
    assert closed.legal_note == "2026-03-10: legal review withdrawn: the account is paid"
    with pytest.raises(legal.LegalError):
        legal.end(pending(date(2026, 5, 1)), LegalState.APPROVED, TODAY)
