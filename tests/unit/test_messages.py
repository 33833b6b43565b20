"""Behaviour of the borrower SMS templates and SMS length arithmetic."""

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from escalation.domain.messages import (
    BANNED_PHRASES,
    PURPOSES,
    MessageContext,
    Sender,
    TemplateError,
    banned_phrases_in,
    deadline_for,
    render_sms,
    sms_encoding,
    sms_parts,
)

SENDER = Sender(
    lender_name="Example Lending",
    signature="示例金融",
    support_phone="400-000-0000",
    pay_hint="app: Me > Repay",
)

# (profile, locale, currency, formatted balance + fees, formatted fees, formatted promise)
CASES = [
    ("CN", "zh-CN", "CNY", "¥19,120.00", "¥320.00", "¥5,000.00"),
    ("US", "en-US", "USD", "$19,120.00", "$320.00", "$5,000.00"),
    ("EU", "en-GB", "GBP", "£19,120.00", "£320.00", "£5,000.00"),
]


def make_ctx(purpose, profile="US", locale="en-US", currency="USD", **overrides):
    ctx = MessageContext(
        purpose=purpose,
        profile=profile,
        locale=locale,
        currency=currency,
        balance=Decimal("18800.00"),
        fees=Decimal("320.00"),
        due_date=date(2026, 3, 1),
        deadline=date(2026, 3, 20),
        promised_date=date(2026, 3, 15),
        promised_amount=Decimal("5000.00"),
    )
    return replace(ctx, **overrides)


def all_texts():
    for profile, locale, currency, *_ in CASES:
        for purpose in PURPOSES:
            yield render_sms(make_ctx(purpose, profile, locale, currency), SENDER)


@pytest.mark.parametrize("purpose", PURPOSES)
@pytest.mark.parametrize(("profile", "locale", "currency", "amount", "fees", "promised"), CASES)
def test_every_purpose_renders_with_profile_elements(purpose, profile, locale, currency, amount, fees, promised):
    text = render_sms(make_ctx(purpose, profile, locale, currency), SENDER)

    if purpose == "promise_reminder":
        assert promised in text
    elif purpose not in ("confirmation", "help"):  # help: the answer to a HELP reply, with the lender's number
        assert amount in text
    if profile == "CN":
        assert text.startswith("【示例金融】")
    if profile == "US":
        assert text.endswith("Reply STOP to opt out.")
    if profile == "EU":
        assert "Example Lending" in text


@pytest.mark.parametrize(("profile", "locale", "currency", "amount", "fees", "promised"), CASES)
def test_reminder_offers_support_line_and_payment_route(profile, locale, currency, amount, fees, promised):
    text = render_sms(make_ctx("reminder", profile, locale, currency), SENDER)
    assert "400-000-0000" in text
    assert "app: Me > Repay" in text


def test_dates_use_locale_formatting():
    assert "Mar 1, 2026" in render_sms(make_ctx("pre_due"), SENDER)
    assert "1 Mar 2026" in render_sms(make_ctx("pre_due", "EU", "en-GB", "GBP"), SENDER)
    assert "2026年3月1日" in render_sms(make_ctx("pre_due", "CN", "zh-CN", "CNY"), SENDER)


@pytest.mark.parametrize(("profile", "locale", "currency", "amount", "fees", "promised"), CASES)
def test_follow_up_states_fees_and_deadline_only_when_present(profile, locale, currency, amount, fees, promised):
    full = render_sms(make_ctx("follow_up", profile, locale, currency), SENDER)
    assert fees in full
    assert ("2026年3月20日" if locale == "zh-CN" else "20") in full

    no_fees = make_ctx("follow_up", profile, locale, currency, fees=Decimal(0), deadline=None)
    bare = render_sms(no_fees, SENDER)
    assert "18,800.00" in bare
    assert "fees" not in bare and "费用" not in bare
    assert "pay by" not in bare and "期限" not in bare


def test_promise_reminder_defaults_to_outstanding_amount_and_needs_a_date():
    text = render_sms(make_ctx("promise_reminder", promised_amount=None), SENDER)
    assert "$19,120.00" in text and "Mar 15, 2026" in text
    with pytest.raises(TemplateError, match="promised_date"):
        render_sms(make_ctx("promise_reminder", promised_date=None), SENDER)


