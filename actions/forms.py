"""The order lookup form: collects only what is missing and verifies the customer.

`action_start_task` remembers which task the customer wants, `order_lookup_form` collects the
order number (and, for guests, e-mail or postcode, verified by the order API) plus the task's
own details (new address; items and reason of a return). Anything already given in this
conversation is kept, so nothing is ever asked twice.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.asks import remember_recent_orders
from actions.base import BotAction
from actions.clients.orders import (
    Locked,
    NotFound,
    OrderApiError,
    Unavailable,
    VerificationFailed,
    get_client,
)
from actions.common import (
    find_email,
    find_postcode,
    latest_intent,
    normalise_order_number,
    second_request,
)
from actions.context import (
    is_a_reason,
    numbers_in_order,
    order_named_while_not_understood,
    orders_named,
    switched_request,
    unfinished,
)
from actions.fallback import person_asked
from actions.messages import say
from actions.parsing import find_address, match_items, parse_address
from catalogue.vocabulary import TASK_INTENTS

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
NOT_UNDERSTOOD_ATTEMPTS = 2  # replies to "what's your order number?" without any number
# a follow-up about the order in focus: "and when does it arrive now?", "can that one still …"
FOLLOW_UP_RE = re.compile(
    r"\b(?:it|it's|its|that one|this one|that order|this order|the same (?:one|order)|"
    r"same order|then|now)\b|^\s*(?:and|so|ok(?:ay)?|also)\b",
    re.IGNORECASE,
)


class ActionStartTask(BotAction):
    """Remembers the requested task and clears what belonged to the previous one."""

    NAME = "action_start_task"

    async def act(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        intent = latest_intent(tracker) or ""
        if asked := person_asked(tracker):  # a story ending "…talk to someone?"
            return asked
        if intent == "inform":  # a bare order number: same task as before (or a status check)
            task = tracker.get_slot("pending_task") or "order_status"
        else:
            task = TASK_INTENTS.get(intent, "order_status")
        events: list[EventType] = []
        numbers = numbers_in_order(tracker)
        named = bool(numbers)
        if len(numbers) > 1:  # "the invoice for EF-100005, and where's EF-100001?": the first
            events.append(SlotSet("order_number", numbers[0]))  # (the slot took the last)
        earlier = None if named else order_named_while_not_understood(tracker)
        if earlier:  # "abort EF-100008" fell back, "stop the order" was understood: same order
            events.append(SlotSet("order_number", earlier))
            named = True
        focus = tracker.get_slot("order_number") or (tracker.get_slot("order_snapshot") or {}).get(
            "order_number"
        )
        said = str(tracker.latest_message.get("text") or "")
        # a follow-up about the same order, or the click on the offered next request, or the
        # same request again before it got a result (after a fallback inside the form)
        follow_up = (
            bool(FOLLOW_UP_RE.search(said))
            or said.startswith("/")
            or unfinished(tracker, task, focus)
            or (focus is not None and orders_named(tracker) == {focus})  # the only one named
        )
        if tracker.get_slot("customer_id") and not named:
            if focus and follow_up:
                # "and when does it arrive now?" after a hand-back or the proactive notice:
                # the order in focus stays in focus, never "which order?" again
                events.append(SlotSet("order_number", focus))
            else:
                # A verified customer picks the order of a new task with one click ("which
                # order?"), so a new task never silently runs on the previous task's order.
                events.append(SlotSet("order_number", None))
        message = tracker.latest_message.get("text")
        address = find_address(message) if task == "change_address" else None
        return [
            *events,
            SlotSet("pending_task", task),
            SlotSet("pending_question", None),
            SlotSet("handoff_reason", None),
            SlotSet("lookup_error", None),
            SlotSet("lookup_attempts", 0.0),
            SlotSet("new_address", address),  # given with the request: never asked again
            SlotSet("next_request", _next_request(message, task, numbers, intent)),
            SlotSet("return_items", None),
            SlotSet("return_reason", None),
        ]


def _next_request(message: Any, task: str, numbers: list[str], intent: str) -> Any:
    """The other request of the message, with the order it named if it named a second one."""
    nxt = second_request(message, task) if intent != "inform" else None
    return {"intent": nxt, "order_number": numbers[1]} if nxt and len(numbers) > 1 else nxt


def _attempt_failed(
    tracker: Tracker, slot: str, code: str, limit: int = MAX_ATTEMPTS
) -> dict[str, Any]:
    attempts = int(tracker.get_slot("lookup_attempts") or 0) + 1
    values: dict[str, Any] = {slot: None, "lookup_attempts": float(attempts)}
    if attempts >= limit:
        values["lookup_error"] = code
    return values


def _email_or_postcode(
    value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, asked: str
) -> dict[str, Any]:
    """Either proves the customer owns the order: the one asked for, or the other if that is
    what the customer gave (a postcode given earlier also counts when the e-mail is asked)."""
    other = "postcode" if asked == "email" else "email"
    finders = {"email": find_email, "postcode": find_postcode}
    found = finders[asked](value)
    if found:
        return {asked: found}
    given = finders[other](value) or (tracker.get_slot("postcode") if asked == "email" else None)
    if given:
        return {asked: None, other: given}
    say(dispatcher, tracker, "invalid_email")
    return _attempt_failed(tracker, asked, f"invalid_{asked}")


def _answered_off_topic(tracker: Tracker) -> list[EventType]:
    """ "What's your order number?" answered with something the bot took for out of scope (the
    form resumes after the out-of-scope answer): not understood, like an answer without any
    number; the second time the lookup stops and a person takes over (action_run_task)."""
    if (
        tracker.get_slot("requested_slot") != "order_number"
        or tracker.latest_action_name in (None, "action_listen")
        or latest_intent(tracker) not in ("out_of_scope", "nlu_fallback")
        or re.search(r"\d", str(tracker.latest_message.get("text") or ""))
    ):
        return []
    failed = _attempt_failed(
        tracker, "order_number", "not_understood", limit=NOT_UNDERSTOOD_ATTEMPTS
    )
    return [SlotSet(k, v) for k, v in failed.items() if k != "order_number"]


def _items_of_the_order(tracker: Tracker) -> list[EventType]:
    """Items named before the order was loaded ("후드티 반품 신청할게요 EF-100277" fills
    `return_items` with the word "후드티") become the order's items once it is known; words
    that match none are dropped, so the form asks."""
    value = tracker.get_slot("return_items")
    snap = tracker.get_slot("order_snapshot") or {}
    if value is None or snap.get("order_number") != tracker.get_slot("order_number"):
        return []
    if isinstance(value, list) and value and all(isinstance(i, dict) for i in value):
        return []
    chosen = match_items(value, snap.get("items") or [])
    tracker.add_slots([SlotSet("return_items", chosen or None)])
    return [SlotSet("return_items", chosen or None)]


class ValidateOrderLookupForm(FormValidationAction):
    def name(self) -> str:
        return "validate_order_lookup_form"

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        if tracker.get_slot("lookup_error"):
            return []
        slots = ["order_number"]
        if not tracker.get_slot("customer_id"):
            has_postcode = tracker.get_slot("postcode") and not tracker.get_slot("email")
            slots.append("postcode" if has_postcode else "email")
            return slots
        task = tracker.get_slot("pending_task")
        snap = tracker.get_slot("order_snapshot") or {}
        if snap.get("order_number") != tracker.get_slot("order_number"):
            return slots
        if task == "change_address" and snap.get("can_change_address"):
            slots.append("new_address")
        if task == "return_item" and snap.get("can_return"):
            slots += ["return_items", "return_reason"]
        return slots

    async def get_validation_events(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        events = await super().get_validation_events(dispatcher, tracker, domain)
        events += _answered_off_topic(tracker)
        tracker.add_slots(events)
        extra = await self._verify(dispatcher, tracker)
        tracker.add_slots(extra)
        extra += _items_of_the_order(tracker)
        extra += await self._recent_orders_reachable(tracker)
        return [*events, *extra]

    async def _recent_orders_reachable(self, tracker: Tracker) -> list[EventType]:
        """A signed-in customer picks the order from their recent orders: when the order API
        cannot list them, say so now (outage notice and handoff offer, as for a guest) instead
        of falling back to "What's your order number?" after a long wait."""
        customer_id = tracker.get_slot("customer_id")
        if not customer_id or tracker.get_slot("order_number") or tracker.get_slot("lookup_error"):
            return []
        try:
            orders = await get_client().recent_orders(str(customer_id), limit=5)
        except OrderApiError as exc:
            logger.warning("recent orders unavailable: %s", exc)
            return [SlotSet("lookup_error", "unavailable")]
        remember_recent_orders(str(customer_id), orders)
        return []

    async def _verify(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        """Checks that the customer may see this order; loads it into `order_snapshot`."""
        number = tracker.get_slot("order_number")
        if not number or tracker.get_slot("lookup_error"):
            return []
        snap = tracker.get_slot("order_snapshot") or {}
        if tracker.get_slot("customer_id"):
            if snap.get("order_number") == number:
                return []
            try:
                order = await get_client().get_order(number)
            except OrderApiError as exc:
                logger.warning("order lookup failed: %s", exc)
                return [SlotSet("lookup_error", "unavailable")]
            return [SlotSet("order_snapshot", order.to_json())]
        email, postcode = tracker.get_slot("email"), tracker.get_slot("postcode")
        if not email and not postcode:
            return []
        try:
            result = await get_client().verify(number, email=email, postcode=postcode)
            order = await get_client().get_order(number)
        except VerificationFailed as exc:
            say(
                dispatcher,
                tracker,
                "verification_failed",
                order_number=number,
                attempts_left=exc.attempts_left if exc.attempts_left is not None else "a few",
            )
            values = _attempt_failed(tracker, "email", "verification_failed")
            values["postcode"] = None
            return [SlotSet(k, v) for k, v in values.items()]
        except Locked:
            return [SlotSet("lookup_error", "verification_locked")]
        except NotFound:
            say(dispatcher, tracker, "order_not_found", order_number=number)
            values = _attempt_failed(tracker, "order_number", "order_not_found")
            return [SlotSet(k, v) for k, v in values.items()]
        except (Unavailable, OrderApiError) as exc:
            logger.warning("verification failed: %s", exc)
            return [SlotSet("lookup_error", "unavailable")]
        return [
            SlotSet("customer_id", result.customer_id),
            SlotSet("verified", True),
            SlotSet("order_snapshot", order.to_json()),
        ]

    async def validate_order_number(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        switched = switched_request(dispatcher, tracker)
        if switched and not numbers_in_order(tracker):
            return switched
        switched.pop("order_number", None)  # "actually, cancel EF-100005": the order it names
        return {**switched, **await self._order_number(value, dispatcher, tracker)}

    async def _order_number(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> dict[str, Any]:
        number = normalise_order_number(value)
        written = numbers_in_order(tracker)
        if number in written[1:]:  # the message named two orders: the first is this task's
            number = written[0]
        if not number and not re.search(r"\d", str(value or "")):
            # no digit: about something else; the second time, action_run_task offers a colleague
            failed = _attempt_failed(
                tracker, "order_number", "not_understood", limit=NOT_UNDERSTOOD_ATTEMPTS
            )
            if "lookup_error" not in failed:
                say(dispatcher, tracker, "invalid_order_number")
            return failed
        if not number:
            say(dispatcher, tracker, "invalid_order_number")
            return _attempt_failed(tracker, "order_number", "invalid_order_number")
        try:
            order = await get_client().get_order(number)
        except NotFound:
            say(dispatcher, tracker, "order_not_found", order_number=number)
            return _attempt_failed(tracker, "order_number", "order_not_found")
        except OrderApiError as exc:
            logger.warning("order lookup failed: %s", exc)
            return {"order_number": number, "lookup_error": "unavailable"}
        customer_id = tracker.get_slot("customer_id")
        if customer_id and order.customer_id != customer_id:
            say(dispatcher, tracker, "order_not_on_account", order_number=number)
            return _attempt_failed(tracker, "order_number", "order_not_found")
        values: dict[str, Any] = {"order_number": number}
        if customer_id:
            values["order_snapshot"] = order.to_json()
        return values

    async def validate_email(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return _email_or_postcode(value, dispatcher, tracker, "email")

    async def validate_postcode(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return _email_or_postcode(value, dispatcher, tracker, "postcode")

    async def extract_return_reason(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """The answer to "why are you returning it?" is the reason whatever intent the model
        guessed for it: "not needed" and "사이즈가 안 맞아요" read as deny, which stopped the
        return. A bare "no" / "stop", a request for a person or a goodbye still interrupt."""
        if tracker.get_slot("requested_slot") != "return_reason" or tracker.get_slot(
            "return_reason"
        ):
            return {}
        said = str(tracker.latest_message.get("text") or "").strip()
        return {"return_reason": said} if is_a_reason(said, latest_intent(tracker)) else {}

    async def extract_new_address(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """An address given when the form asks for one is taken whatever intent the model
        guessed for it (a bare Korean road-name address reads as out_of_scope to it, which the
        slot's from_text mapping excludes, so the form asked again and again)."""
        if tracker.get_slot("requested_slot") != "new_address":
            return {}
        address = parse_address(str(tracker.latest_message.get("text") or ""))
        return {"new_address": address} if address else {}

    async def validate_new_address(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if isinstance(value, dict) and value.get("street"):
            return {"new_address": value}
        address = parse_address(str(value or ""))
        if address:
            return {"new_address": address}
        say(dispatcher, tracker, "invalid_address")
        return _attempt_failed(tracker, "new_address", "invalid_address")

    async def validate_return_items(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if isinstance(value, list) and value and isinstance(value[0], dict):
            return {"return_items": value}
        items = (tracker.get_slot("order_snapshot") or {}).get("items") or []
        # The entity extractor may cut "all of them" into "all" + "of them": the whole answer
        # is read too.
        said = str(tracker.latest_message.get("text") or "")
        chosen = match_items(value, items) or match_items(said, items)
        if chosen:
            return {"return_items": chosen}
        names = ", ".join(str(i.get("name")) for i in items)
        say(dispatcher, tracker, "invalid_items", items=names)
        return _attempt_failed(tracker, "return_items", "invalid_items")

    async def validate_return_reason(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        reason = " ".join(str(value or "").split())
        if len(reason) >= 2:
            return {"return_reason": reason[:200]}
        say(dispatcher, tracker, "ask_return_reason")
        return {"return_reason": None}
