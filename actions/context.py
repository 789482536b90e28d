"""What the conversation already holds, read from its events: the order a customer named in a
message the bot did not understand, whether a request repeats one that got no result yet, and
whether an answer to "why are you returning it?" is a reason or a refusal (issue 11, "Use what
was said"), and a new request typed at "which order?"."""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.common import ORDER_NUMBER_RE, latest_intent, normalise_order_number
from actions.messages import say, text
from actions.parsing import find_address
from catalogue.vocabulary import TASK_INTENTS

# what a customer says while the bot fails to understand, or to its options and prompts
NOT_UNDERSTOOD_TURNS = frozenset({"nlu_fallback", "out_of_scope", "affirm", "deny"})
# intents that interrupt the form even as the answer to "why are you returning it?"
REASON_INTERRUPTIONS = frozenset(
    {"request_human", "complaint", "goodbye", "thank", "bot_challenge", "greet"}
)
# a bare refusal: stops the form (rule "no during lookup") instead of being the reason
STOP_RE = re.compile(
    r"(?:no+|nope|nah|stop|cancel|never ?mind|forget it|(?:no,? )?(?:stop|thanks?|thank you)|"
    r"아니(?:요|오)?|아뇨|그만(?:할게요|둘게요)?|취소(?:할게요)?|됐어요)[.!]*",
    re.IGNORECASE,
)


def user_messages(tracker: Tracker) -> list[dict[str, Any]]:
    """The customer's messages of this conversation as applied: a "rewind" (the one-click
    fallback's) takes back the latest one, a restart or a new session forgets them."""
    users: list[dict[str, Any]] = []
    for event in tracker.events:
        kind = event.get("event")
        if kind == "user":
            users.append(event)
        elif kind == "rewind" and users:
            users.pop()
        elif kind in ("restart", "session_started"):
            users.clear()
    return users


def order_named_while_not_understood(tracker: Tracker) -> str | None:
    """The order number in the customer's messages just before this one that the bot did not
    understand (the entity is kept even though the message fell back)."""
    for event in reversed(user_messages(tracker)[:-1]):
        parse = event.get("parse_data") or {}
        if (parse.get("intent") or {}).get("name") not in NOT_UNDERSTOOD_TURNS:
            return None
        for entity in parse.get("entities") or []:
            number = entity.get("entity") == "order_number" and normalise_order_number(
                entity.get("value")
            )
            if number:
                return number
    return None


def orders_named(tracker: Tracker) -> set[str]:
    """Every order number the customer named (or clicked) in this session."""
    return {
        number
        for event in user_messages(tracker)
        for entity in (event.get("parse_data") or {}).get("entities") or []
        if entity.get("entity") == "order_number"
        and (number := normalise_order_number(entity.get("value")))
    }


def unfinished(tracker: Tracker, task: str, focus: Any) -> bool:
    """The same task as before, asked again before it reported a result for that order."""
    if not focus or tracker.get_slot("pending_task") != task:
        return False
    result = tracker.get_slot("task_result") or {}
    return not (result.get("task") == task and result.get("order_number") == focus)


def is_a_reason(said: str, intent: str | None) -> bool:
    """An answer to "why are you returning it?" that is a reason, whatever intent it read as
    ("not needed", "사이즈가 안 맞아요" read as deny); not a button payload, a bare "no"/"stop",
    a request for a person or a goodbye."""
    return bool(said) and not (
        said.startswith("/") or intent in REASON_INTERRUPTIONS or STOP_RE.fullmatch(said)
    )


def switched_request(dispatcher: CollectingDispatcher, tracker: Tracker) -> dict[str, Any]:
    """A new request typed at "which order?" / "what's your order number?" ("actually I want to
    cancel an order", "주문 취소하고 싶어요"): the lookup goes on for that request, keeping what
    is known (who the customer is, an order number they give with it). It was read as a wrong
    order number; twice, and the customer went to a person."""
    intent = latest_intent(tracker) or ""
    task = TASK_INTENTS.get(intent)
    said = str(tracker.latest_message.get("text") or "")
    pending = tracker.get_slot("pending_task")
    words = ORDER_NUMBER_RE.sub(" ", said).split()
    if not task or not pending or task == pending or len(words) < 2:
        return {}  # (a bare "EF-100003" the model read as a request is the answer)
    language = str(tracker.get_slot("language") or "en")
    say(dispatcher, tracker, "switched_request", request=text(language, f"choice_{intent}"))
    return {
        "order_number": None,
        "pending_task": task,
        "lookup_attempts": 0.0,
        "new_address": find_address(said) if task == "change_address" else None,
        "return_items": None,
        "return_reason": None,
        "next_request": None,
    }


def numbers_in_order(tracker: Tracker) -> list[str]:
    """The distinct order numbers of the latest message, in the order they were written."""
    entities = sorted(
        (e for e in (tracker.latest_message or {}).get("entities", []) or []
         if e.get("entity") == "order_number"),
        key=lambda e: int(e.get("start") or 0),
    )  # fmt: skip
    numbers = [normalise_order_number(e.get("value")) for e in entities]
    return list(dict.fromkeys(n for n in numbers if n))
