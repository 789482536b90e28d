"""Fallback that costs one click: below the NLU threshold the likeliest requests as buttons.

The rule for `nlu_fallback` runs `action_fallback_options`: the 2-3 most likely intents of the
message (that have a plain-words label) become buttons, plus "Something else". A click sends
that intent; a typed "yes" takes the first (likeliest) one (`action_take_first_choice`, as
Rasa's two-stage fallback does: the "yes" is reverted and the customer's own message is
replayed with the guessed intent, entities and all); "Something else" (a "no") gets the rephrase
prompt (utter_default); a second message the bot does not understand hands over to a colleague
(rules "second fallback").
"""

from __future__ import annotations

import logging
import re
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import ActionExecuted, EventType, UserUtteranceReverted, UserUttered
from rasa_sdk.executor import CollectingDispatcher

from actions.base import BotAction
from actions.common import SECOND_REQUESTS
from actions.context import user_messages
from actions.handoff import handoff_events
from actions.messages import MESSAGES, text
from actions.parsing import find_address
from catalogue.vocabulary import FALLBACK_INTENT, REPLAYED_FLAG, TASK_INTENTS

logger = logging.getLogger(__name__)

MAX_CHOICES = 3
MIN_ANSWER_CONFIDENCE = 0.2  # a yes/no reading of a message that fell back at a yes/no question
YES_NO_QUESTIONS = frozenset(
    {"utter_confirm_task", "utter_refusal_ok", "utter_offer_handoff", "utter_anything_else"}
)
MIN_CONFIDENCE = 0.05  # candidates below this are noise, not a guess worth a button
SOMETHING_ELSE = "/deny"  # none of these: the rules ask to rephrase (utter_default)


# A request for a person anywhere in a message the model did not understand as a whole (a
# long story with "can I speak to someone?" at its end): a person, not options.
ASKS_FOR_A_PERSON = re.compile(
    r"\b(?:speak|talk|chat)(?:ing)? (?:to|with) (?:a |an |the |your )?(?:real |actual |live )?"
    r"(?:person|human|agent|someone|somebody|colleague|representative|operator|manager)\b|"
    r"\breal (?:person|human)\b|\b(?:live|human) agent\b|상담원|상담사|사람(?:이랑|하고|과) "
    r"(?:얘기|통화|대화|연결)",
    re.IGNORECASE,
)


def person_asked(tracker: Tracker) -> list[EventType]:
    """A request for a person anywhere in a message the bot read as a task: the message is said
    again as request_human (the rules hand over); nothing when it asks for no person."""
    said = str((tracker.latest_message or {}).get("text") or "")
    users = user_messages(tracker)
    return said_again(users, "request_human") if users and ASKS_FOR_A_PERSON.search(said) else []


def choices(parse_data: dict[str, Any], language: str) -> list[dict[str, str]]:
    """Buttons for the likeliest labelled intents of a parsed message, then Something else."""
    ranking = parse_data.get("intent_ranking") or []
    buttons: list[dict[str, str]] = []
    for candidate in ranking:
        name = str(candidate.get("name") or "")
        if f"choice_{name}" not in MESSAGES["en"]:
            continue
        if float(candidate.get("confidence") or 0.0) < MIN_CONFIDENCE:
            break
        buttons.append({"title": text(language, f"choice_{name}"), "payload": f"/{name}"})
        if len(buttons) == MAX_CHOICES:
            break
    if len(buttons) < 2:
        return []
    buttons.append({"title": text(language, "choice_something_else"), "payload": SOMETHING_ELSE})
    return buttons


