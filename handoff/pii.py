"""Mask personal data in free text: emails, phone numbers, card-like numbers, street addresses."""

from __future__ import annotations

import re
from typing import Any

EMAIL = re.compile(r"[^\s@<>()\"',;]+@[^\s@<>()\"',;]+\.[a-z]{2,}", re.IGNORECASE)
# 13–19 digits, optionally grouped by spaces or dashes (payment cards and the like)
CARD = re.compile(r"(?<![\w-])(?:\d[ -]?){12,18}\d(?![\w-])")
# +49 30 1234567, (030) 123-4567, 010-1234-5678, 0151 23456789: 7+ digits with separators;
# not a date and time ("2026-12-01 15:59", which an analytics explanation carries)
PHONE = re.compile(
    r"(?<![\w-])(?!\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2})?(?![\d-]))"
    r"(?:\+\d{1,3}[ .-]?)?(?:\(\d{1,4}\)[ .-]?)?\d(?:[ .-]?\d){6,14}(?![\w-])"
)
STREET_WORDS = (
    r"street|st\.|road|rd\.|avenue|ave\.?|lane|ln\.|drive|dr\.|way|boulevard|blvd\.?|place|"
    r"platz|allee|gasse|weg|ring|damm|straße|strasse|str\."
)
# "12 Baker Street", "Baker Street 12", "Hauptstraße 5", "Unter den Linden 77", "세종대로 110"
STREET = re.compile(
    rf"\b\d{{1,5}}[a-z]?\s+(?:[A-ZÄÖÜ][\wäöüß.-]*\s+){{0,3}}(?:{STREET_WORDS})\b"
    rf"|\b(?:[A-ZÄÖÜ][\wäöüß.-]*\s+){{0,3}}[\wäöüß-]*(?:{STREET_WORDS})\s*\d{{1,5}}[a-z]?\b"
    r"|[가-힣]+(?:로|길)\s*\d{1,5}(?:-\d{1,5})?",
    re.IGNORECASE,
)


def mask_text(text: str | None) -> str | None:
    if text is None:
        return None
    text = EMAIL.sub("[email]", text)
    text = CARD.sub("[card]", text)
    text = PHONE.sub("[phone]", text)
    return STREET.sub("[address]", text)


def mask_value(value: Any) -> Any:
    """Mask every string inside a JSON-like value."""
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, list):
        return [mask_value(v) for v in value]
    if isinstance(value, dict):
        return {k: mask_value(v) for k, v in value.items()}
    return value
