"""Issue 14's rules as pure functions: numbers, reachability and the legal path, the referral's re-check,
promises, caps that count contacts, task windows, the stage, sender identities and locales."""

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from escalation.domain import conditions, legal, promises
from escalation.domain.events import EventError, apply_event
from escalation.domain.guardrails import dial_attempts, texts_sent
from escalation.domain.ladder import Context, decide, next_check
from escalation.domain.locales import LocaleError, template_language
from escalation.domain.model import (
    Account,
    Action,
    ContactKey,
    LegalState,
    SkipReason,
    Stage,
    Status,
    furthest,
)
from escalation.domain.numbers import ClosedBecause, NumberStatus
from escalation.domain.phones import mask_phone, profile_of_number
from escalation.domain.policy import DEFAULT_POLICY, Policy, PolicyError
from escalation.domain.profiles import parse_overrides, profile_for
from escalation.domain.progress import applied, progress_of
from escalation.domain.sender import SenderError, Senders
from escalation.domain.tasks import call_window, visit_window

CN, US, EU = profile_for("CN"), profile_for("US"), profile_for("EU")
SHANGHAI, NEW_YORK = "Asia/Shanghai", "America/New_York"
DUE = date(2026, 3, 1)


def cn(**changes) -> Account:
    base = Account("CN-1", "+8613800138000", Decimal("8000.00"), "CNY", DUE, profile="CN", timezone=SHANGHAI)
    return replace(base, **changes)


def us(**changes) -> Account:
    base = Account("US-1", "+12125550187", Decimal("5000.00"), "USD", DUE, profile="US", timezone=NEW_YORK)
    return replace(base, **changes)


def at(d: date, hour: int = 10, zone: str = SHANGHAI) -> datetime:
    return datetime.combine(d, time(hour), tzinfo=ZoneInfo(zone)).astimezone(UTC)


def ctx(account: Account, d: date, hour: int = 10) -> Context:
    profile, zone = (CN, SHANGHAI) if account.profile == "CN" else (US, NEW_YORK)
    return Context(DEFAULT_POLICY, profile, (zone,), at(d, hour, zone))


def actions(account: Account, d: date) -> list[tuple[Action, str]]:
    return [(x.action, x.rule) for x in decide(account, ctx(account, d)) if x.action is not None]


def skips(account: Account, d: date) -> dict[str, str]:
    return {x.rule: x.reason for x in decide(account, ctx(account, d)) if x.action is None}


def day(n: int) -> date:
    return DUE + timedelta(days=n)


# ---------------------------------------------------------------------- 1, 2: numbers own their closures
def test_a_closure_keeps_its_first_reason_and_closes_only_phone_channels():
    number = NumberStatus("+8613800138000").closing(("sms",), ClosedBecause.OPTED_OUT, DUE, "opt_out")
    again = number.closing(("sms", "call", "visit"), ClosedBecause.WRONG_NUMBER, day(1), "CN-1")
    assert again.why_closed("sms") is ClosedBecause.OPTED_OUT and again.why_closed("call") is ClosedBecause.WRONG_NUMBER
    assert set(again.closed) == {"sms", "call"} and again.wrong_number and not number.wrong_number


def test_a_wrong_number_closes_sms_and_calls_on_the_number_and_counts_as_a_failed_attempt():
    after = apply_event(cn(), {"type": "call_outcome", "outcome": "wrong_number"}, day(3)).account
    assert after.number.why_closed("sms") == after.number.why_closed("call") == "wrong_number"
    assert after.failed_call_attempts == 1 and after.dials == {day(3): 1}
    assert actions(after, day(7)) == []  # the follow-up SMS and call are due, the phone is closed
    assert skips(after, day(7)) == {"follow_up": "wrong_number_sms", "follow_up_call": "wrong_number_call"}


