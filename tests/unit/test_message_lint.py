"""The SMS template linter: today's templates pass at their worst; each kind of bad template is named by its rule."""

import json
import re
from pathlib import Path

import pytest

from escalation.domain import messages
from escalation.domain.locales import SUPPORTED
from escalation.domain.message_rules import (
    LONG_SENDERS,
    RULES,
    Sample,
    lint_templates,
    longest_date,
    problems_in,
    worst_case_samples,
)
from escalation.domain.messages import PURPOSES, sms_parts
from escalation.domain.profiles import PROFILES
from escalation.domain.sender import PROFILE_LANGUAGE, Senders

LOCALES = ("en-GB", "en-US", "zh-CN")
ENGLISH = ("en-GB", "en-US")
LINE = re.compile(r"(CN|US|EU|[A-Z]{2}) ([A-Za-z-]+) ([a-z_]+): ([a-z-]+): .+")
EXAMPLE = Senders.parse(json.loads((Path(__file__).resolve().parents[2] / "infra" / "sender-identities.example.json").read_text("utf-8")))
# A quick pass for the bad-template tests: the example identities, one currency per language's widest symbol, three locales.
QUICK = {"senders": (EXAMPLE,), "currencies": ("CNY", "USD"), "locales": LOCALES}


@pytest.fixture(scope="module")
def samples():
    return worst_case_samples()


def parsed(lines):
    """(profile, locale, purpose, rule) of each problem line; every line must have that shape."""
    keys = []
    for line in lines:
        match = LINE.fullmatch(line)
        assert match, line
        assert match[4] in RULES, line
        keys.append(match.groups())
    return keys


def test_real_templates_pass_with_the_longest_and_the_example_identities():
    assert lint_templates() == []
    assert lint_templates(senders=(EXAMPLE,)) == []


def test_worst_case_covers_every_profile_locale_and_purpose(samples):
    covered = {(s.profile, s.locale, s.purpose) for s in samples}
    assert covered == {(p, loc, purpose) for p in PROFILES for loc in SUPPORTED for purpose in PURPOSES}
    assert all(s.text and not s.error for s in samples)
    # Worst-case values reach the texts: the 8-digit amount, the long identity's fields, the longest dates.
    long_en = LONG_SENDERS.sender_for("US", "default", "en")
    reminders = [s.text for s in samples if s.purpose == "reminder" and s.locale == "en-US" and s.profile == "US"]
    assert all("99,999,999.99" in text and long_en.pay_hint in text and long_en.support_phone in text for text in reminders)
    assert all(text.startswith(f"{long_en.lender_name}: ") for text in reminders)
    cn = LONG_SENDERS.sender_for("CN", "default", "zh")
    assert all(s.text.startswith(f"【{cn.signature}】") for s in samples if s.profile == "CN" and s.locale == "zh-CN")
    assert "10,000,000.00" in next(s.text for s in samples if s.purpose == "follow_up" and s.variant == "fees and deadline")
    assert str(longest_date("en-GB")) == "2026-09-10"  # "10 Sept 2026"


def test_defaults_allow_the_worst_case_and_no_more(samples):
    # sms_max_parts is 3: a text in another language than the profile's own is UCS-2 at worst
    # (Chinese under the US/EU frame) and reaches 3 parts at worst.
    assert {p.sms_max_parts for p in PROFILES.values()} == {3}
    assert max(sms_parts(s.text) for s in samples) == 3


def test_every_text_is_wholly_in_the_borrowers_language(samples):
    for s in samples:
        chinese = s.locale.startswith("zh")
        assert (re.search(r"[\u3400-\u9fff]", s.text) is not None) is chinese, s.text
    assert all("Reply STOP to opt out." in s.text for s in samples if s.profile == "US" and s.locale.startswith("en"))
    assert all("回复STOP退订" in s.text for s in samples if s.profile == "US" and s.locale.startswith("zh"))


def test_cn_text_without_signature_is_reported(monkeypatch):
    monkeypatch.setitem(messages._PROFILE_FRAME, ("CN", "zh"), ("", ""))
    keys = parsed(lint_templates(**QUICK))
    assert set(keys) == {("CN", "zh-CN", purpose, "cn-signature") for purpose in PURPOSES}


def test_cn_signature_in_other_brackets_is_reported(monkeypatch):
    monkeypatch.setitem(messages._PROFILE_FRAME, ("CN", "zh"), ("[{signature}]", ""))
    keys = parsed(lint_templates(**QUICK))
    assert ("CN", "zh-CN", "reminder", "cn-signature") in keys
    assert {k[3] for k in keys} == {"cn-signature"}


def test_us_text_without_stop_is_reported(monkeypatch):
    monkeypatch.setitem(messages._PROFILE_FRAME, ("US", "en"), ("{lender_name}: ", ""))
    keys = parsed(lint_templates(**QUICK))
    assert set(keys) == {("US", loc, purpose, "us-opt-out") for loc in ENGLISH for purpose in PURPOSES}


def test_us_chinese_text_with_an_english_opt_out_is_reported(monkeypatch):
    monkeypatch.setitem(messages._PROFILE_FRAME, ("US", "zh"), ("{lender_name}：", " Reply STOP to opt out."))
    keys = parsed(lint_templates(**QUICK))
    assert set(keys) == {("US", "zh-CN", purpose, "one-language") for purpose in PURPOSES}


