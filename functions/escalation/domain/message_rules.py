"""The SMS template linter: every text any account can receive, rendered at its worst, obeys its profile's rules.

``lint_templates`` renders every purpose of ``messages.PURPOSES`` for every profile and every
locale the templates serve (``locales.SUPPORTED``; a borrower's locale is not tied to the
profile: a CN account may read English, a US account Chinese), in every shape the purpose
takes (fees or not, deadline or not, promised amount or not), for several currencies, with
worst-case values: 8-digit amounts (balance + fees = 99,999,999.99, fees 10,000,000.00), the
locale's longest date, and the sender identities given — by default ``LONG_SENDERS``, the
longest identity a deployment may configure in each language (``sender.LIMITS``), so a
deployment's own identities cannot make a text longer than the linter checked. Each rendered
text is checked against the rules of DOMAIN.md:

* ``cn-signature``: a CN text starts with 【signature】;
* ``us-opt-out``: a US text carries the opt-out instruction (``STOP``, in either language);
* ``eu-lender-name``: an EU text names the lender;
* ``banned-phrase``: no threat, shaming, impersonation of authorities or pressure to
  borrow elsewhere (``messages.banned_phrases_in``);
* ``one-language``: a text is wholly in the borrower's language (no Chinese in an English
  text; no Latin words but ``STOP`` and ``App`` in a Chinese one);
* ``sms-parts``: the text fits ``Profile.sms_max_parts`` parts of its encoding
  (GSM-7 160/153, UCS-2 70/67: ``messages.sms_parts``);
* ``render``: the template renders at all.

Rules that ``render_sms`` already enforces by construction (the profile frames) are
checked again on its output. Problems are reported one line per (profile, locale,
purpose, rule), with the worst example. Pure: no I/O, no AWS.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal
from functools import cache

from babel.dates import format_date

from .locales import SUPPORTED, babel_locale, template_language
from .messages import (
    PURPOSES,
    MessageContext,
    TemplateError,
    banned_phrases_in,
    render_sms,
    sms_encoding,
    sms_parts,
)
from .profiles import PROFILES, Profile
from .sender import LIMITS, PROFILE_LANGUAGE, Sender, SenderError, Senders

RULES = {
    "cn-signature": "a CN text starts with 【signature】",
    "us-opt-out": 'a US text carries the opt-out instruction ("STOP")',
    "eu-lender-name": "an EU text names the lender",
    "banned-phrase": "no threat, shaming, impersonation of authorities or pressure to borrow elsewhere",
    "one-language": "a text is wholly in the borrower's language",
    "sms-parts": "a text fits its profile's sms_max_parts",
    "render": "the template renders",
}

OPT_OUT = "STOP"
_CJK = re.compile(r"[\u3400-\u9fff]")
_LATIN_WORD = re.compile(r"[A-Za-z]+")
_LATIN_IN_CHINESE = frozenset({"STOP", "App", "APP", "app"})


def _longest(language: str) -> Sender:
    """An identity at every field's length limit, in one language."""
    if language == "zh":
        return Sender(
            lender_name="北" * LIMITS["lender_name"],
            signature="桥" * LIMITS["signature"],
            support_phone="+44 20 7946 0000"[: LIMITS["support_phone"]],
            pay_hint=_padded("在App中选择我的还款", "款", LIMITS["pay_hint"]),
        )
    return Sender(
        lender_name="Northbridge Credit Union"[: LIMITS["lender_name"]],
        signature="Northbri"[: LIMITS["signature"]],
        support_phone="+44 20 7946 0000"[: LIMITS["support_phone"]],
        pay_hint="app: Account > Repay"[: LIMITS["pay_hint"]],
    )


def _padded(text: str, pad: str, size: int) -> str:
    return text + pad * (size - len(text))


def _identity(sender: Sender) -> dict[str, str]:
    return {
        "lender_name": sender.lender_name,
        "signature": sender.signature,
        "support_phone": sender.support_phone,
        "pay_hint": sender.pay_hint,
    }


# The longest identities a deployment may configure, for every profile and both languages.
LONG_SENDERS = Senders.parse(
    {
        code: _identity(_longest(language)) | {other: _identity(_longest(other)) for other in ("en", "zh") if other != language}
        for code, language in PROFILE_LANGUAGE.items()
    }
)
SENDERS = (LONG_SENDERS,)

# Any currency can meet any profile (the account carries its own). The home currencies of the
# three profiles, plus one Babel spells with its ISO code, the longest form ("PLN99,999,999.99").
CURRENCIES = ("CNY", "USD", "EUR", "GBP", "PLN")

MAX_TOTAL = Decimal("99999999.99")  # balance + fees: the largest amount a text states
MAX_FEES = Decimal("10000000.00")  # as wide as MAX_TOTAL when formatted
_DATE_FORMAT = "medium"  # how messages.render_sms formats dates


@dataclass(frozen=True)
class Sample:
    """One worst-case text (or the error rendering it raised)."""

    profile: str
    locale: str
    purpose: str
    variant: str
    currency: str
    sender: Sender
    text: str = ""
    error: str = ""

    def where(self) -> str:
        return f"{self.variant}, {self.currency}, sender {self.sender.lender_name!r}"


@cache
def longest_date(locale: str) -> date:
    """The day of a year whose date the locale writes longest (e.g. "10 Sept 2026" in en-GB)."""
    days = [date(2026, 1, 1) + timedelta(days=n) for n in range(365)]
    return max(days, key=lambda day: len(format_date(day, _DATE_FORMAT, locale=babel_locale(locale))))