def test_the_payment_confirmation_never_goes_to_a_closed_number():
    paid = cn(status=Status.PAID, balance=Decimal("0"), confirmation_due=True)
    assert actions(paid, day(7)) == [(Action.SMS, "confirmation")]
    closed = paid.with_changes(number=NumberStatus(paid.phone).closing(("sms", "call"), ClosedBecause.WRONG_NUMBER, day(6)))
    assert actions(closed, day(7)) == [] and next_check(closed, ctx(closed, day(7)), day(8)) is None


def test_with_a_wrong_number_the_account_goes_on_with_a_field_visit_in_cn():
    wrong = apply_event(
        cn(last_fired={"follow_up": day(28), "follow_up_call": day(28)}), {"type": "call_outcome", "outcome": "wrong_number"}, day(29)
    ).account
    assert actions(wrong, day(30)) == [(Action.VISIT, "field_visit")]
    assert next_check(wrong, ctx(wrong, day(29)), day(30)) == at(day(30), 8)


def test_contact_updated_gives_a_new_number_whose_channels_are_open():
    wrong = apply_event(cn(), {"type": "call_outcome", "outcome": "wrong_number"}, day(3)).account
    moved = apply_event(wrong, {"type": "contact_updated", "phone": "+8613800138111"}, day(5)).account
    assert moved.phone == "+8613800138111" and moved.number == NumberStatus("+8613800138111")
    assert moved.failed_call_attempts == 0  # the attempts on the old number did not try the borrower
    assert actions(moved, day(7)) == [(Action.SMS, "follow_up"), (Action.CALL, "follow_up_call")]
    assert apply_event(moved, {"type": "contact_updated", "phone": "+8613800138111"}, day(6)).note.endswith("unchanged")


def test_contact_updated_refuses_a_number_without_a_common_window_when_the_zone_was_derived():
    derived = us(timezone=None)
    with pytest.raises(EventError, match=r"^phone: the account has no time zone"):
        apply_event(derived, {"type": "contact_updated", "phone": "+18005550100"}, day(5))  # toll-free: every NANP zone


def test_an_opt_out_closes_the_channel_on_the_number_and_all_also_stops_visits():
    sms = apply_event(cn(), {"type": "opt_out", "channel": "sms"}, day(2)).account
    assert sms.number.why_closed("sms") == "opted_out" and sms.number.why_closed("call") is None
    everything = apply_event(cn(refusals=2, last_fired={"follow_up": day(28)}), {"type": "opt_out", "channel": "all"}, day(2)).account
    assert set(everything.number.closed) == {"sms", "call"}
    assert skips(everything, day(30))["field_visit"] == "opted_out_visit"


def test_an_account_enrolled_later_on_a_closed_number_reads_the_closure():
    closed = NumberStatus("+8613800138000").closing(("sms",), ClosedBecause.OPTED_OUT, DUE, "opt_out")
    later = cn(account_id="CN-2", number=closed)
    assert skips(later, day(1)) == {"reminder": "opted_out_sms"}


# ---------------------------------------------------------------------- 3: the legal path outside China
def silent(account: Account, attempts: int = 3, reached: date | None = None) -> Account:
    return account.with_changes(
        failed_call_attempts=attempts, last_reached=reached, last_fired={"follow_up": day(56), "follow_up_call": day(59)}
    )


@pytest.mark.parametrize(
    ("account", "holds"),
    [
        (silent(us()), True),  # 3 failed attempts, no conversation ever
        (silent(us(), attempts=2), False),
        (silent(us(), reached=day(35)), False),  # a conversation 25 days before D+60
        (silent(us(), reached=day(30)), True),  # exactly 30 quiet days
        (us(refusals=2), True),
        (us(refusals=1), False),
        (silent(us(balance=Decimal("999.99"))), False),  # below the US threshold
        (silent(us(legal_state=LegalState.PENDING)), False),  # a review waits already
        (us(number=NumberStatus("+12125550187").closing(("sms", "call"), ClosedBecause.WRONG_NUMBER, day(40))), True),
        (silent(cn()), False),  # CN offers visits: a visit attempted is the prerequisite
        (cn(visits_attempted=1), True),
    ],
)
def test_the_legal_prerequisites_by_profile(account, holds):
    profile = CN if account.profile == "CN" else US
    assert conditions.holds("legal_prerequisites", account, profile, day(60)) is holds


