"""Helpers shared by the action modules: slot names, task outcomes, formatting."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.clients.orders import Order
from actions.messages import say

ORDER_NUMBER_RE = re.compile(r"\b(?:ef)?\s*-?\s*(\d{6})\b", re.IGNORECASE)
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$", re.IGNORECASE)
EMAIL_FIND_RE = re.compile(r"[^@\s<>()]+@[^@\s<>()]+\.[a-z]{2,}", re.IGNORECASE)
POSTCODE_RE = re.compile(
    r"(?<![\w-])(\d{4,5}|[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2})(?![\w-])", re.IGNORECASE
)

# pending_question values (a categorical slot the dialogue rules condition on)
Q_CONFIRM = "confirm"
Q_REFUSAL = "refusal"
Q_HANDOFF_OFFER = "handoff_offer"
Q_ANYTHING_ELSE = "anything_else"
Q_CES = "ces"

TASK_INTENTS = {
    "order_status": "order_status",
    "delivery_time": "order_status",
    "cancel_order": "cancel_order",
    "change_address": "change_address",
    "return_item": "return_item",
    "refund_request": "refund_status",
    "refund_status": "refund_status",
    "get_invoice": "get_invoice",
}

SMALL_TALK = {
    "greet",
    "goodbye",
    "thank",
    "affirm",
    "deny",
    "bot_challenge",
    "ces",
    "nlu_fallback",
    "EXTERNAL_handback",
}


def normalise_order_number(value: Any) -> str | None:
    """`ef100001`, `EF 100001`, `100001` → `EF-100001`; None if no order number is in it."""
    if value is None:
        return None
    match = ORDER_NUMBER_RE.search(str(value))
    return f"EF-{match.group(1)}" if match else None


def find_email(value: Any) -> str | None:
    if value is None:
        return None
    match = EMAIL_FIND_RE.search(str(value))
    if not match:
        return None
    email = match.group(0).strip(".,;").lower()
    return email if EMAIL_RE.match(email) else None


def find_postcode(value: Any) -> str | None:
    if value is None:
        return None
    match = POSTCODE_RE.search(str(value))
    return match.group(1).upper() if match else None


def now_iso() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def task_result(
    task: str, status: str, *, code: str | None = None, order_number: str | None = None
) -> SlotSet:
    """The `task_result` slot as docs/contracts.md section 2 defines it."""
    return SlotSet(
        "task_result",
        {
            "task": task,
            "status": status,
            "code": code,
            "order_number": order_number,
            "at": now_iso(),
        },
    )


def snapshot(order: Order) -> SlotSet:
    return SlotSet("order_snapshot", order.to_json())


def money(amount: str | None, currency: str = "EUR") -> str:
    if amount is None:
        return ""
    symbol = {"EUR": "€", "USD": "$", "GBP": "£", "KRW": "₩"}.get(currency, currency + " ")
    return f"{symbol}{amount}"


def language(tracker: Tracker) -> str:
    return str(tracker.get_slot("language") or "en")


def latest_intent(tracker: Tracker) -> str | None:
    return (tracker.latest_message or {}).get("intent", {}).get("name")


def ask_anything_else(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
    """Task done: the dialogue rules ask "anything else?" next (utter_anything_else)."""
    return [SlotSet("pending_question", Q_ANYTHING_ELSE)]


def offer_handoff(
    dispatcher: CollectingDispatcher, tracker: Tracker, reason: str, key: str, **values: Any
) -> list[EventType]:
    """Honest message about what went wrong; the rules then offer a colleague."""
    say(dispatcher, tracker, key, **values)
    return [SlotSet("pending_question", Q_HANDOFF_OFFER), SlotSet("handoff_reason", reason)]


def refusal(
    dispatcher: CollectingDispatcher, tracker: Tracker, key: str, **values: Any
) -> list[EventType]:
    """A policy refusal; the rules ask "is that okay?" so the customer can dispute it."""
    say(dispatcher, tracker, key, **values)
    return [SlotSet("pending_question", Q_REFUSAL), SlotSet("handoff_reason", "policy")]


def session_events(tracker: Tracker) -> list[dict[str, Any]]:
    """Events of the current conversation session."""
    events = list(tracker.events)
    for index in range(len(events) - 1, -1, -1):
        if events[index].get("event") == "session_started":
            return events[index + 1 :]
    return events


def session_intents(tracker: Tracker) -> list[str]:
    return [
        e.get("parse_data", {}).get("intent", {}).get("name", "")
        for e in session_events(tracker)
        if e.get("event") == "user"
    ]
