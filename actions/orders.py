"""Order tasks: status / ETA / tracking, cancellation, address change."""

from __future__ import annotations

import logging
import re

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.clients.orders import Address, NotFound, OrderClient, Refused
from actions.common import (
    Q_CONFIRM,
    ask_anything_else,
    language,
    money,
    refusal,
    snapshot,
    task_result,
)
from actions.messages import (
    order_state,
    payment_method,
    refund_state,
    say,
    text,
    tracking_event,
)
from actions.policies import policy_values

logger = logging.getLogger(__name__)

SHIPPED = {"shipped", "in_transit", "delayed"}
HANGUL = re.compile(r"[가-힣]")


async def order_status(
    dispatcher: CollectingDispatcher, tracker: Tracker, client: OrderClient, number: str
) -> list[EventType]:
    order = await client.get_order(number)
    events: list[EventType] = [snapshot(order)]
    status = order.status
    lang = language(tracker)
    if status in SHIPPED:
        try:
            tracking = await client.tracking(number)
        except (Refused, NotFound):
            tracking = None
        latest = max(tracking.events, key=lambda e: e.at) if tracking and tracking.events else None
        last = tracking_event(lang, latest.description if latest else None)
        if status == "delayed" or (tracking and tracking.delayed):
            say(
                dispatcher,
                tracker,
                "status_delayed",
                order_number=number,
                delay_reason=lower_first(
                    tracking_event(lang, tracking.delay_reason if tracking else None, delay=True)
                ),
                eta=(tracking.eta if tracking else None) or order.eta,
                carrier=order.carrier,
                tracking_number=order.tracking_number,
            )
        else:
            say(
                dispatcher,
                tracker,
                "status_in_transit",
                order_number=number,
                carrier=order.carrier,
                tracking_number=order.tracking_number,
                eta=order.eta,
                last_event=last,
            )
    elif status == "delivered":
        say(
            dispatcher,
            tracker,
            "status_delivered",
            order_number=number,
            delivered_at=(order.delivered_at or "")[:10],
            return_until=order.return_window_ends or "–",
        )
    elif status == "pending":
        say(dispatcher, tracker, "status_pending", order_number=number)
    elif status in {"paid", "packed"}:
        say(
            dispatcher,
            tracker,
            "status_preparing",
            order_number=number,
            eta=order.eta or text(lang, "eta_soon"),
        )
    elif status == "cancelled":
        say(
            dispatcher,
            tracker,
            "status_cancelled",
            order_number=number,
            refund_status=refund_state(lang, order.refund_status),
        )
    else:
        say(
            dispatcher,
            tracker,
            "status_return",
            order_number=number,
            status=order_state(lang, status),
            refund_status=refund_state(lang, order.refund_status),
        )
    events.append(task_result("order_status", "success", order_number=number))
    return events + ask_anything_else(dispatcher, tracker)


def lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def _cancel_refusal_response(status: str) -> tuple[str, str]:
    if status in SHIPPED:
        return "already_shipped", "cancel_refused_shipped"
    if status == "delivered":
        return "already_delivered", "cancel_refused_delivered"
    if status == "cancelled":
        return "already_cancelled", "cancel_refused_cancelled"
    return "not_cancellable", "cancel_refused"


async def confirm_cancel(
    dispatcher: CollectingDispatcher, tracker: Tracker, client: OrderClient, number: str
) -> list[EventType]:
    order = await client.get_order(number)
    if not order.can_cancel:
        code, response = _cancel_refusal_response(order.status)
        return [
            snapshot(order),
            task_result("cancel_order", "failure", code=code, order_number=number),
            *refusal(dispatcher, tracker, response, order_number=number),
        ]
    lang = language(tracker)
    fee_note = (
        text(lang, "fee_note_packed", **policy_values(await client.policies(), lang))
        if order.status == "packed"
        else ""
    )
    say(
        dispatcher,
        tracker,
        "confirm_cancel",
        order_number=number,
        total=money(order.total, order.currency),
        fee_note=fee_note,
    )
    return [snapshot(order), SlotSet("pending_question", Q_CONFIRM)]


async def execute_cancel(
    dispatcher: CollectingDispatcher, tracker: Tracker, client: OrderClient, number: str
) -> list[EventType]:
    try:
        result = await client.cancel(number, reason=tracker.get_slot("return_reason"))
    except Refused as exc:
        code, response = _cancel_refusal_response(
            {"already_shipped": "shipped", "already_delivered": "delivered"}.get(
                exc.code, "cancelled" if exc.code == "already_cancelled" else ""
            )
        )
        return [
            task_result("cancel_order", "failure", code=exc.code or code, order_number=number),
            *refusal(dispatcher, tracker, response, order_number=number),
        ]
    cur = result.order.currency
    say(
        dispatcher,
        tracker,
        "cancel_done",
        order_number=number,
        fee=money(result.fee, cur),
        refund_amount=money(result.refund_amount, cur),
        refund_date=result.refund_date or "–",
        refund_method=payment_method(language(tracker), result.refund_method),
    )
    return [
        snapshot(result.order),
        task_result("cancel_order", "success", order_number=number),
        *ask_anything_else(dispatcher, tracker),
    ]


def format_address(address: dict[str, str]) -> str:
    """The address as it is written in its country: "(06234) 서울특별시 강남구 테헤란로 123"
    in Korea (postcode first), "Hauptstr. 5, 10115 Berlin" elsewhere."""
    if address.get("country") == "KR" and HANGUL.search(str(address.get("city") or "")):
        return f"({address.get('postcode')}) {address.get('city')} {address.get('street')}"
    return f"{address.get('street')}, {address.get('postcode')} {address.get('city')}"


async def confirm_address(
    dispatcher: CollectingDispatcher, tracker: Tracker, client: OrderClient, number: str
) -> list[EventType]:
    order = await client.get_order(number)
    address = tracker.get_slot("new_address")
    if not order.can_change_address or not address:
        code = "order_cancelled" if order.status == "cancelled" else "already_packed"
        return [
            snapshot(order),
            task_result("change_address", "failure", code=code, order_number=number),
            *refusal(dispatcher, tracker, "address_refused", order_number=number),
        ]
    say(
        dispatcher,
        tracker,
        "confirm_address",
        order_number=number,
        address=format_address(address),
    )
    return [snapshot(order), SlotSet("pending_question", Q_CONFIRM)]


async def execute_address(
    dispatcher: CollectingDispatcher, tracker: Tracker, client: OrderClient, number: str
) -> list[EventType]:
    data = dict(tracker.get_slot("new_address") or {})
    address = Address(
        street=data.get("street", ""),
        city=data.get("city", ""),
        postcode=data.get("postcode", ""),
        country=data.get("country", "DE"),
    )
    try:
        result = await client.change_address(number, address)
    except Refused as exc:
        response = "invalid_address" if exc.code == "invalid_address" else "address_refused"
        return [
            task_result("change_address", "failure", code=exc.code, order_number=number),
            SlotSet("new_address", None),
            *refusal(dispatcher, tracker, response, order_number=number),
        ]
    say(
        dispatcher,
        tracker,
        "address_changed",
        order_number=number,
        address=format_address(data),
        eta=result.new_eta or result.order.eta or text(language(tracker), "eta_unchanged"),
    )
    return [
        snapshot(result.order),
        task_result("change_address", "success", order_number=number),
        *ask_anything_else(dispatcher, tracker),
    ]
