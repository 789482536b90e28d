"""Session start (metadata, proactive message), the answer to "anything else?" and the
once-per-session CES question."""

from __future__ import annotations

import asyncio
import logging
import re
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import ActionExecuted, EventType, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.base import BotAction
from actions.clients.orders import OrderApiError, get_client
from actions.common import (
    Q_ANYTHING_ELSE,
    Q_CES,
    Q_HANDOFF_OFFER,
    latest_intent,
    session_events,
    session_intents,
)
from actions.messages import say, text, tracking_event
from actions.orders import lower_first
from catalogue.vocabulary import NOT_A_REQUEST

logger = logging.getLogger(__name__)

LANGUAGES = {"en", "ko"}
PROACTIVE_BUDGET_SECONDS = 1.2
# What the customer already told us stays known in a new session of the same conversation
# (verification does not: a guest is re-verified silently with the kept e-mail/postcode).
CARRY_OVER = ("order_number", "email", "postcode")


def _metadata(tracker: Tracker) -> dict[str, Any]:
    meta = tracker.get_slot("session_started_metadata") or {}
    if not meta:
        for event in reversed(tracker.events):
            if event.get("event") == "user" and event.get("metadata"):
                meta = event["metadata"]
                break
    return dict(meta) if isinstance(meta, dict) else {}


