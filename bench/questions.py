"""Classify what the bot asks for, and detect information asked twice.

The simulator only sees what a customer sees (bot text and buttons), so "information asked
twice" is measured from the outside: every bot message is split into sentences, question
sentences are classified (asks for order number / email / postcode / address / which order /
confirmation / anything else / CES …), and the detector remembers which facts the customer has
already given (or that a signed-in session already knows). Asking for a known fact again is an
effort failure, unless the bot just rejected the value ("I couldn't find that order").
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

# Facts a customer gives; asking for one of these twice is what we measure.
FACTS = ("order_number", "email", "postcode", "address")

ORDER_NUMBER = re.compile(r"\b(?:EF[\s-]?)?(1\d{5})\b", re.IGNORECASE)
STRICT_ORDER_NUMBER = re.compile(r"\bEF[\s-]?\d{6}\b", re.IGNORECASE)
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
POSTCODE = re.compile(r"(?<![\w-])\d{5}(?![\w-])")
# "Gartenstraße 8, 10115 Berlin": street and number, postcode and city
ADDRESS = re.compile(r"[^\W\d_][\w.-]*\.?\s+\d+\w?,\s*\d{5}\s+[^\W\d_]{2,}")

_SENTENCE = re.compile(r"(?<=[.?!。？])\s+|\n+")
_REQUEST = re.compile(
    r"^\s*(?:please\b|could you\b|can you\b|would you\b|will you\b|may i\b"
    r"|i(?:'ll| will)? need\b|let me (?:have|know)\b|tell me\b|send me\b|type\b|enter\b"
    r"|share\b|give me\b|what(?:'s| is)\b)"
    r"|\b(?:please (?:send|share|give|tell|type|enter|provide|confirm|choose|pick|select))\b"
    r"|(?:주세요|알려|입력해|말씀해)",
    re.IGNORECASE,
)

_KIND_PATTERNS: dict[str, re.Pattern[str]] = {
    "order_number": re.compile(
        r"order[ -]?(?:number|no\b|#|id\b|reference)|\bthe number\b|주문\s*번호", re.IGNORECASE
    ),
    "email": re.compile(r"(?<!confirmation )e-?mail|이메일|메일\s*주소", re.IGNORECASE),
    "postcode": re.compile(r"post\s?code|postal code|zip(?: code)?\b|우편\s*번호", re.IGNORECASE),
    "address": re.compile(
        r"(?:new|which|what|delivery|shipping)\s+(?:delivery\s+|shipping\s+)?address|새\s*주소|배송지",
        re.IGNORECASE,
    ),
    "choose_order": re.compile(
        r"which (?:of (?:your|these) )?orders?\b|which one\b|어느 주문|어떤 주문", re.IGNORECASE
    ),
    "items": re.compile(
        r"which (?:items?|products?|articles?)\b|어떤 (?:상품|제품)", re.IGNORECASE
    ),
    "reason": re.compile(r"\bwhy\b|\breason\b|이유|사유", re.IGNORECASE),
    "anything_else": re.compile(
        r"anything else|something else|else (?:i|we) can|help (?:you )?with anything|"
        r"더 도와|다른 (?:문의|도움)",
        re.IGNORECASE,
    ),
    "ces": re.compile(r"made it easy|how easy|effort|easy (?:was|it was)|쉽게|쉬우", re.IGNORECASE),
    "confirm": re.compile(
        r"^\s*(?:shall|should|do you want|would you like|are you sure|can i go ahead|"
        r"is (?:that|this) (?:right|correct|okay|ok)(?: for you)?|do you confirm|confirm)\b"
        r"|하시겠|할까요|드릴까요|괜찮으실까요|맞나요|맞습니까",
        re.IGNORECASE,
    ),
}

_FALLBACK = re.compile(
    r"(?:didn'?t|did not|don'?t|do not|couldn'?t|could not) (?:quite )?"
    r"(?:understand|get that|follow|catch)|rephrase|not sure what you mean|"
    r"이해하지 못|다시 말씀",
    re.IGNORECASE,
)

_REJECTIONS: dict[str, re.Pattern[str]] = {
    "address": re.compile(
        r"(?:couldn'?t|could not|can'?t|cannot|didn'?t|did not) "
        r"(?:read|understand|recogni[sz]e|use)"
        r"[^.?!]{0,20}address|주소를 (?:확인|이해)",
        re.IGNORECASE,
    ),
    "order_number": re.compile(
        r"(?:couldn'?t|could not|can'?t|cannot|didn'?t|did not) find "
        r"(?:an? |the |that |this |your )?order|no order (?:with|under|number)|"
        r"order number (?:is|looks|seems) (?:not|in)|"
        r"not (?:a )?valid order|찾을 수 없",
        re.IGNORECASE,
    ),
    "email": re.compile(
        r"(?:doesn'?t|does not|didn'?t|did not|don'?t|do not) match|couldn'?t verify|"
        r"could not verify|not (?:a )?valid e-?mail|일치하지",
        re.IGNORECASE,
    ),
    "postcode": re.compile(
        r"(?:doesn'?t|does not|didn'?t|did not|don'?t|do not) match|couldn'?t verify|"
        r"could not verify|not (?:a )?valid post|일치하지",
        re.IGNORECASE,
    ),
}


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE.split(text or "") if s.strip()]


def is_question(sentence: str) -> bool:
    return sentence.rstrip().endswith(("?", "？")) or bool(_REQUEST.search(sentence))


def _button_payloads(buttons: Sequence[dict[str, Any]] | None) -> list[str]:
    return [str(b.get("payload") or "") for b in buttons or [] if isinstance(b, dict)]


def classify(text: str | None, buttons: Sequence[dict[str, Any]] | None = None) -> set[str]:
    """Kinds of question a bot message asks (empty set: not a question)."""
    kinds: set[str] = set()
    for sentence in sentences(text or ""):
        if not is_question(sentence):
            continue
        found = {kind for kind, pattern in _KIND_PATTERNS.items() if pattern.search(sentence)}
        if "choose_order" in found:
            found.discard("order_number")
        if found & {"items", "choose_order"}:
            found.discard("confirm")  # "어떤 상품을 반품하시겠어요?" asks which, not yes/no
        if re.search(r"\bstreet\b|도로명", sentence, re.IGNORECASE):
            # "street and number, postcode city" ("도로명 주소와 우편번호") describes the address
            # format
            found = (found - {"postcode", "email"}) | {"address"}
        elif found & {"postcode", "email"}:
            found.discard("address")
        kinds |= found or {"other"}
    payloads = _button_payloads(buttons)
    if any(p.startswith("/ces") for p in payloads):
        kinds.add("ces")
        kinds.discard("other")
    elif any(STRICT_ORDER_NUMBER.search(p) for p in payloads) and len(payloads) > 1:
        kinds.add("choose_order")
        kinds.discard("order_number")
    elif {p.split("{")[0] for p in payloads} & {
        "/affirm",
        "/deny",
    } and "anything_else" not in kinds:
        kinds.add("confirm")
        kinds.discard("other")
    return kinds


def is_fallback(text: str | None) -> bool:
    return bool(_FALLBACK.search(text or ""))


def rejected(text: str | None) -> set[str]:
    """Facts the bot just rejected (not found / does not match)."""
    return {kind for kind, pattern in _REJECTIONS.items() if pattern.search(text or "")}


def facts_in(text: str) -> set[str]:
    """Facts a customer message gives."""
    found = set()
    if ADDRESS.search(text):
        found.add("address")
        text = ADDRESS.sub(" ", text)  # its postcode is not the order's verification postcode
    if STRICT_ORDER_NUMBER.search(text) or ORDER_NUMBER.fullmatch(text.strip()):
        found.add("order_number")
    if EMAIL.search(text):
        found.add("email")
    if POSTCODE.search(STRICT_ORDER_NUMBER.sub(" ", text)) and not ORDER_NUMBER.fullmatch(
        text.strip()
    ):
        found.add("postcode")
    return found


@dataclass
class AskedTwiceDetector:
    """Follows one conversation; ``repeats`` lists every fact asked for again."""

    known: set[str] = field(default_factory=set)  # facts the session knows from the start
    given: set[str] = field(default_factory=set)
    asked: dict[str, int] = field(default_factory=dict)
    repeats: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def signed_in(cls) -> AskedTwiceDetector:
        """A signed-in customer: the shop already knows who they are (email, postcode)."""
        return cls(known={"email", "postcode"})

    def customer(self, text: str) -> None:
        self.given |= facts_in(text)

    def customer_fact(self, kind: str) -> None:
        """The customer answered a question for ``kind`` (even in a form the regexes miss)."""
        self.given.add(kind)

    def bot(
        self, text: str | None, buttons: Sequence[dict[str, Any]] | None = None, turn: int = 0
    ) -> set[str]:
        """Feed a bot message; return its question kinds (repeats are recorded)."""
        kinds = classify(text, buttons)
        for kind in rejected(text):
            self.given.discard(kind)
            self.known.discard(kind)
        if "choose_order" in kinds and "order_number" in self.given:
            # "which order?" although the customer named it (or the bot just talked about it)
            self.repeats.append(
                {"fact": "order_number", "why": "which_order_known", "turn": turn, "text": text}
            )
        for kind in sorted(kinds & set(FACTS)):
            self.asked[kind] = self.asked.get(kind, 0) + 1
            if kind in self.given or kind in self.known:
                why = "already_given" if kind in self.given else "known_signed_in"
                self.repeats.append({"fact": kind, "why": why, "turn": turn, "text": text})
        return kinds

    @property
    def count(self) -> int:
        return len(self.repeats)

    def facts_asked_twice(self) -> list[str]:
        return sorted({r["fact"] for r in self.repeats})


def any_match(patterns: Iterable[str], text: str) -> bool:
    return any(re.search(p, text, re.IGNORECASE) for p in patterns)
