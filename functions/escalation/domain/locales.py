"""The languages the SMS templates are written in, and the locales that read them.

A borrower's text is wholly in their language, so a locale the templates cannot serve is refused at
enrolment (never sent in another language). Light on purpose: the event contract imports it on the
borrower-event consumer's cold path, without Babel.
"""

from __future__ import annotations

# Template language -> the locales that read it (the locale sets how amounts and dates are written).
# Simplified Chinese only: a zh-TW or zh-HK reader would get a script they do not use.
LOCALES_BY_LANGUAGE: dict[str, tuple[str, ...]] = {
    "en": ("en", "en-US", "en-GB", "en-IE", "en-MT", "en-CA", "en-AU", "en-NZ", "en-SG", "en-IN", "en-HK"),
    "zh": ("zh", "zh-CN", "zh-Hans", "zh-Hans-CN", "zh-SG", "zh-Hans-SG"),
}
_LANGUAGE_OF = {locale.lower(): language for language, locales in LOCALES_BY_LANGUAGE.items() for locale in locales}
SUPPORTED = tuple(locale for locales in LOCALES_BY_LANGUAGE.values() for locale in locales)


class LocaleError(ValueError):
    """A locale the SMS templates do not serve."""


def normalized(locale: str) -> str:
    """BCP 47 with hyphens: "zh_CN" -> "zh-CN"."""
    return locale.replace("_", "-")


def template_language(locale: str) -> str:
    """The template language ("en", "zh") for a borrower's locale; raises LocaleError for one without templates."""
    language = _LANGUAGE_OF.get(normalized(locale).lower())
    if language is None:
        raise LocaleError(f"no SMS templates for locale {locale!r}; supported: {', '.join(SUPPORTED)}")
    return language


def babel_locale(locale: str) -> str:
    """The locale as Babel names it ("zh-Hans-CN" -> "zh_Hans_CN"), in the supported list's spelling."""
    wanted = normalized(locale).lower()
    spelled = next(s for s in SUPPORTED if s.lower() == wanted)
    return spelled.replace("-", "_")
