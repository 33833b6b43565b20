"""What a borrower's reply to a text means (DOMAIN.md, "Channels"): stop, help, or a message for an agent.

A reply is a keyword when the whole text, tidied, is one of the profile's words (`Profile.stop_keywords`,
`help_keywords`; lenders may change them through PROFILE_OVERRIDES, and STOP always stays): tidied means
Unicode NFKC (full-width letters as ASCII, as Chinese phones often send them), case folded, and every space,
punctuation mark and symbol removed ("Opt-out!" is OPT OUT). "Stop.", " td ", "ＴＤ", "退订！" are all STOP in
CN; "please stop texting me" is not a keyword: it is a message an agent must read (and, under most rules, an
opt-out to honour: the agent records it as an opt_out event). Anything else, in any language, is a message.
"""

from __future__ import annotations

import re
import unicodedata
from enum import StrEnum

from .profiles import Profile

MAX_REPLY = 1600  # characters: the longest text a carrier delivers (10 concatenated parts)
_NOT_WORD = re.compile(r"[\W_]+")


class ReplyKind(StrEnum):
    STOP = "stop"
    HELP = "help"
    MESSAGE = "message"


def tidy(text: str) -> str:
    """The text as keywords compare: NFKC, case folded, with every space, punctuation mark and symbol removed
    ("Opt-out!" and "OPT OUT" are both "optout"; CJK characters are word characters and stay)."""
    return _NOT_WORD.sub("", unicodedata.normalize("NFKC", text).casefold())


def kind_of(text: str, profile: Profile) -> ReplyKind:
    said = tidy(text)
    if said in {tidy(word) for word in profile.stop_keywords}:
        return ReplyKind.STOP
    if said in {tidy(word) for word in profile.help_keywords}:
        return ReplyKind.HELP
    return ReplyKind.MESSAGE
