"""Which language a customer message is written in (ko / en), decided per message.

Script share is enough to tell Korean from English: the share of Hangul among the letters of
the message, after order numbers, e-mail addresses, URLs and button payloads are taken out.
A message that says nothing about its language (a bare order number, an e-mail address, "ok",
an emoji, a button payload) keeps the conversation's previous language.
"""

from __future__ import annotations

import re

KO_MIN_SHARE = 0.3  # "주문 EF-100001 status 알려줘" is Korean: Hangul carries more per letter
EN_MAX_SHARE = 0.05
# Latin words that do not tell a language (Korean customers type them too).
NEUTRAL_WORDS = frozenset(
    {"ok", "okay", "ef", "id", "no", "yes", "kr", "de", "dhl", "cj", "ups", "dpd", "gls", "lol"}
)

_NOISE = re.compile(
    r"https?://\S+|www\.\S+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+|\bEF[\s-]?\d+|\d+",
    re.IGNORECASE,
)
_LATIN_WORD = re.compile(r"[A-Za-z]+")


def is_hangul(char: str) -> bool:
    code = ord(char)
    return 0xAC00 <= code <= 0xD7A3 or 0x1100 <= code <= 0x11FF or 0x3130 <= code <= 0x318F


def detect(text: str | None, previous: str = "en") -> str:
    """`ko` or `en` for this message; `previous` when the message is language-neutral."""
    if not text or text.lstrip().startswith("/"):  # empty, or a button payload (/affirm)
        return previous
    cleaned = _NOISE.sub(" ", text)
    hangul = sum(1 for c in cleaned if is_hangul(c))
    words = [w for w in _LATIN_WORD.findall(cleaned) if w.lower() not in NEUTRAL_WORDS]
    latin = sum(len(w) for w in words)
    if hangul + latin == 0:
        return previous
    share = hangul / (hangul + latin)
    if share >= KO_MIN_SHARE and hangul >= 1:
        return "ko"
    if share <= EN_MAX_SHARE and (len(words) >= 2 or latin >= 4):
        return "en"
    return previous
