"""Who the texts come from: the lender's name, SMS signature, support number and how to pay — per
jurisdiction profile, per product, in each language the borrowers read.

A deployment configures its identities (the lender configuration's `senders`, deployed to AppConfig; no defaults: a
real company's identity must never be sent by mistake) as JSON:

    {"CN": {"lender_name": "...", "signature": "...", "support_phone": "...", "pay_hint": "...",
            "en": {"lender_name": "...", "signature": "...", "pay_hint": "..."}},
     "US": {"lender_name": "...", "support_phone": "...", "pay_hint": "..."},
     "CN/credit-line": {"support_phone": "..."}}

A key is a profile or profile/product (a product's identity overlays its profile's). Its fields are
in the profile's own language (CN: Chinese; US, EU: English); a text in another language takes that
language's fields (`"en": {...}`) and only the support number from the base, so that every text is
wholly in the borrower's language. `signature` (the registered 【signature】) is required for CN.
Each value has a bounded length, the one the SMS template linter renders every text at.

Its own module, without Babel, so that the functions that only check identities (enrolment) stay light.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from .locales import LOCALES_BY_LANGUAGE, template_language

PROFILE_LANGUAGE = {"CN": "zh", "US": "en", "EU": "en"}
# Field -> the longest value the templates are linted at (escalation.domain.message_rules.LONG_SENDER).
LIMITS = {"lender_name": 24, "signature": 8, "support_phone": 16, "pay_hint": 20}
FIELDS = tuple(LIMITS)
NEUTRAL = ("support_phone",)  # the same in every language
_PHONE = re.compile(r"\+?[0-9][0-9 ()-]{2,19}")
_CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")
# Latin words a Chinese text may carry: the app's name in the usual spelling.
_LATIN_IN_CHINESE = re.compile(r"(?i)\b(?!app\b)[a-z]+\b")


class SenderError(ValueError):
    """An identity configuration that is invalid, or that has no identity for a profile, product and language."""


@dataclass(frozen=True)
class Sender:
    lender_name: str  # e.g. "Example Lending" / "示例金融"
    signature: str  # CN SMS signature without brackets, e.g. "示例金融"; "" where the profile has none
    support_phone: str  # e.g. "400-000-0000"
    pay_hint: str  # how to pay, e.g. "app: Me > Repay"; short


@dataclass(frozen=True)
class Senders:
    """The deployment's sender identities: key ("CN", "CN/credit-line") -> fields, with languages nested."""

    identities: Mapping[str, Mapping[str, Any]]

    @classmethod
    def parse(cls, raw: Any, where: str = "sender identities") -> Senders:
        if not isinstance(raw, dict) or not raw:
            raise SenderError(f'{where}: expected a JSON object keyed by profile or profile/product, e.g. {{"CN": {{...}}}}')
        for key, identity in raw.items():
            profile, slash, product = str(key).partition("/")
            if profile not in PROFILE_LANGUAGE or (slash and not product):
                raise SenderError(f"{where}: {key!r}: expected a profile ({', '.join(PROFILE_LANGUAGE)}) or profile/product")
            _check_fields(identity, f"{where}: {key}", PROFILE_LANGUAGE[profile], languages=True)
        senders = cls(MappingProxyType({k: MappingProxyType(dict(v)) for k, v in raw.items()}))
        senders.each(where)  # every language configured must give a whole identity
        return senders

    def each(self, where: str = "sender identities") -> list[Sender]:
        """Every identity configured: each key's, in its profile's language and each language nested in it."""
        found = []
        for key, identity in self.identities.items():
            profile, _, product = str(key).partition("/")
            for language in [PROFILE_LANGUAGE[profile], *(k for k in identity if k in LOCALES_BY_LANGUAGE)]:
                found.append(self.sender_for(profile, product or "default", language, where))
        return found

    def sender_for(self, profile: str, product: str, language: str, where: str = "sender identities") -> Sender:
        """The identity a text in `language` to an account of this profile and product carries."""
        base = PROFILE_LANGUAGE.get(profile)
        fields: dict[str, str] = {}
        for key in (profile, f"{profile}/{product}"):
            identity = self.identities.get(key, {})
            if language == base:
                fields |= {f: v for f, v in identity.items() if f in FIELDS}
            else:
                fields |= {f: v for f, v in identity.items() if f in NEUTRAL}
                fields |= identity.get(language, {})
        required = [f for f in FIELDS if f != "signature" or profile == "CN"]
        missing = [f for f in required if not fields.get(f)]
        if missing:
            in_language = "" if language == base else f" in {language!r}"
            raise SenderError(f"{where}: no sender identity for {profile} texts{in_language}: {', '.join(missing)} not configured")
        return Sender(fields["lender_name"], fields.get("signature", ""), fields["support_phone"], fields["pay_hint"])

    def sender_for_locale(self, profile: str, product: str, locale: str) -> Sender:
        return self.sender_for(profile, product, template_language(locale))


def _check_fields(identity: Any, where: str, language: str, languages: bool) -> None:
    if not isinstance(identity, dict) or not identity:
        raise SenderError(f"{where}: expected an object of identity fields")
    for name, value in identity.items():
        if languages and name in LOCALES_BY_LANGUAGE and name != language:
            _check_fields(value, f"{where}.{name}", name, languages=False)
            continue
        if name not in LIMITS:
            nested = f" or a language ({', '.join(lang for lang in LOCALES_BY_LANGUAGE if lang != language)})" if languages else ""
            raise SenderError(f"{where}.{name}: unknown field; expected {', '.join(FIELDS)}{nested}")
        _check_value(value, f"{where}.{name}", name, language)


def _check_value(value: Any, where: str, name: str, language: str) -> None:
    if not isinstance(value, str) or not value.strip():
        raise SenderError(f"{where}: expected text")
    if len(value) > LIMITS[name]:
        raise SenderError(f"{where}: at most {LIMITS[name]} characters (the SMS templates are checked at that length), got {len(value)}")
    if name == "support_phone":
        if not _PHONE.fullmatch(value):
            raise SenderError(f"{where}: expected a phone number (digits, spaces, + - ( ))")
        return
    if language == "en" and _CJK.search(value):
        raise SenderError(f"{where}: an English text's identity must be in English")
    if language == "zh" and _LATIN_IN_CHINESE.search(value):
        raise SenderError(f"{where}: a Chinese text's identity must be in Chinese (Latin words: only 'App')")
