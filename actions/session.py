"""Session start (metadata, proactive message) and the once-per-session CES question."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import ActionExecuted, EventType, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.base import BotAction
from actions.clients.orders import OrderApiError, get_client
from actions.common import (
    Q_ANYTHING_ELSE,
    Q_CES,
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
        substantive = any(i not in NOT_A_REQUEST for i in session_intents(tracker))
        if substantive and not ces_already_asked(tracker):
            return [SlotSet("ces_asked", True), SlotSet("pending_question", Q_CES)]
        return [SlotSet("pending_question", None)]