def test_eu_has_no_field_visits_and_takes_the_same_path():
    assert not EU.field_visits
    eu = silent(us(profile="EU", currency="GBP"))
    assert conditions.holds("legal_prerequisites", eu, EU, day(60))


def test_a_silent_us_borrower_above_the_threshold_gets_a_legal_review_on_d60():
    account = silent(us())
    assert (Action.LEGAL_REVIEW, "legal_review") in actions(account, day(60))
    assert next_check(account, ctx(account, day(59)), day(60)) == at(day(60), 8, NEW_YORK)


def test_the_review_waits_for_the_thirtieth_quiet_day_after_a_conversation():
    account = silent(us(), reached=day(35))
    assert (Action.LEGAL_REVIEW, "legal_review") not in actions(account, day(60))
    assert conditions.first_day("legal_prerequisites", account, US, day(60)) == day(65)
    assert (Action.LEGAL_REVIEW, "legal_review") in actions(account, day(65))


# ---------------------------------------------------------------------- 4: the referral re-checks
@pytest.mark.parametrize(
    ("account", "why"),
    [
        (us(), None),
        (us(status=Status.PAID, balance=Decimal("0")), "paid"),
        (us(status=Status.HOLD, holds={"dispute": None}), "on_hold"),
        (us(status=Status.PROMISE, promised_date=day(70)), "promise_in_force"),
        (us(balance=Decimal("999.99")), "below_threshold"),
    ],
)
def test_the_referral_is_blocked_while_the_account_no_longer_qualifies(account, why):
    assert legal.blocker(account, US) == why


def test_a_waiting_review_is_withdrawn_by_what_stops_the_referral_and_waits_for_a_promise():
    waiting = us(legal_state=LegalState.PENDING)
    assert legal.withdrawal_reason(waiting, waiting.with_changes(balance=Decimal("500")), US) == "below_threshold"
    assert legal.withdrawal_reason(waiting, waiting.with_changes(status=Status.HOLD), US) == "on_hold"
    assert legal.withdrawal_reason(waiting, waiting.with_changes(status=Status.PROMISE), US) is None  # waits
    approved = waiting.with_changes(legal_approvals={"li.wei": "2026-05-01T10:00:00+00:00", "ana.ruiz": "2026-05-01T11:00:00+00:00"})
    assert legal.withdrawal_reason(approved, approved, US, promise_kept=True) == "promise_kept"
    assert legal.withdrawal_reason(us(), us(balance=Decimal("1")), US) is None  # no review waits


def test_an_ended_review_records_why_for_people():
    ended = legal.end(us(legal_state=LegalState.PENDING), LegalState.WITHDRAWN, day(61), "below_threshold")
    assert ended.account.legal_note == "2026-05-01: legal review withdrawn: the amount due is below the legal threshold"
    assert ended.account.legal_approvals == {}


def test_an_approval_waiting_for_a_promise_does_not_expire():
    from escalation.domain.ladder import review_expired

    waiting = us(legal_state=LegalState.PENDING, last_fired={"legal_review": day(60)})
    assert review_expired(waiting, day(74))
    assert not review_expired(waiting.with_changes(legal_approvals={"li.wei": "x"}), day(74))


# ---------------------------------------------------------------------- 5: promises
def promise(account: Account, amount: str, by: date, today: date) -> Account:
    return apply_event(account, {"type": "promise_to_pay", "amount": amount, "promised_date": by.isoformat()}, today).account


def pay(account: Account, amount: str, today: date, profile=CN):
    return apply_event(account, {"type": "payment", "amount": amount}, today, profile)