def _shapes(purpose: str, day: date) -> Iterable[tuple[str, dict[str, object]]]:
    """(variant, context fields) for every shape a purpose's text takes, at its longest values."""
    with_fees = {"balance": MAX_TOTAL - MAX_FEES, "fees": MAX_FEES}
    no_fees = {"balance": MAX_TOTAL, "fees": Decimal(0)}
    if purpose == "follow_up":
        yield "fees and deadline", with_fees | {"deadline": day}
        yield "fees, no deadline", with_fees
        yield "deadline, no fees", no_fees | {"deadline": day}
        yield "no fees, no deadline", no_fees
    elif purpose == "promise_reminder":
        yield "promised amount", with_fees | {"promised_date": day, "promised_amount": MAX_TOTAL}
        yield "outstanding amount", with_fees | {"promised_date": day}
    else:  # the purposes that state no deadline or promise; a new purpose gets every value
        yield "with fees", with_fees | {"deadline": day, "promised_date": day, "promised_amount": MAX_TOTAL}


def worst_case_samples(
    profiles: Mapping[str, Profile] = PROFILES,
    senders: Sequence[Senders] = SENDERS,
    currencies: Sequence[str] = CURRENCIES,
    locales: Sequence[str] = SUPPORTED,
) -> list[Sample]:
    """Every text the templates can produce, rendered at its worst, for every profile, locale, purpose and identity.

    A directory without an identity for a profile in a language contributes no text there: such
    accounts are refused at enrolment.
    """
    samples = []
    for code in profiles:
        for locale in locales:
            day, language = longest_date(locale), template_language(locale)
            identities = []
            for directory in senders:
                try:
                    identities.append(directory.sender_for(code, "default", language))
                except SenderError:
                    continue
            for purpose in PURPOSES:
                for variant, values in _shapes(purpose, day):
                    for currency in currencies:
                        ctx = MessageContext(purpose=purpose, profile=code, locale=locale, currency=currency, due_date=day, **values)  # type: ignore[arg-type]
                        for sender in identities:
                            sample = Sample(code, locale, purpose, variant, currency, sender)
                            try:
                                samples.append(replace(sample, text=render_sms(ctx, sender)))
                            except (TemplateError, KeyError, ValueError, IndexError, AttributeError) as err:
                                samples.append(replace(sample, error=f"{type(err).__name__}: {err}"))
    return samples


def problems_in(sample: Sample, profile: Profile) -> list[tuple[str, str, int]]:
    """(rule, what is wrong, severity) for each rule the sample breaks; severity orders examples."""
    if sample.error:
        return [("render", sample.error, 0)]
    text, sender, found = sample.text, sample.sender, []
    if profile.code == "CN":
        # render_sms accepts a signature configured with its brackets; the text carries them once.
        signature = f"【{sender.signature.strip('【】[] ')}】"
        if not text.startswith(signature):
            found.append(("cn-signature", f"does not start with {signature}", 0))
    if profile.code == "US" and OPT_OUT not in text:
        found.append(("us-opt-out", f'no opt-out instruction "{OPT_OUT}"', 0))
    if foreign := _foreign_words(text, template_language(sample.locale)):
        found.append(("one-language", f"not wholly in the borrower's language: {', '.join(repr(w) for w in foreign[:3])}", 0))
    if profile.code == "EU" and sender.lender_name not in text:
        found.append(("eu-lender-name", f"does not name the lender {sender.lender_name!r}", 0))
    banned = banned_phrases_in(text)
    if banned:
        found.append(("banned-phrase", f"contains {', '.join(repr(p) for p in banned)}", 0))
    parts = sms_parts(text)
    if parts > profile.sms_max_parts:
        encoding = sms_encoding(text)
        detail = f"{parts} {encoding} parts ({len(text)} characters), profile allows {profile.sms_max_parts}"
        found.append(("sms-parts", detail, parts * 10_000 + len(text)))
    return found


def _foreign_words(text: str, language: str) -> list[str]:
    if language == "en":
        return _CJK.findall(text)
    # Currency symbols are written with Latin capitals in Chinese too (US$, PLN): short all-capital words pass.
    return [w for w in _LATIN_WORD.findall(text) if w not in _LATIN_IN_CHINESE and not (w.isupper() and len(w) <= 3)]


def lint_samples(samples: Iterable[Sample], profiles: Mapping[str, Profile] = PROFILES) -> list[str]:
    """One line per (profile, locale, purpose, rule) broken, naming the worst example."""
    worst: dict[tuple[str, str, str, str], tuple[int, str, Sample]] = {}
    count: dict[tuple[str, str, str, str], int] = {}
    for sample in samples:
        for rule, detail, severity in problems_in(sample, profiles[sample.profile]):
            key = (sample.profile, sample.locale, sample.purpose, rule)
            count[key] = count.get(key, 0) + 1
            if key not in worst or severity > worst[key][0]:
                worst[key] = (severity, detail, sample)
    lines = []
    for key, (_, detail, sample) in worst.items():
        profile, locale, purpose, rule = key
        excerpt = sample.text if len(sample.text) <= 80 else sample.text[:79] + "…"
        shown = f"; text {excerpt!r}" if sample.text else ""
        lines.append(f"{profile} {locale} {purpose}: {rule}: {detail} ({sample.where()}; {count[key]} text(s)){shown}")
    return lines


def lint_templates(
    profiles: Mapping[str, Profile] = PROFILES,
    senders: Sequence[Senders] = SENDERS,
    currencies: Sequence[str] = CURRENCIES,
    locales: Sequence[str] = SUPPORTED,
) -> list[str]:
    """Every problem of the SMS templates at their worst, one line each; [] when all pass."""
    return lint_samples(worst_case_samples(profiles, senders, currencies, locales), profiles)
