"""Order and return tasks end to end against the real order API (success and refusal paths)."""

from __future__ import annotations

import time
from typing import Any

from rasa_sdk.executor import CollectingDispatcher

from actions.tasks import ActionExecuteTask, ActionRunTask, ActionTaskDeclined
from tests.support.action_testkit import make_tracker, slot_events, texts

ALICE = {"customer_id": "C0001", "verified": True}
MINJI = {"customer_id": "C0002", "verified": True}


async def run_task(
    domain: dict[str, Any], dispatcher: CollectingDispatcher, task: str, number: str, **slots: Any
) -> dict[str, Any]:
    values = {**ALICE, "pending_task": task, "order_number": number, **slots}
    tracker = make_tracker(domain, slots=values)
    return slot_events(await ActionRunTask().run(dispatcher, tracker, domain))


async def execute(
    domain: dict[str, Any], dispatcher: CollectingDispatcher, task: str, number: str, **slots: Any
) -> dict[str, Any]:
    values = {**ALICE, "pending_task": task, "order_number": number, **slots}
    tracker = make_tracker(domain, intent="affirm", slots=values)
    return slot_events(await ActionExecuteTask().run(dispatcher, tracker, domain))


def assert_result(slots: dict[str, Any], task: str, status: str, code: str | None = None) -> None:
    result = slots["task_result"]
    assert (result["task"], result["status"], result["code"]) == (task, status, code)
    assert result["order_number"] and result["at"].endswith("Z")


async def test_status_in_transit_with_eta_and_tracking(domain, dispatcher, client) -> None:
    slots = await run_task(domain, dispatcher, "order_status", "EF-100001")
    order = await client.get_order("EF-100001")
    text = texts(dispatcher)
    assert order.eta in text and order.tracking_number in text and "DHL" in text
    assert_result(slots, "order_status", "success")
    assert slots["order_snapshot"]["order_number"] == "EF-100001"
    assert slots["pending_question"] == "anything_else"


async def test_status_delayed_explains_the_delay(domain, dispatcher, client) -> None:
    await run_task(domain, dispatcher, "order_status", "EF-100004")
    assert "delayed because of carrier delay" in texts(dispatcher)


async def test_status_delivered_mentions_the_return_window(domain, dispatcher, client) -> None:
    await run_task(domain, dispatcher, "order_status", "EF-100003")
    order = await client.get_order("EF-100003")
    assert "delivered" in texts(dispatcher) and order.return_window_ends in texts(dispatcher)


async def test_cancel_refused_after_shipping(domain, dispatcher, client) -> None:
    slots = await run_task(domain, dispatcher, "cancel_order", "EF-100001")
    assert_result(slots, "cancel_order", "failure", "already_shipped")
    assert slots["pending_question"] == "refusal" and slots["handoff_reason"] == "policy"
    assert "refuse the parcel" in texts(dispatcher)  # the next step, without being asked
    assert (await client.get_order("EF-100001")).status == "in_transit"


async def test_cancel_confirm_then_execute_tells_fee_and_refund_date(domain, dispatcher, client):
    slots = await run_task(domain, dispatcher, "cancel_order", "EF-100002")
    assert slots["pending_question"] == "confirm" and "task_result" not in slots
    assert (await client.get_order("EF-100002")).status == "paid"  # nothing happened yet
    done = await execute(domain, dispatcher, "cancel_order", "EF-100002")
    assert_result(done, "cancel_order", "success")
    assert done["order_snapshot"]["status"] == "cancelled"
    refund = await client.refund("EF-100002")
    assert "Fee: €0.00" in texts(dispatcher) and refund.expected_date in texts(dispatcher)
    assert done["pending_question"] == "anything_else"


async def test_cancel_packed_order_has_a_fee(domain, dispatcher, client) -> None:
    slots = await run_task(domain, dispatcher, "cancel_order", "EF-100008", **MINJI)
    assert slots["pending_question"] == "confirm" and "fee applies" in texts(dispatcher)
    done = await execute(domain, dispatcher, "cancel_order", "EF-100008", **MINJI)
    assert_result(done, "cancel_order", "success")
    assert "Fee: €0.00" not in texts(dispatcher)


