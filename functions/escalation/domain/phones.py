"""Phone numbers: which jurisdiction a number belongs to, and how a number is shown to people (masked).

The one masker of the product: logs, reports, the ops CLI and the harness all show numbers this way.
"""

from __future__ import annotations

import re
from functools import lru_cache

import phonenumbers

MASK = "*****"

# The profile whose rules protect the holder of a number from this country. EU/UK: the EU and EEA members
# and the UK with its Crown Dependencies (FCA CONC); US: the US and its territories on the NANP (FDCPA / Reg F).
# Numbers from anywhere else take the deployment's (or the scenario's) default profile.
_EU_REGIONS = frozenset("AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE IS LI NO GB GG JE IM".split())
_US_REGIONS = frozenset("US PR GU VI AS MP".split())
_CN_REGIONS = frozenset({"CN"})


@lru_cache(maxsize=16384)
def profile_of_number(phone: str) -> str | None:
    """CN, US or EU for a number of those jurisdictions; None when the number's country has no profile."""
    try:
        number = phonenumbers.parse(phone)
    except phonenumbers.NumberParseException:
        return None
    # A number no region's plan validates (a reserved test range, say) belongs to its country code's main region.
    region = phonenumbers.region_code_for_number(number) or phonenumbers.region_code_for_country_code(number.country_code)
    if region in _CN_REGIONS:
        return "CN"
    if region in _US_REGIONS:
        return "US"
    if region in _EU_REGIONS:
        return "EU"
    return None


def mask_phone(number: str) -> str:
    """``+8613800138000`` → ``+86*****00``; anything not clearly an international number → ``*****``.

    The country code comes from libphonenumber's table (a prefix-free code of 1-3 digits); two digits and
    a country cannot identify a subscriber, while they still tell a borrower's number from another.
    """
    digits = re.sub(r"\D", "", number)
    if not number.lstrip().startswith("+") or not 7 <= len(digits) <= 15:
        return MASK
    for size in (1, 2, 3):  # country codes are prefix-free
        code = int(digits[:size])
        if code in phonenumbers.COUNTRY_CODE_TO_REGION_CODE:
            national = digits[size:]
            return f"+{code}{MASK}{national[-2:]}" if len(national) >= 6 else MASK
    return MASK
