"""Helpers shared by the action modules: slot names, task outcomes, formatting."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.clients.orders import Order
from actions.messages import say, text
from catalogue.vocabulary import TASK_INTENTS

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
    name = (tracker.latest_message or {}).get("intent", {}).get("name")
    return str(name) if name else None


# A second request inside the same message ("the invoice, and can the mug still go back?"):
# keywords → intent. Checked on the message that started a task; offered once it is done.
SECOND_REQUESTS = (
    ("get_invoice", re.compile(r"\b(?:invoice|receipt|bill)\b", re.IGNORECASE)),
    ("return_item", re.compile(r"\breturn|\bsend (?:it|them|\w+) back|\bgo back\b", re.I)),
    ("cancel_order", re.compile(r"\bcancel", re.IGNORECASE)),
    ("refund_status", re.compile(r"\brefund|\bmoney back", re.IGNORECASE)),
    ("change_address", re.compile(r"\baddress\b", re.IGNORECASE)),
    (
        "order_status",
        re.compile(
            r"\bwhere\b(?!\s+(?:can|do|does|should|to|would|will))|\bstatus\b|\btracking\b", re.I
        ),
    ),
)


# Mild disappointment with a request the bot can do: do it, and offer a person as a button.
MILD_DISAPPOINTMENT = re.compile(
    r"\bdisappoint|\blet ?down\b|\bnot (?:really )?(?:happy|satisfied)\b|\bunhappy\b|"
    r"\bannoy|\bfrustrat|\bshame\b|\bpity\b|아쉽|실망",
    re.IGNORECASE,
)
OFFER_PERSON = "request_human"


def second_request(text: Any, current_task: str) -> str | None:
    """What to offer after the task: another request in the message, or a person."""
    for intent, pattern in SECOND_REQUESTS:
        if TASK_INTENTS.get(intent) != current_task and pattern.search(str(text or "")):
            return intent
    if MILD_DISAPPOINTMENT.search(str(text or "")):
        return OFFER_PERSON
    return None


def ask_anything_else(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
    """Task done: the dialogue rules ask "anything else?" next (utter_anything_else).

    If the customer's message also asked for something else, say that it comes next, with
    one button to start it.
    """
    slot = tracker.get_slot("next_request")
    # an intent, or {"intent", "order_number"} when the other request named its own order
    nxt = slot.get("intent") if isinstance(slot, dict) else slot
    order = slot.get("order_number") if isinstance(slot, dict) else None
    if nxt:
        language = str(tracker.get_slot("language") or "en")
        key = "offer_person" if nxt == OFFER_PERSON else "next_request"
        payload = f"/{nxt}" + (f'{{"order_number":"{order}"}}' if order else "")
        dispatcher.utter_message(
            text=text(language, key, request=text(language, f"choice_{nxt}")),
            buttons=[{"title": text(language, f"choice_{nxt}"), "payload": payload}],
        )
    return [SlotSet("pending_question", Q_ANYTHING_ELSE), SlotSet("next_request", None)]


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
