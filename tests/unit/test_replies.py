"""Borrowers' replies to texts (escalation.domain.replies, events' sms_reply, the ladder's help text)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from escalation.domain.events import EventError, apply_event
from escalation.domain.ladder import decide, next_check
from escalation.domain.model import HELP, Action, ContactKey, Stage, Status
from escalation.domain.profiles import parse_overrides, profile_for
from escalation.domain.progress import applied, progress_of
from escalation.domain.replies import ReplyKind, kind_of
from tests.unit.test_ladder import CN, US, actions, cn_account, cn_on, day, fired, us_account, us_on

EU = profile_for("EU")


@pytest.mark.parametrize(
    ("text", "profile", "kind"),
    [
        ("STOP", US, ReplyKind.STOP),
        ("Stop.", US, ReplyKind.STOP),
        ("  unsubscribe ", US, ReplyKind.STOP),
        ("退订", CN, ReplyKind.STOP),
        ("ＴＤ", CN, ReplyKind.STOP),  # full-width letters, as Chinese phones send them
        ("td", CN, ReplyKind.STOP),
        ("退订！", CN, ReplyKind.STOP),
        ("Arrêt", EU, ReplyKind.STOP),
        ("HELP", US, ReplyKind.HELP),
        ("help?", EU, ReplyKind.HELP),
        ("帮助", CN, ReplyKind.HELP),
        ("please stop texting me", US, ReplyKind.MESSAGE),  # a sentence is for an agent to read
        ("Opt-out!", US, ReplyKind.STOP),  # spaces and punctuation inside the word do not matter
        ("revoke", US, ReplyKind.STOP),  # the FCC's 2024 revocation words
        ("👍", US, ReplyKind.MESSAGE),
        ("I will pay on Friday", US, ReplyKind.MESSAGE),
        ("退订", US, ReplyKind.MESSAGE),  # each profile its own words
        ("", US, ReplyKind.MESSAGE),
    ],
)
def test_a_reply_is_a_keyword_only_when_it_is_the_whole_text(text, profile, kind):
    assert kind_of(text, profile) is kind


def test_a_lender_may_set_its_own_keywords():
    overrides = parse_overrides({"US": {"stop_keywords": ["STOP", "BASTA"]}})
    profile = US.with_overrides(**overrides["US"])
    assert kind_of("basta", profile) is ReplyKind.STOP and kind_of("unsubscribe", profile) is ReplyKind.MESSAGE


def reply(account, text: str, n: int = 5, profile=CN):
    return apply_event(account, {"type": "sms_reply", "text": text}, day(n), profile)


def test_stop_closes_sms_on_the_number_for_every_account():
    outcome = reply(cn_account(), "退订")
    assert "sms" in outcome.account.number.closed and "sms" in outcome.account.opted_out
    assert outcome.note.startswith("reply STOP: opted out of sms on this number")


def test_help_asks_for_the_help_text_which_the_ladder_sends_at_once_and_once():
    account = reply(cn_account(last_fired=fired(pre_due=-3, reminder=1)), "HELP").account
    assert account.help_requested
    ctx = cn_on(5, hour=15)
    assert (Action.SMS, HELP) in actions(decide(account, ctx))
    assert next_check(account, ctx, ctx.today) == ctx.now  # due now: the window is open
    key = ContactKey(ctx.today, Action.SMS, HELP)
    sent = applied(account, progress_of(account, key, Stage.EARLY))
    assert not sent.help_requested and sent.last_fired[HELP] == ctx.today and sent.stage is account.stage
    assert (Action.SMS, HELP) not in actions(decide(sent, ctx))
    again = reply(sent, "help")
    assert not again.account.help_requested and again.note == "reply HELP: the help text was sent today already"


def test_the_help_text_waits_for_the_window_and_does_not_count_toward_the_caps():
    asked = reply(cn_account(last_fired=fired(pre_due=-3, reminder=1)), "HELP").account
    night = cn_on(5, hour=22)
    assert (Action.SMS, HELP) not in actions(decide(asked, night))
    morning = next_check(asked, night, night.today + timedelta(days=1))
    assert morning is not None and morning.astimezone(cn_on(6).now.tzinfo) == cn_on(6, hour=8).now
    us = reply(us_account(), "HELP", profile=US).account
    full_day = us.with_changes(last_fired={HELP: day(0)})  # a help text yesterday: today is another day
    assert (Action.SMS, HELP) in actions(decide(full_day, us_on(1, hour=12)))


def test_no_help_text_to_a_closed_number_or_a_held_account():
    closed = reply(cn_account(), "TD").account
    assert reply(closed, "HELP").note == "reply HELP: SMS is closed on this number, so no help text"
    held = cn_account(status=Status.HOLD, holds={"dispute": None})
    asked = reply(held, "HELP")
    assert not asked.account.help_requested and asked.note == "reply HELP: no help text while the account is on hold (dispute)"
    assert (Action.SMS, HELP) not in actions(decide(held.with_changes(help_requested=True), cn_on(5, hour=15)))


def test_a_message_changes_nothing_on_the_account_and_an_empty_reply_is_refused():
    account = cn_account()
    outcome = reply(account, "我下周五还款")
    assert outcome.account == account and outcome.note == "reply: a message for an agent (task queued)"
    with pytest.raises(EventError, match="text"):
        reply(account, "   ")
