"""Runs the task the order lookup form collected details for, and its confirmation step."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import orders, returns
from actions.base import BotAction
from actions.clients.orders import NotFound, OrderApiError, OrderClient, Refused, get_client
from actions.common import ask_anything_else, offer_handoff, task_result
from actions.handoff import handoff_events
from actions.messages import say

logger = logging.getLogger(__name__)

Handler = Callable[[CollectingDispatcher, Tracker, OrderClient, str], Awaitable[list[EventType]]]

RUN: dict[str, Handler] = {
    "order_status": orders.order_status,
    "cancel_order": orders.confirm_cancel,
    "change_address": orders.confirm_address,
    "return_item": returns.start_return,
    "refund_status": returns.refund_status,
    "get_invoice": returns.get_invoice,
}
EXECUTE: dict[str, Handler] = {
    "cancel_order": orders.execute_cancel,
    "change_address": orders.execute_address,
}
LOOKUP_ERRORS = {
    "unavailable": "order_api_down",
    "verification_locked": "verification_locked",
    # the order was found; what failed was the customer's own detail
    "invalid_address": "address_failed",
    "invalid_items": "items_failed",
    "not_understood": "not_understood",
}
# lookup errors that are the bot not understanding the customer, not a failed task
LOOKUP_REASONS = {"not_understood": "repeated_fallback"}


async def _guarded(
    handler: Handler,
    task: str,
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    number: str,
) -> list[EventType]:
    """Runs a task handler; failures the customer cannot fix end in an honest handoff offer."""
    try:
        return await handler(dispatcher, tracker, get_client(), number)
    except (NotFound, Refused) as exc:
        logger.info("task %s failed for %s: %s", task, number, exc)
        code = exc.code
        response = "task_failed"
    except OrderApiError as exc:
        logger.warning("order API unavailable during %s: %s", task, exc)
        code, response = "unavailable", "order_api_down"
    return [
        task_result(task, "failure", code=code, order_number=number),
        *offer_handoff(dispatcher, tracker, "task_failed", response),
    ]


def _pending(tracker: Tracker, default_task: str) -> tuple[str, str | None, bool]:
    """The task the form collected for, its order number and whether the customer is known."""
    number = tracker.get_slot("order_number")
    return (
        str(tracker.get_slot("pending_task") or default_task),
        str(number) if number else None,
        bool(tracker.get_slot("customer_id")),
    )


class ActionRunTask(BotAction):
    """After the lookup form: runs the task (or its confirmation question)."""

    NAME = "action_run_task"

    async def act(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        task, number, verified = _pending(tracker, "order_status")
        error = tracker.get_slot("lookup_error")
        if error in LOOKUP_REASONS:
            # the customer failed twice to be understood: a person now, not one more question
            # ("Shall I connect you?") before one (design.md: fail fast to a human)
            dispatcher.utter_message(response="utter_handoff_fallback")
            return [
                task_result(task, "failure", code=error, order_number=number),
                SlotSet("lookup_error", None),
                *handoff_events(dispatcher, tracker, LOOKUP_REASONS[error]),
            ]
        if error or not number or not verified:
            code = error or "not_verified"
            return [
                task_result(task, "failure", code=code, order_number=number),
                SlotSet("lookup_error", None),
                *offer_handoff(
                    dispatcher,
                    tracker,
                    LOOKUP_REASONS.get(code, "task_failed"),
                    LOOKUP_ERRORS.get(code, "lookup_failed"),
                ),
            ]
        return await _guarded(RUN.get(task, orders.order_status), task, dispatcher, tracker, number)


class ActionExecuteTask(BotAction):
    """The customer confirmed: cancel the order / change the address now."""

    NAME = "action_execute_task"

    async def act(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        task, number, verified = _pending(tracker, "")
        handler = EXECUTE.get(task)
        if handler is None or not number or not verified:
            return ask_anything_else(dispatcher, tracker)
        return await _guarded(handler, task, dispatcher, tracker, number)


class ActionTaskDeclined(BotAction):
    """The customer said no to the confirmation: nothing changes."""

    NAME = "action_task_declined"

    async def act(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        say(dispatcher, tracker, "task_declined", order_number=tracker.get_slot("order_number"))
        return [SlotSet("pending_task", None), *ask_anything_else(dispatcher, tracker)]