class ActionFallbackOptions(BotAction):
    NAME = "action_fallback_options"

    async def act(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        said = str((tracker.latest_message or {}).get("text") or "")
        if ASKS_FOR_A_PERSON.search(said):  # "…, can I please just speak to a real person?"
            dispatcher.utter_message(response="utter_handoff_request")
            return handoff_events(dispatcher, tracker, "customer_request")
        users = user_messages(tracker)
        answer = yes_or_no(tracker)
        if answer and users:  # "sure thing, cancel it" at "Shall I go ahead?": a yes
            return said_again(users, answer)
        if users and find_address(said):  # "please send EF-100002 to Gartenstraße 8, 10115 …"
            # a delivery address is only ever given to change one; the form confirms it first
            return said_again(users, "change_address")
        first = first_of_two_requests(said, tracker.latest_message or {})
        if users and first:  # "the receipt for EF-100003, and can the mug still go back?"
            # one is done now, and the other is offered next (next_request), never a fallback
            return said_again(users, first)
        language = str(tracker.get_slot("language") or "en")
        buttons = choices(tracker.latest_message or {}, language)
        if buttons:
            dispatcher.utter_message(text=text(language, "fallback_options"), buttons=buttons)
        else:  # nothing worth guessing: the plain "rephrase" answer
            dispatcher.utter_message(response="utter_default")
        return []


def first_of_two_requests(said: str, parse_data: dict[str, Any]) -> str | None:
    """The likelier of the requests a message names by keyword, when it names two or more."""
    named = {intent for intent, pattern in SECOND_REQUESTS if pattern.search(said)}
    if len(named) < 2:
        return None
    ranked = [str(r.get("name")) for r in parse_data.get("intent_ranking") or []]
    return min(named, key=lambda i: (ranked.index(i) if i in ranked else len(ranked), i))


def fallen_back_message(tracker: Tracker) -> tuple[dict[str, Any] | None, dict[str, Any]]:
    """The customer message before the latest one if the bot did not understand it, and the
    latest message's metadata."""
    users = user_messages(tracker)
    metadata = dict(users[-1].get("metadata") or {}) if users else {}
    if len(users) < 2:
        return None, metadata
    event = users[-2]
    intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
    return (event if intent == "nlu_fallback" else None), metadata


class ActionTakeFirstChoice(BotAction):
    """A typed "yes" to "Did you mean one of these?": the first (likeliest) request.

    Like Rasa's two-stage fallback: the "yes" turn is reverted and the customer's own message is
    replayed with the guessed intent (confidence 1) and its entities, so the task starts with
    the order number, address or e-mail it already named. The replay carries the "yes"
    message's metadata (language, the gateway's message id) and a flag, so analytics does not
    count it as a customer turn of its own."""

    NAME = "action_take_first_choice"

    async def act(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        language = str(tracker.get_slot("language") or "en")
        message, metadata = fallen_back_message(tracker)
        buttons = choices((message or {}).get("parse_data") or {}, language)
        if message is None or not buttons:  # nothing was offered: ask to rephrase
            dispatcher.utter_message(response="utter_default")
            return []
        guessed = buttons[0]["payload"].lstrip("/")
        logger.info("fallback: yes to the first choice %s", guessed)
        return replay(message, guessed, metadata)


def replay(message: dict[str, Any], intent: str, metadata: dict[str, Any]) -> list[EventType]:
    """Take back the latest customer message and say `message` again with `intent`."""
    parse_data = dict(message.get("parse_data") or {})
    parse_data["intent"] = {"name": intent, "confidence": 1.0}
    again = UserUttered(
        str(message.get("text") or ""), parse_data, input_channel=message.get("input_channel")
    )
    again["metadata"] = {**metadata, REPLAYED_FLAG: True}
    return [UserUtteranceReverted(), ActionExecuted("action_listen"), again]


def said_again(users: list[dict[str, Any]], intent: str) -> list[EventType]:
    """The latest customer message (`users[-1]`) said again with `intent`, its own metadata."""
    return replay(users[-1], intent, users[-1].get("metadata") or {})


def yes_or_no(tracker: Tracker) -> str | None:
    """A message that fell back right after a yes/no question, whose likeliest reading is a yes
    or a no (or, at "Shall I go ahead?", the task itself: "sure thing, cancel it"): that answer.
    """
    if _question_before_latest_message(tracker) not in YES_NO_QUESTIONS:
        return None
    ranking = [
        r
        for r in (tracker.latest_message or {}).get("intent_ranking") or []
        if r.get("name") != FALLBACK_INTENT
    ]
    if not ranking or float(ranking[0].get("confidence") or 0.0) < MIN_ANSWER_CONFIDENCE:
        return None
    top = str(ranking[0].get("name"))
    if top in ("affirm", "deny"):
        return top
    task = tracker.get_slot("pending_task")
    if (
        task
        and TASK_INTENTS.get(top) == task
        and _question_before_latest_message(tracker) == ("utter_confirm_task")
    ):
        return "affirm"
    return None


def _question_before_latest_message(tracker: Tracker) -> str | None:
    """The last action (a bot question) before the customer's latest message."""
    seen_user = False
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            if seen_user:
                return None
            seen_user = True
        elif seen_user and event.get("event") == "action":
            name = str(event.get("name") or "")
            if name not in ("action_listen", "action_extract_slots"):
                return name
    return None
