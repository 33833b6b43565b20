"""Who the texts come from: the lender's name, SMS signature, support number and how to pay.

Its own module so that code needing only these settings (escalation.config, every handler) does
not load the message templates and Babel with them.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Sender:
    lender_name: str  # e.g. "Shengbei Credit" / "省呗"
    signature: str  # CN SMS signature without brackets, e.g. "省呗"
    support_phone: str  # e.g. "400-800-1234"
    pay_hint: str  # how to pay, e.g. "the app > Repay"; short