async def test_declined_confirmation_changes_nothing(domain, dispatcher, client) -> None:
    tracker = make_tracker(domain, intent="deny", slots={**ALICE, "order_number": "EF-100009"})
    slots = slot_events(await ActionTaskDeclined().run(dispatcher, tracker, domain))
    assert slots["pending_question"] == "anything_else" and "unchanged" in texts(dispatcher)
    assert (await client.get_order("EF-100009")).status == "pending"


async def test_address_change_confirm_then_new_eta(domain, dispatcher, client) -> None:
    address = {"street": "Neue Str. 7", "postcode": "10117", "city": "Berlin", "country": "DE"}
    slots = await run_task(
        domain, dispatcher, "change_address", "EF-100009", new_address=address, **MINJI
    )
    assert slots["pending_question"] == "confirm" and "Neue Str. 7" in texts(dispatcher)
    done = await execute(
        domain, dispatcher, "change_address", "EF-100009", new_address=address, **MINJI
    )
    assert_result(done, "change_address", "success")
    order = await client.get_order("EF-100009")
    assert order.shipping_address["street"] == "Neue Str. 7"
    assert "New expected delivery" in texts(dispatcher)


async def test_address_change_refused_when_packed(domain, dispatcher, client) -> None:
    slots = await run_task(domain, dispatcher, "change_address", "EF-100010", **MINJI)
    assert_result(slots, "change_address", "failure", "already_packed")
    assert slots["pending_question"] == "refusal" and "tracking page" in texts(dispatcher)


async def test_return_gives_label_and_how_to_send_it(domain, dispatcher, client) -> None:
    order = await client.get_order("EF-100012")
    items = [{"sku": i.sku, "name": i.name, "quantity": i.quantity} for i in order.items[:1]]
    slots = await run_task(
        domain,
        dispatcher,
        "return_item",
        "EF-100012",
        return_items=items,
        return_reason="does not fit",
        **MINJI,
    )
    assert_result(slots, "return_item", "success")
    text = texts(dispatcher)
    assert "Label reference" in text and "parcel shop within 14 days" in text
    assert "days after it arrives" in text and "at Drop" not in text
    assert slots["order_snapshot"]["status"] == "return_requested"


async def test_return_refusals(domain, dispatcher, client) -> None:
    slots = await run_task(domain, dispatcher, "return_item", "EF-100005")
    assert_result(slots, "return_item", "failure", "return_window_expired")
    slots = await run_task(domain, dispatcher, "return_item", "EF-100001")
    assert_result(slots, "return_item", "failure", "not_delivered")
    slots = await run_task(domain, dispatcher, "return_item", "EF-100011", **MINJI)
    assert_result(slots, "return_item", "failure", "return_exists")
    assert slots["pending_question"] == "refusal"


async def test_refund_status_pending_paid_none(domain, dispatcher, client) -> None:
    slots = await run_task(domain, dispatcher, "refund_status", "EF-100006")
    assert_result(slots, "refund_status", "success")
    assert "€27.80" in texts(dispatcher) and "expected by" in texts(dispatcher)
    await run_task(domain, dispatcher, "refund_status", "EF-100007", **MINJI)
    assert "was paid on" in texts(dispatcher)
    await run_task(domain, dispatcher, "refund_status", "EF-100004")
    assert "no refund open" in texts(dispatcher)


async def test_invoice_and_no_invoice_yet(domain, dispatcher, client) -> None:
    slots = await run_task(domain, dispatcher, "get_invoice", "EF-100005")
    assert_result(slots, "get_invoice", "success")
    assert "http" in texts(dispatcher)
    slots = await run_task(domain, dispatcher, "get_invoice", "EF-100009", **MINJI)
    assert_result(slots, "get_invoice", "failure", "not_invoiced")


async def test_api_down_is_honest_and_offers_a_human_within_3s(domain, dispatcher, client, faults):
    faults(latency_ms=5000)
    started = time.monotonic()
    slots = await run_task(domain, dispatcher, "order_status", "EF-100001")
    assert time.monotonic() - started < 3.0
    assert_result(slots, "order_status", "failure", "unavailable")
    assert slots["pending_question"] == "handoff_offer" and slots["handoff_reason"] == "task_failed"
    assert "can't reach our order system" in texts(dispatcher)


async def test_api_errors_during_execute(domain, dispatcher, client, faults) -> None:
    faults(error_rate=1.0)
    slots = await execute(domain, dispatcher, "cancel_order", "EF-100002")
    assert_result(slots, "cancel_order", "failure", "unavailable")
    assert slots["pending_question"] == "handoff_offer"


