"""The SMS template linter: today's templates pass at their worst; each kind of bad template is named by its rule."""

import re
from dataclasses import replace

import pytest

from escalation.domain import messages
from escalation.domain.message_rules import (
    DEFAULT_SENDER,
    LONG_SENDER,
    RULES,
    SENDERS,
    Sample,
    lint_templates,
    longest_date,
    problems_in,
    worst_case_samples,
)
from escalation.domain.messages import PURPOSES, sms_parts
from escalation.domain.profiles import PROFILES

LOCALES = ("en-GB", "en-US", "zh-CN")
LINE = re.compile(r"(CN|US|EU|[A-Z]{2}) ([a-z]{2}-[A-Z]{2}) ([a-z_]+): ([a-z-]+): .+")
# A quick pass for the bad-template tests: one sender, one currency per language's widest symbol.
QUICK = {"senders": (DEFAULT_SENDER,), "currencies": ("CNY", "USD")}


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


def test_real_templates_pass():
    assert lint_templates() == []


def test_worst_case_covers_every_profile_locale_purpose_and_sender(samples):
    covered = {(s.profile, s.locale, s.purpose, s.sender) for s in samples}
    assert covered == {(p, loc, purpose, sender) for p in PROFILES for loc in LOCALES for purpose in PURPOSES for sender in SENDERS}
    assert all(s.text and not s.error for s in samples)
    # Worst-case values reach the texts: the 8-digit amount, the long sender's fields, the longest dates.
    long_reminders = [s.text for s in samples if s.purpose == "reminder" and s.sender == LONG_SENDER]
    assert all("99,999,999.99" in text for text in long_reminders)
    assert all(LONG_SENDER.pay_hint in text and LONG_SENDER.support_phone in text for text in long_reminders)
    assert any(text.startswith(f"【{LONG_SENDER.signature}】") for text in long_reminders)
    assert any(text.startswith(f"{LONG_SENDER.lender_name}: ") for text in long_reminders)
    assert "10,000,000.00" in next(s.text for s in samples if s.purpose == "follow_up" and s.variant == "fees and deadline")
    assert str(longest_date("en-GB")) == "2026-09-10"  # "10 Sept 2026"


def test_defaults_allow_the_worst_case_and_no_more(samples):
    # sms_max_parts is 3: a text in another language than the profile's own is UCS-2
    # (English under 【signature】, Chinese under the US/EU frame) and reaches 3 parts at worst.
    assert {p.sms_max_parts for p in PROFILES.values()} == {3}
    assert max(sms_parts(s.text) for s in samples) == 3
    # A text in the profile's own language fits two parts even at its worst.
    native = [s for s in samples if s.locale == PROFILES[s.profile].default_locale]
    assert max(sms_parts(s.text) for s in native) == 2


def test_default_sender_is_the_deployment_default(monkeypatch):
    for name in ("LENDER_NAME", "SMS_SIGNATURE", "SUPPORT_PHONE", "PAY_HINT"):
        monkeypatch.delenv(name, raising=False)
    from escalation.config import Settings

    assert Settings.from_env().sender == DEFAULT_SENDER


def test_cn_text_without_signature_is_reported(monkeypatch):
    monkeypatch.setitem(messages._PROFILE_FRAME, "CN", ("", ""))
    keys = parsed(lint_templates(**QUICK))
    assert set(keys) == {("CN", loc, purpose, "cn-signature") for loc in LOCALES for purpose in PURPOSES}


def test_cn_signature_in_other_brackets_is_reported(monkeypatch):
    monkeypatch.setitem(messages._PROFILE_FRAME, "CN", ("[{signature}]", ""))
    keys = parsed(lint_templates(**QUICK))
    assert ("CN", "zh-CN", "reminder", "cn-signature") in keys
    assert {k[3] for k in keys} == {"cn-signature"}


def test_us_text_without_stop_is_reported(monkeypatch):
    monkeypatch.setitem(messages._PROFILE_FRAME, "US", ("{lender_name}: ", ""))
    keys = parsed(lint_templates(**QUICK))
    assert set(keys) == {("US", loc, purpose, "us-opt-out") for loc in LOCALES for purpose in PURPOSES}


def test_eu_text_without_lender_name_is_reported(monkeypatch):
    monkeypatch.setitem(messages._PROFILE_FRAME, "EU", ("", ""))
    keys = parsed(lint_templates(**QUICK))
    assert set(keys) == {("EU", loc, purpose, "eu-lender-name") for loc in LOCALES for purpose in PURPOSES}


def test_threat_in_a_template_is_reported(monkeypatch):
    threat = messages._TEMPLATES[("en", "follow_up")] + " Pay now or we will take legal action."
    monkeypatch.setitem(messages._TEMPLATES, ("en", "follow_up"), threat)
    lines = lint_templates(**QUICK)
    keys = parsed(lines)
    assert set(keys) == {(p, loc, "follow_up", "banned-phrase") for p in PROFILES for loc in ("en-GB", "en-US")}
    assert all("'legal action'" in line for line in lines)


