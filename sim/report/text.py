"""Masking and escaping: every text the page shows goes through here.

Phone numbers are masked by the product's one masker (escalation.domain.phones.mask_phone); free text (SMS bodies,
notes, names) has its phone-like runs masked the same way; everything is HTML-escaped before it reaches the page.
"""

from __future__ import annotations

import re
from html import escape
from typing import Any

from escalation.domain.phones import MASK, mask_phone

__all__ = ["esc", "mask_phone", "mask_text", "wrap"]

_PHONE_LIKE = re.compile(r"\+\d{6,15}|(?<![\d.,])\d{7,15}(?![\d.,])")  # E.164, or a bare run of 7+ digits (not an amount)


def mask_text(text: Any) -> str:
    """Phone numbers in free text (SMS bodies, notes), masked like mask_phone; dates and amounts are left alone."""
    return _PHONE_LIKE.sub(lambda m: mask_phone(m.group(0)) if m.group(0).startswith("+") else _mask_digits(m.group(0)), str(text))


def _mask_digits(run: str) -> str:
    """A bare run of digits that may be a national number: its ends only."""
    return f"{run[:2]}{MASK}{run[-2:]}"


def esc(text: Any) -> str:
    """Text for HTML (element content or a quoted attribute)."""
    return escape(str(text), quote=True)


def wrap(text: str, width: int) -> list[str]:
    """Words into lines of at most `width` characters (a longer word keeps a line to itself): SVG text does not wrap."""
    lines: list[str] = []
    for word in str(text).split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += f" {word}"
        else:
            lines.append(word)
    return lines or [""]