async def test_failed_lookup_offers_a_human(domain, dispatcher, client) -> None:
    slots = await run_task(
        domain,
        dispatcher,
        "order_status",
        "EF-100001",
        customer_id=None,
        lookup_error="verification_locked",
    )
    assert_result(slots, "order_status", "failure", "verification_locked")
    assert slots["pending_question"] == "handoff_offer" and slots["lookup_error"] is None
    assert "security" in texts(dispatcher)


async def test_korean_messages(domain, dispatcher, client, faults) -> None:
    faults(error_rate=1.0)
    await run_task(domain, dispatcher, "order_status", "EF-100007", language="ko", **MINJI)
    assert "주문 시스템" in texts(dispatcher)


async def test_unreadable_address_says_so_not_order_not_found(domain, dispatcher, client) -> None:
    slots = await run_task(
        domain, dispatcher, "change_address", "EF-100002", lookup_error="invalid_address"
    )
    assert_result(slots, "change_address", "failure", "invalid_address")
    assert slots["pending_question"] == "handoff_offer"
    said = texts(dispatcher)
    assert "address" in said and "couldn't find or verify" not in said


async def test_unmatched_items_say_so_not_order_not_found(domain, dispatcher, client) -> None:
    slots = await run_task(
        domain, dispatcher, "return_item", "EF-100003", lookup_error="invalid_items"
    )
    assert_result(slots, "return_item", "failure", "invalid_items")
    said = texts(dispatcher)
    assert "item" in said and "couldn't find or verify" not in said


async def test_not_understood_lookup_hands_over_at_once_as_repeated_fallback(
    domain, dispatcher, client
) -> None:
    """Twice no order number the bot could read: a person now (as after a second fallback),
    not one more question ("Shall I connect you?") first."""
    slots = await run_task(
        domain, dispatcher, "return_item", None, customer_id=None, lookup_error="not_understood"
    )
    assert slots["pending_question"] is None and slots["lookup_error"] is None
    assert slots["handoff_reason"] == "repeated_fallback"
    assert dispatcher.messages[0]["response"] == "utter_handoff_fallback"
    assert dispatcher.messages[1]["custom"]["handoff"]["reason"] == "repeated_fallback"


async def test_a_second_request_in_the_message_is_offered_next(domain, client) -> None:
    from rasa_sdk.executor import CollectingDispatcher as Dispatcher

    from actions.forms import ActionStartTask

    text = "can I get the receipt for EF-100003, and can the mug from it still go back?"
    entities = [{"entity": "order_number", "value": "EF-100003"}]
    tracker = make_tracker(domain, intent="get_invoice", text=text, entities=entities, slots=ALICE)
    started = slot_events(await ActionStartTask().run(Dispatcher(), tracker, domain))
    assert started["next_request"] == "return_item"
    dispatcher = Dispatcher()
    slots = await run_task(domain, dispatcher, "get_invoice", "EF-100003", **started)
    assert "INV-" in texts(dispatcher) and "You also asked about this" in texts(dispatcher)
    assert dispatcher.messages[-1]["buttons"] == [
        {"title": "Return an item", "payload": "/return_item"}
    ]
    assert slots["next_request"] is None and slots["pending_question"] == "anything_else"
    tracker = make_tracker(domain, intent="get_invoice", text="I need an invoice", slots=ALICE)
    assert (
        slot_events(await ActionStartTask().run(Dispatcher(), tracker, domain))["next_request"]
        is None
    )


async def test_mild_disappointment_gets_the_task_and_a_person_as_a_button(domain, client) -> None:
    from rasa_sdk.executor import CollectingDispatcher as Dispatcher

    from actions.forms import ActionStartTask

    text = "a bit disappointed tbh, EF-100001 is slow, where is it"
    entities = [{"entity": "order_number", "value": "EF-100001"}]
    tracker = make_tracker(domain, intent="order_status", text=text, entities=entities, slots=ALICE)
    started = slot_events(await ActionStartTask().run(Dispatcher(), tracker, domain))
    dispatcher = Dispatcher()
    await run_task(domain, dispatcher, "order_status", "EF-100001", **started)
    assert "colleague can take a look" in texts(dispatcher)
    assert dispatcher.messages[-1]["buttons"] == [
        {"title": "Talk to a person", "payload": "/request_human"}
    ]