def test_eu_text_without_lender_name_is_reported(monkeypatch):
    monkeypatch.setitem(messages._PROFILE_FRAME, ("EU", "en"), ("", ""))
    keys = parsed(lint_templates(**QUICK))
    assert set(keys) == {("EU", loc, purpose, "eu-lender-name") for loc in ENGLISH for purpose in PURPOSES}


def test_threat_in_a_template_is_reported(monkeypatch):
    threat = messages._TEMPLATES[("en", "follow_up")] + " Pay now or we will take legal action."
    monkeypatch.setitem(messages._TEMPLATES, ("en", "follow_up"), threat)
    lines = [line for line in lint_templates(**QUICK) if ": banned-phrase: " in line]  # (a CN text under 【】 also grows a part)
    keys = parsed(lines)
    assert set(keys) == {(p, loc, "follow_up", "banned-phrase") for p in PROFILES for loc in ENGLISH}
    assert all("'legal action'" in line for line in lines)


def test_shaming_in_a_chinese_template_is_reported(monkeypatch):
    shaming = messages._TEMPLATES[("zh", "reminder")] + "逾期将通知您的家人。"
    monkeypatch.setitem(messages._TEMPLATES, ("zh", "reminder"), shaming)
    keys = parsed(lint_templates(**QUICK))
    assert set(keys) == {(p, "zh-CN", "reminder", "banned-phrase") for p in PROFILES}


def test_banned_phrase_in_an_identity_is_reported():
    raw = {
        code: {"lender_name": "Bailiff Recovery", "signature": "Bailiff", "support_phone": "+44 20 7946 0000", "pay_hint": "the app"}
        for code in ("US", "EU")
    }
    keys = parsed(lint_templates(senders=(Senders.parse(raw),), currencies=("USD",), locales=LOCALES))
    # The lender's name is in US and EU texts (in English: no Chinese identity is configured).
    assert set(keys) == {(p, loc, purpose, "banned-phrase") for p in ("US", "EU") for loc in ENGLISH for purpose in PURPOSES}


def test_overlong_template_is_reported(monkeypatch):
    longer = messages._TEMPLATES[("en", "reminder")] + " We are here to help you find a way to pay." * 8
    monkeypatch.setitem(messages._TEMPLATES, ("en", "reminder"), longer)
    lines = lint_templates(**QUICK)
    keys = parsed(lines)
    assert set(keys) == {(p, loc, "reminder", "sms-parts") for p in PROFILES for loc in ENGLISH}
    assert any("parts" in line and "profile allows 3" in line for line in lines)


def test_text_over_the_profile_cap_is_reported():
    tight = {code: p.with_overrides(sms_max_parts=1) for code, p in PROFILES.items()}
    keys = parsed(lint_templates(profiles=tight, **QUICK))
    assert ("US", "en-US", "follow_up", "sms-parts") in keys
    assert ("CN", "zh-CN", "reminder", "sms-parts") in keys
    assert {k[3] for k in keys} == {"sms-parts"}


@pytest.mark.parametrize(("text", "too_long"), [("a" * 306, False), ("a" * 307, True), ("还" * 134, False), ("还" * 135, True)])
def test_parts_rule_counts_parts_of_the_text_encoding(text, too_long):
    # With a cap of 2: GSM-7 holds 2 x 153 characters, UCS-2 2 x 67.
    sender = LONG_SENDERS.sender_for("US", "default", "en")
    locale = "zh-CN" if text[0] == "还" else "en-US"
    sample = Sample("US", locale, "reminder", "with fees", "USD", sender, text=text)
    rules = [rule for rule, *_ in problems_in(sample, PROFILES["US"].with_overrides(sms_max_parts=2))]
    assert ("sms-parts" in rules) is too_long


def test_render_failure_is_reported(monkeypatch):
    monkeypatch.setitem(messages._TEMPLATES, ("zh", "pre_due"), "请于{due_day}前还款{amount}。")
    lines = lint_templates(**QUICK)
    keys = parsed(lines)
    assert set(keys) == {(p, "zh-CN", "pre_due", "render") for p in PROFILES}
    assert all("KeyError" in line and "due_day" in line for line in lines)


def test_every_profile_has_a_home_language():
    assert set(PROFILE_LANGUAGE) == set(PROFILES)


def test_texts_over_one_part_are_warned_about_once_per_language_and_purpose():
    from escalation.domain.message_rules import Sample
    from escalation.lint_messages import multi_part_warnings

    sender = LONG_SENDERS.sender_for("US", "default", "en")
    short = Sample("US", "en-US", "pre_due", "plain", "USD", sender, text="Reminder: $9.00 is due.")
    long = Sample("US", "en-GB", "reminder", "with fees", "USD", sender, text="x" * 161)
    longer = Sample("US", "en-US", "reminder", "with fees", "USD", sender, text="x" * 400)
    warnings = multi_part_warnings([short, long, longer])
    expected = f"warning: US en reminder: 3 GSM-7 parts at its longest (400 characters, en-US; {longer.where()}): each part is billed"
    assert warnings == [expected]
