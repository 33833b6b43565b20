"""SMS texts sent to borrowers, and SMS length arithmetic.

Rules (see DOMAIN.md, "Guardrails by jurisdiction profile" and the content rules):

* Templates are data: ``_TEMPLATES[(language, purpose)]`` holds a format string
  with named fields; optional clauses (fees, deadline) are separate entries and
  are left out when they do not apply (no fees accrued, no deadline given).
* ``en`` serves the English locales, ``zh`` the Simplified Chinese ones
  (``escalation.domain.locales``); they differ within a language only through
  Babel's formatting of amounts and dates. A locale without templates is an
  error (refused at enrolment), never a text in another language.
* Each text is wholly in the borrower's language and carries the sender identity
  of its profile and product, in that language (``escalation.domain.sender``).
* The profile frames every text: CN texts start with ``【signature】``; US texts
  name the lender and end with the opt-out instruction ("Reply STOP to opt out.",
  "回复STOP退订。"); EU texts start with the lender's name.
* Content rules everywhere: no threats, no public shaming, no impersonation of
  authorities, no pressure to borrow elsewhere. ``BANNED_PHRASES`` lists the
  phrases that must never appear; ``banned_phrases_in`` finds them in a text.
* Texts are kept short: en-US pre_due/confirmation fit one GSM-7 part, every
  other text fits two parts (zh-CN: two UCS-2 parts, 134 characters).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from babel.dates import format_date
from babel.numbers import format_currency

from .locales import LocaleError, babel_locale, template_language
from .model import Account
from .profiles import Profile
from .sender import Sender

PURPOSES = ("pre_due", "reminder", "follow_up", "confirmation", "promise_reminder", "help")
FOLLOW_UP_DEADLINE_DAYS = 7  # a follow-up text asks for payment within a week of the day it is sent


class TemplateError(ValueError):
    """Unknown purpose, profile or locale, or a context missing what the purpose needs."""


@dataclass(frozen=True)
class MessageContext:
    purpose: str  # one of PURPOSES
    profile: str  # "CN" | "US" | "EU"
    locale: str  # BCP-47, e.g. "zh-CN", "en-US", "en-GB"
    currency: str  # ISO 4217
    balance: Decimal
    fees: Decimal
    due_date: date
    deadline: date | None = None
    promised_date: date | None = None
    promised_amount: Decimal | None = None


def deadline_for(purpose: str, today: date) -> date | None:
    """The pay-by date a text states: a follow-up gives a week; the others state none."""
    return today + timedelta(days=FOLLOW_UP_DEADLINE_DAYS) if purpose == "follow_up" else None


def message_context(account: Account, purpose: str, today: date, profile: Profile) -> MessageContext:
    """What the text of `purpose` says to this borrower on their local day `today`."""
    return MessageContext(
        purpose=purpose,
        profile=profile.code,
        locale=account.locale or profile.default_locale,
        currency=account.currency,
        balance=account.balance,
        fees=account.fees,
        due_date=account.due_date,
        deadline=deadline_for(purpose, today),
        promised_date=account.promised_date,
        # What is still to pay by the promised date (a plan's next installment, less what was paid toward it).
        promised_amount=None if account.promised_amount is None else max(account.promised_amount - account.promise_paid, Decimal("0")),
    )


# (header, footer) added around every text of a profile, per language.
_PROFILE_FRAME = {
    ("CN", "zh"): ("【{signature}】", ""),
    ("CN", "en"): ("【{signature}】", ""),
    ("US", "en"): ("{lender_name}: ", " Reply STOP to opt out."),
    ("US", "zh"): ("{lender_name}：", "回复STOP退订。"),
    ("EU", "en"): ("{lender_name}: ", ""),
    ("EU", "zh"): ("{lender_name}：", ""),
}
PROFILES = ("CN", "US", "EU")

_TEMPLATES = {
    ("en", "pre_due"): "Reminder: {amount} is due on {due_date}. Pay via {pay_hint}.",
    ("en", "reminder"): (
        "Your payment of {amount} due {due_date} is overdue. Pay via {pay_hint}. "
        "Having difficulty? Call us on {support_phone} and we will help."
    ),
    ("en", "follow_up"): (
        "Your account is overdue: {amount} now due{fees_clause}.{deadline_clause} Pay via {pay_hint} or call {support_phone}."
    ),
    ("en", "fees_clause"): ", incl. {fees} in fees",
    ("en", "deadline_clause"): " Please pay by {deadline}.",
    ("en", "confirmation"): ("Thank you. Your payment was received and your account is settled. No further reminders will be sent."),
    ("en", "help"): "Help with your account: call {support_phone}. Pay via {pay_hint}.",  # the frame adds STOP where due
    ("en", "promise_reminder"): (
        "Reminder: you arranged to pay {promised_amount} on {promised_date}. Pay via {pay_hint}. Questions? Call {support_phone}."
    ),
    (
        "zh",
        "pre_due",
    ): "温馨提示：您有{amount}将于{due_date}到期，请通过{pay_hint}按时还款。",
    ("zh", "reminder"): (
        "您{due_date}到期的{amount}尚未还款，请通过{pay_hint}还款。如有困难，欢迎致电{support_phone}说明情况，我们将协助您。"
    ),
    ("zh", "follow_up"): (
        "您的账户已逾期，应还{amount}{fees_clause}。{deadline_clause}请通过{pay_hint}还款，如有疑问请致电{support_phone}。"
    ),
    ("zh", "fees_clause"): "（含费用{fees}）",
    ("zh", "deadline_clause"): "还款期限：{deadline}。",
    ("zh", "confirmation"): "感谢您的还款，您的账户已结清，我们将不再发送还款提醒。",
    ("zh", "help"): "如需帮助，请致电{support_phone}；还款请通过{pay_hint}。",
    ("zh", "promise_reminder"): (
        "温馨提示：您约定于{promised_date}还款{promised_amount}，请通过{pay_hint}还款。如有疑问请致电{support_phone}。"
    ),
}

# Never in a borrower-facing text: threats, authorities, shaming, borrowing elsewhere.
BANNED_PHRASES = (
    "lawsuit", "sue", "court", "legal action", "legal proceedings", "police",
    "arrest", "jail", "prison", "criminal", "prosecute", "prosecution",
    "warrant", "bailiff", "seize", "garnish", "blacklist", "expose",
    "your employer", "your family", "your contacts", "borrow from", "payday loan",
    "诉讼", "起诉", "法院", "公安", "警察", "拘留", "坐牢", "判刑", "刑事",
    "律师函", "强制执行", "黑名单", "曝光", "通讯录", "家人", "借钱", "以贷养贷",
)  # fmt: skip


def banned_phrases_in(text: str) -> list[str]:
    """Banned phrases found in text (ASCII phrases as whole words, any case)."""
    found = []
    for phrase in BANNED_PHRASES:
        if phrase.isascii():
            hit = re.search(rf"\b{re.escape(phrase)}\b", text, re.IGNORECASE)
        else:
            hit = phrase in text
        if hit:
            found.append(phrase)
    return found


def render_sms(ctx: MessageContext, sender: Sender) -> str:
    """The SMS for ctx.purpose, in ctx.locale's language, framed for ctx.profile."""
    if ctx.purpose not in PURPOSES:
        raise TemplateError(f"unknown purpose: {ctx.purpose!r}")
    if ctx.profile not in PROFILES:
        raise TemplateError(f"unknown profile: {ctx.profile!r}")
    try:
        lang, locale = template_language(ctx.locale), babel_locale(ctx.locale)
    except LocaleError as exc:
        raise TemplateError(str(exc)) from None

    def money(value: Decimal) -> str:
        return format_currency(value, ctx.currency, locale=locale)

    def day(value: date) -> str:
        return format_date(value, "medium", locale=locale)

    fields = {
        "amount": money(ctx.balance + ctx.fees),
        "fees": money(ctx.fees),
        "due_date": day(ctx.due_date),
        "pay_hint": sender.pay_hint,
        "support_phone": sender.support_phone,
        "fees_clause": "",
        "deadline_clause": "",
    }
    if ctx.purpose == "follow_up":
        if ctx.fees > 0:
            fields["fees_clause"] = _TEMPLATES[(lang, "fees_clause")].format_map(fields)
        if ctx.deadline is not None:
            clause = _TEMPLATES[(lang, "deadline_clause")]
            fields["deadline_clause"] = clause.format(deadline=day(ctx.deadline))
    if ctx.purpose == "promise_reminder":
        if ctx.promised_date is None:
            raise TemplateError("promise_reminder needs promised_date")
        promised = ctx.promised_amount
        fields["promised_date"] = day(ctx.promised_date)
        fields["promised_amount"] = fields["amount"] if promised is None else money(promised)

    header, footer = _PROFILE_FRAME[(ctx.profile, lang)]
    frame = {
        "signature": sender.signature.strip("【】[] "),
        "lender_name": sender.lender_name,
    }
    body = _TEMPLATES[(lang, ctx.purpose)].format_map(fields)
    text = header.format_map(frame) + body + footer.format_map(frame)
    # Babel may use (narrow) no-break spaces; plain spaces keep texts GSM-7.
    return text.replace("\u00a0", " ").replace("\u202f", " ")


_GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")


def sms_encoding(text: str) -> str:
    """GSM-7 if every character is in the GSM 03.38 basic/extension table, else UCS-2."""
    if all(ch in _GSM7_BASIC or ch in _GSM7_EXTENSION for ch in text):
        return "GSM-7"
    return "UCS-2"


def sms_parts(text: str) -> int:
    """Number of SMS segments for text (an empty text still takes one).

    GSM-7: 160 septets single, 153 per concatenated part, extension characters
    take 2. UCS-2: 70 UTF-16 code units single, 67 per part. A character is
    never split across two parts (escape pairs, surrogate pairs).
    """
    if sms_encoding(text) == "GSM-7":
        single, per_part = 160, 153
        units = [2 if ch in _GSM7_EXTENSION else 1 for ch in text]
    else:
        single, per_part = 70, 67
        units = [2 if ord(ch) > 0xFFFF else 1 for ch in text]
    if sum(units) <= single:
        return 1
    parts, used = 1, 0
    for size in units:
        if used + size > per_part:
            parts, used = parts + 1, 0
        used += size
    return parts
