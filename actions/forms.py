"""The order lookup form: collects only what is missing and verifies the customer.

`action_start_task` remembers which task the customer wants, `order_lookup_form` collects the
order number (and, for guests, e-mail or postcode, verified by the order API) plus the task's
own details (new address; items and reason of a return). Anything already given in this
conversation is kept, so nothing is ever asked twice.
"""

from __future__ import annotations

import logging
import re
import time
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.clients.orders import (
    Locked,
    NotFound,
    Order,
    OrderApiError,
    Unavailable,
    VerificationFailed,
    get_client,
)
from actions.common import (
    TASK_INTENTS,
    find_email,
    find_postcode,
    language,
    latest_intent,
    normalise_order_number,
    second_request,
)
from actions.messages import order_state, say, text

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
NOT_UNDERSTOOD_ATTEMPTS = 2  # replies to "what's your order number?" without any number
ADDRESS_RE = re.compile(
    r"^(?P<street>[^,]+?),\s*(?P<postcode>\d{4,6})\s+(?P<city>[^,]+?)(?:,\s*(?P<country>[A-Za-z]{2}))?\s*$"
)
# an address inside a longer message: "... to Gartenstraße 8, 10115 Berlin instead"
ADDRESS_IN_TEXT_RE = re.compile(
    r"(?P<street>[^\W\d_][\w.\- ]{1,40}?\s\d+\s?[a-zA-Z]?),\s*(?P<postcode>\d{4,6})\s+"
    r"(?P<city>[^\W\d_][\w\-]+(?:\s(?=[A-ZÄÖÜ])[\w\-]+)?)(?:,\s*(?P<country>[A-Z]{2})\b)?"
)
STREET_LEAD_RE = re.compile(r"^.*\b(?:to|at|address is|address:|into|for)\s+", re.IGNORECASE)
# a follow-up about the order in focus: "and when does it arrive now?", "can that one still …"
FOLLOW_UP_RE = re.compile(
    r"\b(?:it|it's|its|that one|this one|that order|this order|the same (?:one|order)|"
    r"same order|then|now)\b|^\s*(?:and|so|ok(?:ay)?|also)\b",
    re.IGNORECASE,
)
ALL_ITEMS = {
    "all", "all items", "everything", "both", "all of them",
    "전부", "모두", "다", "둘 다", "전부 다",
}  # fmt: skip
# What Korean customers call the shop's products (the order system's names are English).
KO_ITEM_WORDS = {
    "후드티": "hoodie", "후드": "hoodie", "티셔츠": "t-shirt", "양말": "socks",
    "머그컵": "mug", "머그": "mug", "컵": "mug", "물병": "bottle", "텀블러": "bottle",
    "보틀": "bottle", "자켓": "jacket", "재킷": "jacket", "우비": "jacket", "스카프": "scarf",
    "목도리": "scarf", "모자": "cap", "캡": "cap", "가방": "bag", "에코백": "bag", "토트백": "bag",
}  # fmt: skip


class ActionStartTask(Action):
    """Remembers the requested task and clears what belonged to the previous one."""

    def name(self) -> str:
        return "action_start_task"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        intent = latest_intent(tracker) or ""
        if intent == "inform":  # a bare order number: same task as before (or a status check)
            task = tracker.get_slot("pending_task") or "order_status"
        else:
            task = TASK_INTENTS.get(intent, "order_status")
        events: list[EventType] = []
        named = any(
            e.get("entity") == "order_number"
            for e in (tracker.latest_message or {}).get("entities", [])
        )
        focus = tracker.get_slot("order_number") or (tracker.get_slot("order_snapshot") or {}).get(
            "order_number"
        )
        said = str(tracker.latest_message.get("text") or "")
        # a follow-up about the same order, or the click on the offered next request
        follow_up = bool(FOLLOW_UP_RE.search(said)) or said.startswith("/")
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
            SlotSet("next_request", second_request(message, task) if intent != "inform" else None),
            SlotSet("return_items", None),
            SlotSet("return_reason", None),
        ]


def _attempt_failed(
    tracker: Tracker, slot: str, code: str, limit: int = MAX_ATTEMPTS
) -> dict[str, Any]:
    attempts = int(tracker.get_slot("lookup_attempts") or 0) + 1
    values: dict[str, Any] = {slot: None, "lookup_attempts": float(attempts)}
    if attempts >= limit:
        values["lookup_error"] = code
    return values


def find_address(text: Any) -> dict[str, str] | None:
    """An address written inside a longer message (the request), or None."""
    match = ADDRESS_IN_TEXT_RE.search(" ".join(str(text or "").split()))
    if not match:
        return None
    street = STREET_LEAD_RE.sub("", match.group("street")).strip()
    if not street or street[0].isdigit():
        return None
    return {
        "street": street,
        "postcode": match.group("postcode"),
        "city": match.group("city").strip(),
        "country": (match.group("country") or "DE").upper(),
    }