def test_shaming_in_a_chinese_template_is_reported(monkeypatch):
    shaming = messages._TEMPLATES[("zh", "reminder")] + "逾期将通知您的家人。"
    monkeypatch.setitem(messages._TEMPLATES, ("zh", "reminder"), shaming)
    keys = parsed(lint_templates(**QUICK))
    assert set(keys) == {(p, "zh-CN", "reminder", "banned-phrase") for p in PROFILES}


def test_banned_phrase_in_the_sender_is_reported():
    sender = replace(DEFAULT_SENDER, lender_name="Bailiff Recovery Services")
    keys = parsed(lint_templates(senders=(sender,), currencies=("USD",)))
    # The lender's name is in US and EU texts only (CN texts carry the signature).
    assert set(keys) == {(p, loc, purpose, "banned-phrase") for p in ("US", "EU") for loc in LOCALES for purpose in PURPOSES}


def test_overlong_template_is_reported(monkeypatch):
    longer = messages._TEMPLATES[("en", "reminder")] + " We are here to help you find a way to pay." * 8
    monkeypatch.setitem(messages._TEMPLATES, ("en", "reminder"), longer)
    lines = lint_templates(**QUICK)
    keys = parsed(lines)
    assert set(keys) == {(p, loc, "reminder", "sms-parts") for p in PROFILES for loc in ("en-GB", "en-US")}
    assert any("GSM-7 parts" in line and "profile allows 3" in line for line in lines)


def test_text_over_the_profile_cap_is_reported():
    tight = {code: p.with_overrides(sms_max_parts=1) for code, p in PROFILES.items()}
    keys = parsed(lint_templates(profiles=tight, **QUICK))
    assert ("US", "en-US", "follow_up", "sms-parts") in keys
    assert ("CN", "zh-CN", "reminder", "sms-parts") in keys
    assert ("CN", "zh-CN", "confirmation", "sms-parts") not in keys  # a short text fits one part
    assert {k[3] for k in keys} == {"sms-parts"}


@pytest.mark.parametrize(("text", "too_long"), [("a" * 306, False), ("a" * 307, True), ("还" * 134, False), ("还" * 135, True)])
def test_parts_rule_counts_parts_of_the_text_encoding(text, too_long):
    # With a cap of 2: GSM-7 holds 2 x 153 characters, UCS-2 2 x 67.
    sample = Sample("US", "en-US", "reminder", "with fees", "USD", DEFAULT_SENDER, text=text)
    rules = [rule for rule, *_ in problems_in(sample, PROFILES["US"].with_overrides(sms_max_parts=2))]
    assert ("sms-parts" in rules) is too_long


def test_render_failure_is_reported(monkeypatch):
    monkeypatch.setitem(messages._TEMPLATES, ("zh", "pre_due"), "请于{due_day}前还款{amount}。")
    lines = lint_templates(**QUICK)
    keys = parsed(lines)
    assert set(keys) == {(p, "zh-CN", "pre_due", "render") for p in PROFILES}
    assert all("KeyError" in line and "due_day" in line for line in lines)


def test_profile_without_a_frame_is_reported():
    profiles = PROFILES | {"JP": replace(PROFILES["US"], code="JP", default_locale="en-US")}
    keys = parsed(lint_templates(profiles=profiles, **QUICK))
    assert set(keys) == {("JP", loc, purpose, "render") for loc in LOCALES for purpose in PURPOSES}


def test_one_line_per_profile_locale_purpose_and_rule(monkeypatch):
    monkeypatch.setitem(messages._PROFILE_FRAME, "US", ("", ""))  # no lender name, no STOP
    lines = lint_templates()  # both senders, every currency
    keys = parsed(lines)
    assert len(keys) == len(set(keys)) == len(LOCALES) * len(PURPOSES)
    follow_up = next(line for line in lines if line.startswith("US en-US follow_up: us-opt-out"))
    assert "40 text(s)" in follow_up  # 4 shapes x 5 currencies x 2 senders, in one line


def test_cli_passes_on_real_templates(capsys, monkeypatch, samples):
    for name in ("LENDER_NAME", "SMS_SIGNATURE", "SUPPORT_PHONE", "PAY_HINT"):
        monkeypatch.delenv(name, raising=False)
    from escalation.lint_messages import main

    assert main() == 0
    assert capsys.readouterr().out == f"message templates: {len(samples)} texts checked, all pass\n"


def test_cli_fails_and_prints_each_problem(capsys, monkeypatch):
    monkeypatch.delenv("LENDER_NAME", raising=False)
    monkeypatch.setitem(messages._PROFILE_FRAME, "EU", ("", ""))
    from escalation.lint_messages import main

    assert main() == 1
    out = capsys.readouterr().out.splitlines()
    assert set(parsed(out)) == {("EU", loc, purpose, "eu-lender-name") for loc in LOCALES for purpose in PURPOSES}


def test_cli_lints_the_configured_sender(capsys, monkeypatch):
    monkeypatch.setenv("LENDER_NAME", "Police Credit Recovery")
    from escalation.lint_messages import main

    assert main() == 1
    out = capsys.readouterr().out.splitlines()
    assert out and all("banned-phrase" in line and "'police'" in line for line in out)