def test_a_promise_is_kept_by_the_payments_since_it_was_made():
    paid_before = pay(cn(), "300", day(3)).account  # before the promise: does not count toward it
    promised = promise(paid_before, "1000", day(10), day(4))
    first = pay(promised, "600", day(5))
    assert (first.promise_kept, first.account.status, first.account.promise_paid) == (False, Status.PROMISE, Decimal("600"))
    second = pay(first.account, "400", day(8))
    assert second.promise_kept and "the promise to pay is kept" in second.note
    kept = second.account
    assert (kept.status, kept.kept_promises, kept.broken_promises, kept.promised_date) == (Status.ACTIVE, 1, 0, None)
    assert kept.balance == Decimal("6700.00")  # the ladder resumes for the rest
    assert (Action.SMS, "follow_up") in actions(kept, day(9))  # at once, before the promised date


def test_a_payment_after_the_promises_last_day_does_not_keep_it():
    promised = promise(cn(), "1000", day(10), day(4))
    late = pay(promised, "1000", day(11))
    assert not late.promise_kept and late.account.kept_promises == 0


def test_paying_in_full_keeps_the_promise_and_settles():
    settled = pay(promise(cn(), "1000", day(10), day(4)), "8000.00", day(6))
    assert settled.promise_kept and settled.account.status is Status.PAID and settled.account.kept_promises == 1


def test_grace_days_extend_the_promise():
    graced = CN.with_overrides(promise_grace_days=2)
    promised = promise(cn(), "1000", day(10), day(4))
    assert promises.last_day(promised, graced) == day(12)
    assert not promises.lapsed(promised, graced, day(12)) and promises.lapsed(promised, graced, day(13))
    assert pay(promised, "1000", day(12), graced).promise_kept
    context = Context(DEFAULT_POLICY, graced, (SHANGHAI,), at(day(11)))
    assert [x.reason for x in decide(promised, context)] == ["promise_in_force"]


def test_a_promise_made_during_a_hold_is_recorded_and_applies_if_the_hold_lifts_in_time():
    held = apply_event(cn(), {"type": "dispute_opened"}, day(2)).account
    promised = promise(held, "1000", day(10), day(3))
    assert promised.status is Status.HOLD and promised.promised_date == day(10)
    in_time = apply_event(promised, {"type": "dispute_resolved"}, day(6)).account
    assert in_time.status is Status.PROMISE
    lapsed = apply_event(promised, {"type": "dispute_resolved"}, day(11))
    assert lapsed.account.status is Status.ACTIVE and lapsed.account.broken_promises == 1 and "lapsed unkept" in lapsed.note


def test_a_promise_kept_during_a_hold_counts_as_kept():
    held = promise(apply_event(cn(), {"type": "dispute_opened"}, day(2)).account, "1000", day(10), day(3))
    kept = pay(held, "1000", day(5))
    assert kept.promise_kept and kept.account.status is Status.HOLD and kept.account.kept_promises == 1


# ---------------------------------------------------------------------- 6: caps count contacts
def keys(action: Action, *rules_and_days: tuple[str, date]) -> tuple[ContactKey, ...]:
    return tuple(ContactKey(d, action, rule) for rule, d in rules_and_days)


def test_texts_sent_count_every_contact_and_every_claim_on_its_way():
    today = day(7)
    account = cn(
        recent=keys(Action.SMS, ("reminder", today), ("follow_up", today), ("confirmation", today)),
        claims={f"{today}#sms#promise_reminder": "claimed", f"{today}#sms#follow_up": "done"},
    )
    assert texts_sent(account, today, 1) == 3  # reminder, follow_up (recorded), promise_reminder (claimed); not the confirmation
    assert texts_sent(account, today, 1, own=f"{today}#sms#promise_reminder") == 2  # a send re-checked: its own claim aside


def test_two_texts_of_one_day_reach_the_cn_cap_of_two_whatever_rule_or_run_sent_them():
    today = day(7)
    account = cn(last_fired={"reminder": day(1)}, recent=keys(Action.SMS, ("pre_due", today), ("custom", today)))
    assert skips(account, today)["follow_up"] == "sms_daily_cap"


