"""Returns, refunds and invoices."""

from __future__ import annotations

import logging

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.clients.orders import OrderClient, Refused
from actions.common import ask_anything_else, language, money, refusal, snapshot, task_result
from actions.messages import payment_method, say
from actions.policies import policy_values

logger = logging.getLogger(__name__)

RETURN_REFUSALS = {
    "not_delivered": "return_not_delivered",
    "return_window_expired": "return_window_expired",
    "return_exists": "return_exists",
    "invalid_items": "return_refused",
}


def _return_refusal_code(status: str, can_return: bool) -> str | None:
    if can_return:
        return None
    if status in {"return_requested", "return_received"}:
        return "return_exists"
    if status == "delivered":
        return "return_window_expired"
    return "not_delivered"


async def start_return(
    dispatcher: CollectingDispatcher, tracker: Tracker, client: OrderClient, number: str
) -> list[EventType]:
    order = await client.get_order(number)
    figures = policy_values(await client.policies())
    code = _return_refusal_code(order.status, order.can_return)
    items = tracker.get_slot("return_items")
    items = [i for i in items if isinstance(i, dict)] if isinstance(items, list) else []
    reason = tracker.get_slot("return_reason") or "not specified"
    if code is None and items:
        try:
            label = await client.start_return(
                number, [(str(i["sku"]), int(i.get("quantity", 1))) for i in items], reason
            )
        except Refused as exc:
            code = exc.code
        else:
            say(
                dispatcher,
                tracker,
                "return_started",
                order_number=number,
                items=", ".join(str(i.get("name")) for i in items),
                label_reference=label.label_reference,
                label_url=label.label_url or "",
                refund_amount=money(label.refund_amount, order.currency),
                **{
                    **figures,
                    "carrier": label.carrier or order.carrier or figures["carrier"],
                    "drop_off_days": label.drop_off_days or figures["drop_off_days"],
                    "refund_days": label.refund_expected_in_days or figures["refund_days"],
                },
            )
            return [
                snapshot(await client.get_order(number)),
                task_result("return_item", "success", order_number=number),
                *ask_anything_else(dispatcher, tracker),
            ]
    code = code or "invalid_items"
    return [
        snapshot(order),
        task_result("return_item", "failure", code=code, order_number=number),
        *refusal(
            dispatcher,
            tracker,
            RETURN_REFUSALS.get(code, "return_refused"),
            order_number=number,
            return_until=order.return_window_ends or "–",
            return_window_days=figures["return_window_days"],
        ),
    ]


async def refund_status(
    dispatcher: CollectingDispatcher, tracker: Tracker, client: OrderClient, number: str
) -> list[EventType]:
    order = await client.get_order(number)
    refund = await client.refund(number)
    method = payment_method(language(tracker), refund.method)
    amount = money(refund.amount, refund.currency)
    if refund.status == "paid":
        say(
            dispatcher,
            tracker,
            "refund_paid",
            order_number=number,
            amount=amount,
            paid_at=(refund.paid_at or "")[:10],
            method=method,
            **{k: v for k, v in policy_values(await client.policies()).items() if "bank" in k},
        )
    elif refund.status == "pending":
        say(
            dispatcher,
            tracker,
            "refund_pending",
            order_number=number,
            amount=amount,
            expected_date=refund.expected_date or "–",
            method=method,
        )
    else:
        say(dispatcher, tracker, "refund_none", order_number=number)
    return [
        snapshot(order),
        task_result("refund_status", "success", order_number=number),
        *ask_anything_else(dispatcher, tracker),
    ]


async def get_invoice(
    dispatcher: CollectingDispatcher, tracker: Tracker, client: OrderClient, number: str
) -> list[EventType]:
    order = await client.get_order(number)
    try:
        invoice = await client.invoice(number)
    except Refused as exc:
        return [
            snapshot(order),
            task_result("get_invoice", "failure", code=exc.code, order_number=number),
            *refusal(dispatcher, tracker, "invoice_not_available", order_number=number),
        ]
    say(
        dispatcher,
        tracker,
        "invoice",
        order_number=number,
        invoice_number=invoice.invoice_number,
        url=invoice.url,
    )
    return [
        snapshot(order),
        task_result("get_invoice", "success", order_number=number),
        *ask_anything_else(dispatcher, tracker),
    ]