@pytest.mark.parametrize("locale", ["xx-YY", "fr-FR", "de-DE", "zh-TW", "zh-Hant", ""])
def test_a_locale_without_templates_is_refused_never_sent_in_another_language(locale):
    with pytest.raises(TemplateError, match="no SMS templates for locale"):
        render_sms(make_ctx("pre_due", "EU", locale, "EUR"), SENDER)


def test_a_us_text_in_chinese_is_wholly_chinese_with_its_opt_out():
    chinese = Sender(lender_name="示例贷款", signature="", support_phone="+1 800 555 0100", pay_hint="在App中还款")
    text = render_sms(make_ctx("reminder", "US", "zh-CN", "USD"), chinese)
    assert text.startswith("示例贷款：") and text.endswith("回复STOP退订。")
    assert "Reply" not in text


def test_the_follow_up_deadline_is_a_week_from_the_day_sent():
    assert deadline_for("follow_up", date(2026, 3, 10)) == date(2026, 3, 17)
    assert deadline_for("reminder", date(2026, 3, 10)) is None


def test_no_banned_phrase_in_any_text():
    for text in all_texts():
        assert banned_phrases_in(text) == [], text
        lowered = text.lower()
        for phrase in (
            "lawsuit",
            "police",
            "arrest",
            "jail",
            "legal action",
            "诉讼",
            "法院",
        ):
            assert phrase not in lowered


def test_banned_phrase_detection():
    assert "诉讼" in BANNED_PHRASES and "court" in BANNED_PHRASES
    assert banned_phrases_in("We may take Legal Action.") == ["legal action"]
    assert banned_phrases_in("将提起诉讼") == ["诉讼", "起诉"]
    assert banned_phrases_in("A courtesy note about an issue.") == []


@pytest.mark.parametrize(("field", "value"), [("purpose", "final_demand"), ("profile", "JP")])
def test_unknown_purpose_or_profile_raises_naming_it(field, value):
    with pytest.raises(TemplateError, match=value):
        render_sms(replace(make_ctx("reminder"), **{field: value}), SENDER)


def test_template_error_is_value_error():
    assert issubclass(TemplateError, ValueError)


@pytest.mark.parametrize(
    ("text", "encoding", "parts"),
    [
        ("a" * 160, "GSM-7", 1),
        ("a" * 161, "GSM-7", 2),
        ("a" * 306, "GSM-7", 2),
        ("a" * 307, "GSM-7", 3),
        ("€" * 80, "GSM-7", 1),
        ("€" + "a" * 159, "GSM-7", 2),
        ("Pay ¥100 now", "GSM-7", 1),
        ("Pay ￥100 now", "UCS-2", 1),
        ("还" * 70, "UCS-2", 1),
        ("还" * 71, "UCS-2", 2),
        ("还" * 134, "UCS-2", 2),
        ("还" * 135, "UCS-2", 3),
        ("", "GSM-7", 1),
    ],
)
def test_sms_encoding_and_parts(text, encoding, parts):
    assert sms_encoding(text) == encoding
    assert sms_parts(text) == parts


def test_ucs2_counts_utf16_code_units():
    assert sms_parts("😀" * 35) == 1
    assert sms_parts("😀" * 36) == 2


@pytest.mark.parametrize("purpose", PURPOSES)
def test_en_us_texts_are_short(purpose):
    text = render_sms(make_ctx(purpose), SENDER)
    assert sms_encoding(text) == "GSM-7"
    assert sms_parts(text) <= (1 if purpose in ("pre_due", "confirmation") else 2)


@pytest.mark.parametrize("purpose", PURPOSES)
def test_en_gb_texts_fit_two_parts(purpose):
    text = render_sms(make_ctx(purpose, "EU", "en-GB", "EUR"), SENDER)
    assert sms_encoding(text) == "GSM-7"
    assert sms_parts(text) <= 2


@pytest.mark.parametrize("purpose", PURPOSES)
def test_zh_cn_texts_fit_two_ucs2_parts(purpose):
    text = render_sms(make_ctx(purpose, "CN", "zh-CN", "CNY"), SENDER)
    assert len(text) <= 134
    assert sms_parts(text) <= 2