def test_the_confirmation_is_exempt_from_the_caps():
    today = day(7)
    paid = us(status=Status.PAID, balance=Decimal("0"), confirmation_due=True, recent=keys(Action.SMS, ("follow_up", today)))
    assert actions(paid, today) == [(Action.SMS, "confirmation")]


def test_dial_attempts_are_the_reported_ones_plus_the_call_tasks_still_open():
    today, now = day(7), at(day(7), 12)
    account = cn(
        dials={today: 2, day(6): 1, day(-1): 5},
        open_calls={f"{today}#call#follow_up_call": at(day(7), 21), f"{day(6)}#call#early_call": at(day(6), 21)},
        claims={f"{today}#call#other": "claimed"},
    )
    assert dial_attempts(account, today, 1, now) == 2 + 1 + 1  # reported, the open task, the claim in flight
    assert dial_attempts(account, today, 7, now) == 2 + 1 + 1 + 1  # yesterday's task expired unworked: not an attempt
    assert dial_attempts(account, today, 1, at(day(7), 22)) == 2 + 1  # after 21:00 the task has expired


def test_reported_attempts_fill_the_cn_six_a_day_and_the_us_seven_in_seven():
    cn_six = cn(last_fired={"early_call": day(3)}, dials={day(7): 6})
    assert skips(cn_six, day(7))["follow_up_call"] == "call_daily_cap"
    us_seven = us(last_fired={"early_call": day(3)}, dials={day(k): 1 for k in range(1, 8)})
    assert skips(us_seven, day(7))["follow_up_call"] == "calls_7_in_7"


def test_connected_calls_per_day():
    assert CN.conversations_per_day == 3 and EU.conversations_per_day == 1 and US.conversations_per_day is None
    talked = cn(last_fired={"early_call": day(3)}, conversations={day(7): 3}, last_reached=day(7))
    assert skips(talked, day(7))["follow_up_call"] == "conversations_daily_cap"


def test_call_outcomes_count_attempts_and_answer_their_task():
    tasks = {f"{day(7)}#call#follow_up_call": at(day(7), 21), f"{day(4)}#call#early_call": at(day(4), 21)}
    account = cn(open_calls=tasks)
    named = apply_event(account, {"type": "call_outcome", "outcome": "no_answer", "task_id": f"CN-1#{day(7)}#call#follow_up_call"}, day(7))
    assert set(named.account.open_calls) == {f"{day(4)}#call#early_call"} and named.account.dials == {day(7): 1}
    oldest = apply_event(account, {"type": "call_outcome", "outcome": "reached"}, day(7)).account
    assert set(oldest.open_calls) == {f"{day(7)}#call#follow_up_call"} and oldest.conversations == {day(7): 1}
    pruned = apply_event(cn(dials={day(-10): 4}), {"type": "call_outcome", "outcome": "no_answer"}, day(7)).account
    assert pruned.dials == {day(7): 1}  # days the caps no longer read are dropped


# ---------------------------------------------------------------------- 7: task windows
def test_a_call_task_expires_when_the_window_closes_on_the_day_it_was_queued():
    window = call_window(at(day(7), 10), (SHANGHAI,), CN)
    assert (window.first_day, window.last_day, window.expires_at) == (day(7), day(7), datetime(2026, 3, 8, 13, tzinfo=UTC))
    assert window.as_json() == {
        "zone": SHANGHAI,
        "first_day": "2026-03-08",
        "last_day": "2026-03-08",
        "hours": {"from": "08:00", "until": "21:00"},
        "expires_at": "2026-03-08T13:00:00Z",
    }


def test_a_visit_task_may_be_made_on_seven_days_within_the_hours():
    window = visit_window(at(day(30), 10), (SHANGHAI,), CN)
    assert (window.first_day, window.last_day) == (day(30), day(36))
    assert window.expires_at == datetime.combine(day(36), time(21), tzinfo=ZoneInfo(SHANGHAI)).astimezone(UTC)