# Korean road-name addresses: "서울특별시 강남구 테헤란로 123, 06234",
# "06234 서울 중구 세종대로 110", "우편번호 06234 …", "… (우편번호: 06234)":
# the postcode (5 digits) first or last.
KO_POSTCODE_RE = re.compile(
    r"[(\[]?\s*(?:우편\s*번호\s*(?:는|은)?|우\))?\s*[:：]?\s*[(\[]?\s*"
    r"(?<![\d-])(\d{5})(?![\d-])(?:이고|이며|이에요|입니다)?\s*[)\]]?"
)
KO_ROAD_RE = re.compile(
    r"^(?P<city>(?:[가-힣]+\s+)+?)"  # 시/도 and 구/군/시: at least one word before the road
    r"(?P<street>[가-힣0-9.]+(?:로|길|대로)\s*\d+(?:-\d+)?(?:\s*(?:번길|길)\s*\d+(?:-\d+)?)?)"
    r"(?:으로|로|이요|요|입니다|이에요)?(?P<detail>[\s,]+.*)?$"
)
KO_FILLER = frozenset(
    {"새", "주소", "주소는", "주소:", "배송지", "배송지는", "배송지:", "이고", "이며", "그리고"}
)
KO_POLITE_END = re.compile(r"(?:으로|로)?\s*(?:보내|바꿔|변경해)\s*주세요\.?|[.!]$")
HANGUL_RE = re.compile(r"[가-힣]")


def parse_korean_address(text: str) -> dict[str, str] | None:
    """A Korean road-name address with its 5-digit postcode (first or last, with or without
    "우편번호") → address dict (country KR); None if it is not one."""
    flat = " ".join(str(text).split())
    if not HANGUL_RE.search(flat):
        return None
    postcodes = KO_POSTCODE_RE.findall(flat)
    if len(postcodes) != 1:
        return None
    rest = KO_POLITE_END.sub("", KO_POSTCODE_RE.sub(" ", flat, count=1))
    words = [w for w in rest.replace(",", " ").split() if w not in KO_FILLER]
    match = KO_ROAD_RE.match(" ".join(words).strip(" ,."))
    if not match:
        return None
    detail = " ".join((match.group("detail") or "").split())
    street = " ".join(match.group("street").split())
    return {
        "street": f"{street}, {detail}" if detail else street,
        "postcode": postcodes[0],
        "city": match.group("city").strip(),
        "country": "KR",
    }


def parse_address(text: str) -> dict[str, str] | None:
    """ "Hauptstr. 5, 10115 Berlin" (optionally ", DE") or a Korean road-name address
    ("서울특별시 강남구 테헤란로 123, 06234") → address dict; None if unparsable."""
    korean = parse_korean_address(text)
    if korean:
        return korean
    match = ADDRESS_RE.match(" ".join(str(text).split()))
    if not match:
        return None
    return {
        "street": match.group("street").strip(),
        "postcode": match.group("postcode"),
        "city": match.group("city").strip(),
        "country": (match.group("country") or "DE").upper(),
    }


def match_items(text: Any, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The order items a customer's answer refers to (all of them for "all")."""
    if isinstance(text, list):
        text = " ".join(str(t) for t in text)
    wanted = str(text or "").strip().lower()
    if not wanted:
        return []
    for korean, english in KO_ITEM_WORDS.items():
        if korean in wanted:
            wanted = f"{wanted} {english}"
    if wanted in ALL_ITEMS:
        chosen = items
    else:
        chosen = []
        for item in items:
            name = str(item.get("name", "")).lower()
            sku = str(item.get("sku", "")).lower()
            words = [w for w in re.findall(r"\w+", name) if len(w) > 2]
            if wanted in name or name in wanted or sku == wanted or any(w in wanted for w in words):
                chosen.append(item)
    return [
        {"sku": i.get("sku"), "name": i.get("name"), "quantity": int(i.get("quantity", 1))}
        for i in chosen
    ]


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
        tracker.add_slots(events)
        extra = await self._verify(dispatcher, tracker)
        tracker.add_slots(extra)
        extra += await self._recent_orders_reachable(tracker)
        return events + extra

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
        number = normalise_order_number(value)
        if not number and not re.search(r"\d", str(value or "")):
            # No digit at all: the customer is talking about something else. The second time,
            # stop asking (action_run_task says so and offers a colleague).
            values = _attempt_failed(
                tracker, "order_number", "not_understood", limit=NOT_UNDERSTOOD_ATTEMPTS
            )
            if "lookup_error" not in values:
                say(dispatcher, tracker, "invalid_order_number")
            return values
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
        email = find_email(value)
        if email:
            return {"email": email}
        postcode = find_postcode(value) or tracker.get_slot("postcode")
        if postcode:
            return {"email": None, "postcode": postcode}
        say(dispatcher, tracker, "invalid_email")
        return _attempt_failed(tracker, "email", "invalid_email")

    async def validate_postcode(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        postcode = find_postcode(value)
        if postcode:
            return {"postcode": postcode}
        email = find_email(value)
        if email:
            return {"postcode": None, "email": email}
        say(dispatcher, tracker, "invalid_email")
        return _attempt_failed(tracker, "postcode", "invalid_postcode")

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
        chosen = match_items(value, items)
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


class ActionAskOrderNumber(Action):
    """Asks for the order number; a verified/signed-in customer picks from recent orders."""

    def name(self) -> str:
        return "action_ask_order_number"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
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


class ActionAskReturnItems(Action):
    """Asks which items go back, with one button per item of the order."""

    def name(self) -> str:
        return "action_ask_return_items"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
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


class _AskAction(Action):
    """Asks for one form slot in the conversation's language (optionally with buttons)."""

    slot = ""
    buttons: list[dict[str, str]] = []

    def name(self) -> str:
        return f"action_ask_{self.slot}"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
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


class ActionAskReturnReason(Action):
    """Asks why the items go back, with the common reasons as buttons in the customer's language."""

    def name(self) -> str:
        return "action_ask_return_reason"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        lang = language(tracker)
        buttons = [
            {"title": text(lang, key), "payload": f'/inform{{"reason":"{reason}"}}'}
            for key, reason in RETURN_REASONS
        ]
        say(dispatcher, tracker, "ask_return_reason", buttons=buttons)
        return []
