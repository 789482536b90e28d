"""The form's questions: order number (or a pick from recent orders), e-mail, postcode, new
address, items and reason of a return."""

from __future__ import annotations

import logging
import time
from abc import abstractmethod

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.base import BotAction
from actions.clients.orders import (
    Order,
    OrderApiError,
    get_client,
)
from actions.common import (
    language,
)
from actions.messages import order_state, say, text

logger = logging.getLogger(__name__)


# The recent orders the form just loaded, reused by the question that follows in the same turn
# (one order-API call per turn, not two). Bounded and short-lived.
RECENT_TTL_SECONDS = 10.0
_recent: dict[str, tuple[float, list[Order]]] = {}


def remember_recent_orders(customer_id: str, orders: list[Order]) -> None:
    now = time.monotonic()
    for key in [k for k, (at, _) in _recent.items() if now - at > RECENT_TTL_SECONDS]:
        del _recent[key]
    if len(_recent) >= 1000:
        _recent.clear()
    _recent[customer_id] = (now, list(orders))


async def recent_orders(customer_id: str) -> list[Order]:
    cached = _recent.pop(customer_id, None)
    if cached is not None and time.monotonic() - cached[0] <= RECENT_TTL_SECONDS:
        return list(cached[1])
    return await get_client().recent_orders(customer_id, limit=5)


class ActionAskOrderNumber(BotAction):
    """Asks for the order number; a verified/signed-in customer picks from recent orders."""

    NAME = "action_ask_order_number"

    async def act(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        customer_id = tracker.get_slot("customer_id")
        if customer_id:
            try:
                orders = await recent_orders(str(customer_id))
            except OrderApiError as exc:
                logger.warning("recent orders failed: %s", exc)
                orders = []
            last = (tracker.get_slot("order_snapshot") or {}).get("order_number")
            orders.sort(key=lambda o: o.order_number != last)  # the order just discussed first
            if orders:
                lang = language(tracker)
                buttons = [
                    {
                        "title": f"{o.order_number} · {order_state(lang, o.status)} · "
                        f"{o.items[0].name if o.items else ''}",
                        "payload": f'/inform{{"order_number":"{o.order_number}"}}',
                    }
                    for o in orders
                ]
                say(dispatcher, tracker, "which_order", buttons=buttons)
                return []
        say(dispatcher, tracker, "ask_order_number")
        return []


class ActionAskReturnItems(BotAction):
    """Asks which items go back, with one button per item of the order."""

    NAME = "action_ask_return_items"

    async def act(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        items = (tracker.get_slot("order_snapshot") or {}).get("items") or []
        buttons = [
            {"title": str(i.get("name")), "payload": f'/inform{{"item":"{i.get("name")}"}}'}
            for i in items
        ]
        if len(items) > 1:
            everything = text(language(tracker), "button_all_items")
            buttons.append({"title": everything, "payload": '/inform{"item":"all"}'})
        say(dispatcher, tracker, "ask_return_items", buttons=buttons)
        return []


class _AskAction(BotAction):
    """Asks for one form slot in the conversation's language (optionally with buttons).
    Abstract until a subclass names the slot, so the action server registers only those."""

    buttons: list[dict[str, str]] = []

    @property
    @abstractmethod
    def slot(self) -> str:
        """The form slot asked for."""

    def name(self) -> str:
        return f"action_ask_{self.slot}"

    async def act(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        say(dispatcher, tracker, f"ask_{self.slot}", buttons=self.buttons)
        return []


class ActionAskEmail(_AskAction):
    slot = "email"


class ActionAskPostcode(_AskAction):
    slot = "postcode"


class ActionAskNewAddress(_AskAction):
    slot = "new_address"


RETURN_REASONS = (
    ("button_reason_fit", "does not fit"),
    ("button_reason_damaged", "damaged"),
    ("button_reason_described", "not as described"),
    ("button_reason_mind", "changed my mind"),
)


class ActionAskReturnReason(BotAction):
    """Asks why the items go back, with the common reasons as buttons in the customer's language."""

    NAME = "action_ask_return_reason"

    async def act(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        lang = language(tracker)
        buttons = [
            {"title": text(lang, key), "payload": f'/inform{{"reason":"{reason}"}}'}
            for key, reason in RETURN_REASONS
        ]
        say(dispatcher, tracker, "ask_return_reason", buttons=buttons)
        return []