def test_with_several_zones_a_task_expires_when_the_first_window_closes():
    zones = ("America/New_York", "America/Chicago")
    window = call_window(datetime(2026, 6, 1, 15, tzinfo=UTC), zones, US)
    assert window.expires_at == datetime(2026, 6, 2, 1, tzinfo=UTC)  # 21:00 in New York comes first


# ---------------------------------------------------------------------- 8: the stage never goes back
def test_the_stage_is_the_furthest_reached():
    assert furthest(Stage.FIELD, Stage.FOLLOW_UP) is Stage.FIELD
    account = cn(stage=Stage.FIELD)
    follow_up = progress_of(account, ContactKey(day(35), Action.SMS, "follow_up"), Stage.FOLLOW_UP)
    assert applied(account, follow_up).stage is Stage.FIELD
    confirmation = progress_of(cn(stage=Stage.EARLY), ContactKey(day(5), Action.SMS, "confirmation"), Stage.EARLY)
    assert confirmation.stage_reached is None and confirmation.confirmation_sent


def test_a_call_task_is_open_until_it_expires_and_old_contacts_are_forgotten():
    old = ContactKey(day(-10), Action.SMS, "pre_due")
    account = cn(recent=(old,), claims={str(old): "done"}, open_calls={f"{day(-10)}#call#x": at(day(-10), 21)})
    progress = progress_of(account, ContactKey(day(7), Action.CALL, "follow_up_call"), Stage.FOLLOW_UP, at(day(7), 21))
    assert (progress.forget_recent, progress.forget_claims, progress.forget_tasks) == ((str(old),), (str(old),), (f"{day(-10)}#call#x",))
    assert applied(account, progress).open_calls[f"{day(7)}#call#follow_up_call"] == at(day(7), 21)


# ---------------------------------------------------------------------- 9: every text right for its borrower
IDENTITIES = {
    "CN": {"lender_name": "示例金融", "signature": "示例", "support_phone": "400-000-0000", "pay_hint": "在App中还款",
           "en": {"lender_name": "Example", "signature": "Example", "pay_hint": "the app"}},
    "US": {"lender_name": "Example Lending", "support_phone": "+1 800 555 0100", "pay_hint": "example.com/pay"},
    "US/card": {"support_phone": "+1 800 555 0199"},
}  # fmt: skip


def test_a_sender_identity_per_profile_product_and_language():
    senders = Senders.parse(IDENTITIES)
    assert senders.sender_for("US", "loan", "en").support_phone == "+1 800 555 0100"
    assert senders.sender_for("US", "card", "en").support_phone == "+1 800 555 0199"  # the product's own
    english = senders.sender_for("CN", "loan", "en")
    assert (english.lender_name, english.signature, english.support_phone) == ("Example", "Example", "400-000-0000")
    with pytest.raises(SenderError, match=r"no sender identity for US texts in 'zh': lender_name, pay_hint not configured"):
        senders.sender_for("US", "loan", "zh")  # no Chinese identity: such an account is refused at enrolment
    with pytest.raises(SenderError, match=r"no sender identity for EU texts"):
        senders.sender_for("EU", "loan", "en")


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({}, "expected a JSON object"),
        ({"MARS": {}}, "'MARS': expected a profile"),
        ({"US": {"lender_name": "X", "support_phone": "+1 800", "pay_hint": "y", "slogan": "z"}}, r"US\.slogan: unknown field"),
        ({"CN": {"lender_name": "示例", "support_phone": "400-000-0000", "pay_hint": "在App中还款"}}, "signature not configured"),
        ({"US": {"lender_name": "A" * 25, "support_phone": "+1 800", "pay_hint": "y"}}, r"lender_name: at most 24 characters"),
        ({"US": {"lender_name": "示例", "support_phone": "+1 800", "pay_hint": "y"}}, "an English text's identity must be in English"),
        ({"CN": {"lender_name": "Example", "signature": "示例", "support_phone": "400", "pay_hint": "x"}}, "must be in Chinese"),
        ({"US": {"lender_name": "X", "support_phone": "call us", "pay_hint": "y"}}, "support_phone: expected a phone number"),
        ({"US": {"lender_name": "X", "support_phone": "+1 800", "pay_hint": "y", "zh": {"lender_name": "示例"}}}, r"in 'zh'"),
    ],
)
def test_a_bad_identity_configuration_is_refused_naming_the_field(raw, message):
    with pytest.raises(SenderError, match=message):
        Senders.parse(raw)


