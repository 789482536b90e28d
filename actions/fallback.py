"""Fallback that costs one click: below the NLU threshold the likeliest requests as buttons.

The rule for `nlu_fallback` runs `action_fallback_options`: the 2-3 most likely intents of the
message (that have a plain-words label) become buttons, plus "Something else". A click sends
that intent; "Something else" (a "no") gets the rephrase prompt (utter_default); a second
message the bot does not understand hands over to a colleague (rules "second fallback").
"""

from __future__ import annotations

import logging

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.base import BotAction
from actions.messages import MESSAGES, text

logger = logging.getLogger(__name__)

MAX_CHOICES = 3
MIN_CONFIDENCE = 0.05  # candidates below this are noise, not a guess worth a button
SOMETHING_ELSE = "/deny"  # none of these: the rules ask to rephrase (utter_default)


def choices(tracker: Tracker, language: str) -> list[dict[str, str]]:
    """Buttons for the likeliest labelled intents of the latest message, then Something else."""
    ranking = (tracker.latest_message or {}).get("intent_ranking") or []
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
        language = str(tracker.get_slot("language") or "en")
        buttons = choices(tracker, language)
        if buttons:
            dispatcher.utter_message(text=text(language, "fallback_options"), buttons=buttons)
        else:  # nothing worth guessing: the plain "rephrase" answer
            dispatcher.utter_message(response="utter_default")
        return []
