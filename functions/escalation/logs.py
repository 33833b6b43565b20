"""The functions' Powertools Logger, with borrowers' personal data masked in every record.

`make_logger()` returns a Powertools `Logger` whose formatter masks each record before it
is written, in three passes:

1. Keys: Powertools DataMasking ``erase`` on the personal keys (`PERSONAL_KEYS`) at any
   depth — top level, nested, inside lists.
2. Free text: in every string value (the message, an exception's message and stack trace,
   any extra key), anything that looks like an international phone number — ``+`` and 7 to
   15 digits, optionally grouped by spaces, dashes or parentheses — and any value written
   after a personal key in a repr or JSON fragment (``'phone': '…'``, ``name="…"``,
   ``to=13800138000``).
3. The serialized line, once more for phone-looking text (a phone used as a dict key, say).

Masking format: a phone number keeps its country code and last two digits behind a fixed
run of five stars, ``+8613800138000`` → ``+86*****00``; the country code comes from
libphonenumber's table, and a number whose country code is unknown or whose national
part has fewer than six digits becomes ``*****``. Two digits and a country cannot
identify a subscriber (and the record already names the account), while they still let
an operator tell a borrower's number from an emergency contact's. Every other personal
value (names, a ``to``/``from`` that is not a phone) becomes ``*****``; a list keeps its
length, each element masked.

Not masked: ISO timestamps (``+08:00`` has too few digits), amounts (``+1234567.89``: a
decimal part or a longer digit run disqualifies the match), ids and tokens (a ``+``
preceded by a letter, a digit, ``+`` or ``/`` is not the start of a phone number). National
forms without ``+`` are only masked after a personal key: a bare digit run is as likely an
id or an epoch.
"""

from __future__ import annotations

import json
import re
from functools import cache
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter

from .domain.phones import MASK, mask_phone

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.data_masking import DataMasking

# "text": SMS bodies and borrowers' replies (free text, which may hold anything personal).
PERSONAL_KEYS = frozenset(
    {"phone", "phone_number", "to", "from", "destination", "emergency_contacts", "name", "borrower_name", "full_name", "text"}
)

# "+", then 7-15 digits that may be grouped by spaces, dashes or parentheses. Not after a word
# character, "+" or "/" (ids, base64 tokens); not followed by a further digit or a decimal part.
PHONE_PATTERN = re.compile(r"(?<![\w+/])\+(?:[ ()\-]{0,2}\d){7,15}(?![\d]|[.,]\d)")
_KEYS = "|".join(sorted(PERSONAL_KEYS, key=len, reverse=True))
# A personal key followed by its value in a repr, JSON or key=value fragment of free text.
_KEYED_VALUE = re.compile(
    rf"""(?P<key>(?<![\w-])(?:{_KEYS})['"]?\s*[:=]\s*)"""
    r"""(?P<value>'[^'\n]*'|"[^"\n]*"|\\"(?:[^"\\\n]|\\[^"])*\\"|\[[^\]\n]*\]|\(?\+?\d[\d ()\-]{4,}\d)"""
)
_FORMATTER_OPTIONS = (
    "json_serializer",
    "json_deserializer",
    "json_default",
    "datefmt",
    "use_datetime_directive",
    "log_record_order",
    "utc",
    "use_rfc3339",
    "serialize_stacktrace",
)


def mask_text(text: str) -> str:
    """Mask phone-looking text and values written after personal keys in one string."""
    text = _KEYED_VALUE.sub(_mask_keyed_value, text)
    return PHONE_PATTERN.sub(lambda m: mask_phone(m.group()), text)


def _mask_keyed_value(match: re.Match[str]) -> str:
    value = match["value"]
    inner = value.strip("'\"\\")
    if PHONE_PATTERN.fullmatch(inner):
        quote = value[: len(value) - len(value.lstrip("'\"\\"))]
        return match["key"] + quote + mask_phone(inner) + quote
    if value.startswith('\\"'):
        masked = f'\\"{MASK}\\"'
    elif value[0] in "'\"":
        masked = value[0] + MASK + value[0]
    elif value[0] == "[":
        masked = f"[{MASK}]"
    else:
        masked = MASK
    return match["key"] + masked


@cache
def _masker() -> DataMasking:
    """Powertools DataMasking whose `erase` masks the value of a personal key.

    Built on the first record that has a personal key (the handlers' own records have none):
    importing DataMasking and its JSONPath parser would cost every cold start ~15 ms.
    """
    from aws_lambda_powertools.utilities.data_masking import DataMasking
    from aws_lambda_powertools.utilities.data_masking.provider import BaseProvider

    class PersonalValueProvider(BaseProvider):
        """Phones keep country code and last two digits, the rest is `*****`."""

        def erase(self, data: Any, *args: Any, **kwargs: Any) -> Any:
            if isinstance(data, list | tuple | set):
                return type(data)(self.erase(item) for item in data)
            if isinstance(data, str) and PHONE_PATTERN.fullmatch(data.strip()):
                return mask_phone(data)
            return MASK

    return DataMasking(provider=PersonalValueProvider(), raise_on_missing_field=False)


def _personal_keys(value: Any, found: set[str]) -> set[str]:
    """The personal keys present anywhere in a JSON-compatible value."""
    if isinstance(value, dict):
        found.update(k for k in value if k in PERSONAL_KEYS)
        for v in value.values():
            _personal_keys(v, found)
    elif isinstance(value, list):
        for v in value:
            _personal_keys(v, found)
    return found


def _mask_strings(value: Any) -> Any:
    """A copy with every string value masked as free text."""
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, dict):
        return {k: _mask_strings(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_mask_strings(v) for v in value]
    return value


def mask_record(record: dict[str, Any]) -> dict[str, Any]:
    """A JSON-compatible log record with its personal data masked: personal keys, then free text."""
    keys = _personal_keys(record, set())
    if keys:  # only expressions that match: DataMasking warns about the others
        record = _masker().erase(record, fields=[f"$..{k}" for k in sorted(keys)])
    return _mask_strings(record)


class MaskingFormatter(LambdaPowertoolsFormatter):
    """LambdaPowertoolsFormatter that masks personal data (see the module docstring) in every record."""

    def serialize(self, log: dict[str, Any]) -> str:  # type: ignore[override]
        # Through JSON first: the record may hold exceptions, datetimes, Decimals (json_default turns them into text).
        plain = json.loads(super().serialize(log))
        return PHONE_PATTERN.sub(lambda m: mask_phone(m.group()), super().serialize(mask_record(plain)))


def make_logger(**kwargs: Any) -> Logger:
    """A Powertools Logger (same arguments) whose records are masked by `MaskingFormatter`.

    Loggers of one service share one handler and formatter; when the service's logger was
    set up earlier with another formatter, its handler is given a masking one.
    """
    if kwargs.get("logger_formatter") is not None and not isinstance(kwargs["logger_formatter"], MaskingFormatter):
        raise TypeError("make_logger: logger_formatter must be a MaskingFormatter")
    options = {k: kwargs.pop(k) for k in _FORMATTER_OPTIONS if k in kwargs}
    kwargs.setdefault("logger_formatter", MaskingFormatter(**options))
    logger = Logger(**kwargs)
    if not kwargs.get("child") and not isinstance(logger.registered_formatter, MaskingFormatter):
        masking = kwargs["logger_formatter"]
        current = getattr(logger.registered_formatter, "get_current_keys", dict)()
        masking.append_keys(**current)
        logger.registered_handler.setFormatter(masking)
    return logger
