"""Texts the custom actions send, per language, rendered from the catalogue.

The texts live in catalogue/texts/actions.yml (and the order system's values in
catalogue/texts/order_values.yml); this module fills their placeholders, writes dates the
language's way and sends them. Every language has every key with the same placeholders
(tests/catalogue).
"""

from __future__ import annotations

import logging
import re
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from catalogue import texts as catalogue

logger = logging.getLogger(__name__)

MESSAGES: dict[str, dict[str, str]] = catalogue.tables("actions")
ORDER_STATES = catalogue.tables("order_values", "order_states")
REFUND_STATES = catalogue.tables("order_values", "refund_states")
PAYMENT_METHODS = catalogue.tables("order_values", "payment_methods")
# Tracking events and delay reasons the order system writes (keyed in lower case); unknown ones
# get a neutral sentence in the customer's language rather than English.
TRACKING_EVENTS = catalogue.tables("order_values", "tracking_events")
GENERIC = catalogue.tables("order_values", "generic")
FORMATS = catalogue.tables("order_values", "formats")


def _value_text(table: dict[str, dict[str, str]], language: str, value: str) -> str:
    """An order-system value in `language`; one the catalogue lacks as the system wrote it."""
    return (table.get(language) or table["en"]).get(value) or value.replace("_", " ")


def order_state(language: str, status: str | None) -> str:
    return _value_text(ORDER_STATES, language, str(status or ""))


def refund_state(language: str, status: str | None) -> str:
    return _value_text(REFUND_STATES, language, str(status or "none"))


def payment_method(language: str, method: str | None) -> str:
    if not method:
        return text(language, "refund_method_default")
    return _value_text(PAYMENT_METHODS, language, method)


def tracking_event(language: str, description: str | None, *, delay: bool = False) -> str:
    """A tracking event / delay reason from the order system, in `language`."""
    if not description:
        return text(language, "delay_reason_default" if delay else "last_event_default")
    if language == "en":
        return description
    known = TRACKING_EVENTS.get(language, {}).get(description.strip().lower())
    if known:
        return known
    logger.info("no %s wording for tracking event %r", language, description)
    if language not in GENERIC:
        return description
    return GENERIC[language]["delay" if delay else "event"]


ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[T ][\d:.]+(?:Z|[+-]\d{2}:?\d{2})?)?$")


def date_text(language: str, value: str) -> str:
    """An ISO date (or timestamp) as the language writes dates: 2026년 12월 4일 in Korean."""
    match = ISO_DATE.match(value.strip())
    if not match:
        return value
    year, month, day = (int(g) for g in match.groups())
    formats = FORMATS.get(language) or FORMATS["en"]
    return formats["date"].format(year=year, month=month, day=day)


class _Defaults(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "–"


def _value(language: str, value: Any) -> Any:
    if value is None:
        return "–"
    if isinstance(value, str) and ISO_DATE.match(value.strip()):
        return date_text(language, value)
    return value


def text(language: str, key: str, **values: Any) -> str:
    """The message `key` in `language`, with `{placeholders}` filled (dates in the language's
    format). Every language has every key (tests/actions/test_messages.py); an unknown language
    gets English."""
    table = MESSAGES.get(language) or MESSAGES["en"]
    template = table.get(key)
    if template is None:  # a catalogue gap: the test fails on it; the customer still gets text
        logger.warning("text %r missing in %r", key, language)
        template = MESSAGES["en"][key]
    cleaned = {k: _value(language, v) for k, v in values.items()}
    return template.format_map(_Defaults(cleaned))


def say(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    key: str,
    buttons: list[dict[str, str]] | None = None,
    *,
    language: str | None = None,
    **values: Any,
) -> None:
    """Sends message `key` in the conversation's language (or `language` if given)."""
    language = language or str(tracker.get_slot("language") or "en")
    dispatcher.utter_message(text=text(language, key, **values), buttons=buttons or [])