class ActionSetLanguage(BotAction):
    """Every message: the language the gateway detected for it (metadata `language`) becomes the
    `language` slot, so the bot answers a customer who switches language in the new one.
    Runs inside `action_extract_slots` (the slot's custom mapping in domain.yml)."""

    NAME = "action_set_language"

    async def act(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        meta = (tracker.latest_message or {}).get("metadata") or {}
        language = str(meta.get("language") or "")[:2].lower() if isinstance(meta, dict) else ""
        if language in LANGUAGES and language != tracker.get_slot("language"):
            return [SlotSet("language", language)]
        return []


class ActionSessionStart(BotAction):
    """Sets language and customer_id from the gateway's metadata; raises a known problem."""

    NAME = "action_session_start"

    async def act(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        meta = _metadata(tracker)
        events: list[EventType] = [SessionStarted()]
        events += [
            SlotSet(name, tracker.get_slot(name))
            for name in CARRY_OVER
            if tracker.get_slot(name) is not None
        ]
        language = str(meta.get("language") or tracker.get_slot("language") or "en")[:2].lower()
        language = language if language in LANGUAGES else "en"
        events.append(SlotSet("language", language))
        customer_id = meta.get("customer_id") or None
        events.append(SlotSet("customer_id", customer_id))
        events.append(SlotSet("verified", bool(customer_id)))
        if customer_id:
            try:  # never keep the customer waiting for a courtesy message
                events += await asyncio.wait_for(
                    self._proactive(dispatcher, tracker, str(customer_id), language),
                    timeout=PROACTIVE_BUDGET_SECONDS,
                )
            except asyncio.TimeoutError:
                logger.warning("proactive check for %s skipped: order API too slow", customer_id)
        events.append(ActionExecuted("action_listen"))
        return events

    async def _proactive(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, customer_id: str, language: str
    ) -> list[EventType]:
        try:
            orders = await get_client().recent_orders(customer_id, limit=5)
        except OrderApiError as exc:
            logger.warning("proactive check skipped for %s: %s", customer_id, exc)
            return []
        problem = next((o for o in orders if o.status == "delayed"), None)
        if problem is None:
            return []
        reason = tracking_event(language, None, delay=True)
        try:
            tracking = await get_client().tracking(problem.order_number)
            reason = lower_first(tracking_event(language, tracking.delay_reason, delay=True))
            eta = tracking.eta or problem.eta
        except OrderApiError:
            eta = problem.eta
        say(
            dispatcher,
            tracker,
            "proactive_delay",
            language=language,
            order_number=problem.order_number,
            delay_reason=reason,
            eta=eta or text(language, "eta_soon"),
        )
        return [
            SlotSet("order_snapshot", problem.to_json()),
            SlotSet("pending_question", Q_ANYTHING_ELSE),
        ]


# The 1–7 buttons of `utter_ask_ces` in domain.yml (a test keeps the two equal).
CES_BUTTONS = [{"title": str(n), "payload": f'/ces{{"ces_score": {n}}}'} for n in range(1, 8)]


def ces_already_asked(tracker: Tracker) -> bool:
    if tracker.get_slot("ces_asked"):
        return True
    for event in session_events(tracker):
        if event.get("event") == "slot" and event.get("name") == "ces_asked" and event.get("value"):
            return True
    return False


class ActionCheckCes(BotAction):
    """Goal met (thanks / goodbye / nothing else): decides whether to ask the CES question.

    Sets `pending_question` to "ces" once per session, only after a substantive request; the
    rules then utter `utter_ask_ces` (1-7 buttons, payload `/ces{"ces_score": N}`).
    """

    NAME = "action_check_ces"

    async def act(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        return ces_question(tracker)


def ces_question(tracker: Tracker) -> list[EventType]:
    """`pending_question` "ces" once per session after a substantive request, else none."""
    substantive = any(i not in NOT_A_REQUEST for i in session_intents(tracker))
    if substantive and not ces_already_asked(tracker):
        return [SlotSet("ces_asked", True), SlotSet("pending_question", Q_CES)]
    return [SlotSet("pending_question", None)]


# "Is there anything else?" answered: only a clear close ends the conversation. Something
# unhappy ("hmm something is not right", "that's not ok, it's late", "고마워요 그런데 좀
# 이상해요") reads as deny or thank to the model; it must not get "Bye" and the survey.
CLEAR_CLOSE = re.compile(
    r"\b(?:no|nope|nah|nothing|that'?s (?:all|it|everything)|all good|i'?m (?:good|fine)|"
    r"thanks?|thank you|thx|cheers|bye|goodbye)\b|아니(?:요|에요|오)?\b|없어요|없습니다|"
    r"됐어요|됐습니다|괜찮아요|괜찮습니다|감사|고마워|고맙|안녕",
    re.IGNORECASE,
)
UNHAPPY = re.compile(
    r"\bnot (?:right|ok|okay|good|fine|correct|enough|what|helpful|true)\b|\bwrong|\blate\b|"
    r"\bproblem|\bissue|\bstrange|\bweird|\bodd\b|\bbut\b|\bhowever\b|\bmissing|"
    r"\bbroken|\bdamaged|\bstill\b|\bhmm+|\bunhappy|\bdisappoint|\bcomplain|"
    r"이상|문제|잘못|늦|그런데|근데|하지만|아직|불만|별로|실망",
    re.IGNORECASE,
)


def closes_the_conversation(said: str) -> bool:
    """A clear "no" / "that's all" / thanks-and-bye (or the "No, that's all" button)."""
    if said.startswith("/"):
        return True
    return bool(CLEAR_CLOSE.search(said)) and not UNHAPPY.search(said)


class ActionAnswerAnythingElse(BotAction):
    """ "Anything else?" answered no / thanks / bye: close politely (and the CES question,
    once); anything unhappy or unclear: say sorry, and the rules offer a colleague."""

    NAME = "action_answer_anything_else"

    async def act(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        said = str((tracker.latest_message or {}).get("text") or "").strip()
        if not closes_the_conversation(said):
            say(dispatcher, tracker, "anything_else_unhappy")
            return [
                SlotSet("pending_question", Q_HANDOFF_OFFER),
                SlotSet("handoff_reason", "customer_request"),
            ]
        thanked = latest_intent(tracker) == "thank"
        dispatcher.utter_message(response="utter_you_are_welcome" if thanked else "utter_goodbye")
        return ces_question(tracker)