@pytest.mark.parametrize(("locale", "language"), [("zh-CN", "zh"), ("zh_CN", "zh"), ("zh-Hans", "zh"), ("en-GB", "en"), ("en", "en")])
def test_the_locales_the_templates_serve(locale, language):
    assert template_language(locale) == language


@pytest.mark.parametrize("locale", ["de-DE", "fr", "zh-TW", "zh-Hant", "es-US", "xx"])
def test_a_locale_without_templates_is_refused(locale):
    with pytest.raises(LocaleError, match="no SMS templates for locale"):
        template_language(locale)


@pytest.mark.parametrize(
    ("phone", "profile"),
    [("+8613800138000", "CN"), ("+12125550187", "US"), ("+17875550123", "US"), ("+447700900123", "EU"), ("+4915112345678", "EU"),
     ("+14165550123", None), ("+85291234567", None), ("+819012345678", None)],
)  # fmt: skip
def test_a_numbers_country_decides_its_profile(phone, profile):
    assert profile_of_number(phone) == profile


def test_one_phone_masker():
    assert mask_phone("+8613800138000") == "+86*****00" and mask_phone("+12125550187") == "+1*****87" and mask_phone("123") == "*****"


# ---------------------------------------------------------------------- bad configuration is refused, naming the field
def test_a_policy_with_an_unknown_field_or_a_reserved_rule_name_is_refused():
    rule = {"name": "r", "action": "sms", "stage": "early", "start": 1}
    with pytest.raises(PolicyError, match=r"rule #1 \(r\): unknown field 'cadence'"):
        Policy.from_dict({"name": "p", "rules": [{**rule, "cadence": 3}]})
    with pytest.raises(PolicyError, match=r"^policy: unknown field 'owner'"):
        Policy.from_dict({"name": "p", "rules": [rule], "owner": "x"})
    with pytest.raises(PolicyError, match=r"'confirmation' is reserved"):
        Policy.from_dict({"name": "p", "rules": [{**rule, "name": "confirmation"}]})
    with pytest.raises(PolicyError, match=r"field 'condition': unknown named condition 'sunny'"):
        Policy.from_dict({"name": "p", "rules": [{**rule, "condition": "sunny"}]})


def test_a_profile_override_with_an_unknown_setting_is_refused():
    with pytest.raises(ValueError, match=r"US\.grace: unknown setting"):
        parse_overrides({"US": {"grace": 2}})
    assert parse_overrides({"US": {"promise_grace_days": 2, "conversations_per_day": None}}) == {
        "US": {"promise_grace_days": 2, "conversations_per_day": None}
    }


# ---------------------------------------------------------------------- one word, one owner
def test_the_contact_key_is_one_value():
    key = ContactKey(day(7), Action.SMS, "follow_up")
    assert str(key) == "2026-03-08#sms#follow_up" and ContactKey.parse(str(key)) == key
    assert decide(cn(last_fired={"reminder": day(1)}), ctx(cn(), day(7)))[0].contact_key == key


def test_every_hold_and_status_has_its_skip_reason():
    from escalation.domain.events import HOLD_REASONS

    assert all(SkipReason.hold(r) for r in HOLD_REASONS)
    assert {SkipReason.status(s) for s in (Status.HOLD, Status.LEGAL, Status.CLOSED)}
    assert {SkipReason.closed(a, w) for a in (Action.SMS, Action.CALL) for w in ClosedBecause}
