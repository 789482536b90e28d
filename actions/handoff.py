"""Handoff to a human agent and the hand-back from the agent (docs/contracts.md section 2)."""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import (
    ActionExecuted,
    ConversationPaused,
    EventType,
    FollowupAction,
    SlotSet,
)
from rasa_sdk.executor import CollectingDispatcher

from actions.base import BotAction
from actions.common import Q_ANYTHING_ELSE, Q_HANDOFF_OFFER, Q_REFUSAL, latest_intent

logger = logging.getLogger(__name__)

HANDOFF_SLOTS = (
    "language",
    "customer_id",
    "verified",
    "order_number",
    "email",
    "postcode",
    "pending_task",
    "new_address",
    "return_items",
    "return_reason",
    "task_result",
    "order_snapshot",
)


def handoff_reason(tracker: Tracker) -> str:
    """Why the conversation goes to a human, from the last intent and the open question."""
    intent = latest_intent(tracker)
    question = tracker.get_slot("pending_question")
    if question == Q_REFUSAL and intent in {"deny", "complaint", "request_human"}:
        return "policy"
    if intent == "request_human":
        return "customer_request"
    if intent == "complaint":
        return "negative_sentiment"
    if intent == "nlu_fallback":
        return "repeated_fallback"
    if question == Q_HANDOFF_OFFER:
        return str(tracker.get_slot("handoff_reason") or "task_failed")
    return str(tracker.get_slot("handoff_reason") or "customer_request")


def summary(tracker: Tracker, reason: str) -> str:
    task = tracker.get_slot("pending_task") or "none"
    parts = [f"Handoff ({reason}). Task: {task}."]
    number = tracker.get_slot("order_number")
    if number:
        verified = "verified" if tracker.get_slot("customer_id") else "not verified"
        parts.append(f"Order {number} ({verified}).")
    result = tracker.get_slot("task_result") or {}
    if result:
        parts.append(f"Last result: {result.get('task')} {result.get('status')}")
        parts[-1] += f" ({result['code']})." if result.get("code") else "."
    text = (tracker.latest_message or {}).get("text")
    if text:
        parts.append(f'Last customer message: "{text[:200]}"')
    return " ".join(parts)


def handoff_events(
    dispatcher: CollectingDispatcher, tracker: Tracker, reason: str
) -> list[EventType]:
    """The payload for the gateway and the pause (the rules said the customer-facing line)."""
    slots: dict[str, Any] = {name: tracker.get_slot(name) for name in HANDOFF_SLOTS}
    payload = {
        "reason": reason,
        "summary": summary(tracker, reason),
        "task": tracker.get_slot("pending_task"),
        "slots": {k: v for k, v in slots.items() if v is not None},
    }
    dispatcher.utter_message(json_message={"handoff": payload})
    logger.info("handoff %s: %s", tracker.sender_id, reason)
    return [
        SlotSet("handoff_reason", reason),
        SlotSet("pending_question", None),
        ConversationPaused(),
        # The paused bot "listens": the agent's hand-back (`trigger_intent EXTERNAL_handback`)
        # then follows `action_listen` like any user turn, so the hand-back rule applies.
        ActionExecuted("action_listen"),
    ]


class ActionHandoff(BotAction):
    NAME = "action_handoff"

    async def act(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        return handoff_events(dispatcher, tracker, handoff_reason(tracker))


class ActionHandback(BotAction):
    """The agent handed the conversation back: the bot resumes with a clean task state.

    The rules then say the outcome (utter_handback) and ask "anything else?".
    """

    NAME = "action_handback"

    async def act(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        latest = tracker.latest_message or {}
        if not (latest.get("metadata") or {}).get("is_external"):
            # Only the handoff service's `trigger_intent` is external. Customer text that NLU
            # took for the hand-back must never make the bot speak for an agent (issue 13).
            logger.warning("EXTERNAL_handback from customer text ignored: %s", tracker.sender_id)
            return [FollowupAction("action_default_fallback")]
        outcome = tracker.get_slot("handoff_outcome")
        for entity in (tracker.latest_message or {}).get("entities", []):
            if entity.get("entity") == "handoff_outcome":
                outcome = entity.get("value")
        return [
            SlotSet("handoff_outcome", outcome or "your request has been handled."),
            SlotSet("handoff_reason", None),
            SlotSet("pending_task", None),
            SlotSet("lookup_error", None),
            SlotSet("pending_question", Q_ANYTHING_ELSE),
        ]
