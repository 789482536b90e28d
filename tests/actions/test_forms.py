"""The order lookup form: asks only what is missing, normalises, verifies via the real API."""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.asks import ActionAskOrderNumber, ActionAskReturnItems, ActionAskReturnReason
from actions.clients.orders import OrderClient
from actions.forms import (
    ActionStartTask,
    ValidateOrderLookupForm,
)
from actions.parsing import match_items, parse_address
from tests.support.action_testkit import make_tracker, slot_events, texts

ALICE = {"customer_id": "C0001", "verified": True}
FORM = ValidateOrderLookupForm()


async def validate(domain: dict[str, Any], dispatcher: CollectingDispatcher, **kw: Any) -> dict:
    tracker = make_tracker(domain, active_loop="order_lookup_form", **kw)
    return slot_events(await FORM.run(dispatcher, tracker, domain))


async def test_start_task_maps_intents_and_clears_the_previous_task(domain, dispatcher) -> None:
    for intent, task in [
        ("delivery_time", "order_status"),
        ("cancel_order", "cancel_order"),
        ("refund_request", "refund_status"),
        ("get_invoice", "get_invoice"),
        ("inform", "order_status"),
    ]:
        tracker = make_tracker(domain, intent=intent, slots={"pending_question": "confirm"})
        slots = slot_events(await ActionStartTask().run(dispatcher, tracker, domain))
        assert slots["pending_task"] == task
        assert slots["pending_question"] is None and slots["lookup_error"] is None
    assert not dispatcher.messages


async def test_new_task_of_a_verified_customer_asks_which_order(domain, dispatcher) -> None:
    slots = {**ALICE, "order_number": "EF-100001", "pending_task": "cancel_order"}
    tracker = make_tracker(domain, intent="return_item", slots=slots)
    events = slot_events(await ActionStartTask().run(dispatcher, tracker, domain))
    assert events["order_number"] is None and events["pending_task"] == "return_item"
    named = [{"entity": "order_number", "value": "EF-100003"}]
    tracker = make_tracker(domain, intent="return_item", slots=slots, entities=named)
    assert "order_number" not in slot_events(
        await ActionStartTask().run(dispatcher, tracker, domain)
    )
    guest = make_tracker(domain, intent="cancel_order", slots={"order_number": "EF-100001"})
    assert "order_number" not in slot_events(await ActionStartTask().run(dispatcher, guest, domain))
    tracker = make_tracker(domain, intent="inform", slots=slots, entities=named)
    assert slot_events(await ActionStartTask().run(dispatcher, tracker, domain))[
        "pending_task"
    ] == ("cancel_order")


async def test_order_number_is_normalised(domain, dispatcher, client: OrderClient) -> None:
    slots = await validate(domain, dispatcher, candidates={"order_number": "ef100001"})
    assert slots["order_number"] == "EF-100001"
    assert slots["requested_slot"] == "email"  # a guest: verification is still missing
    assert not dispatcher.messages


async def test_invalid_and_unknown_order_numbers(domain, dispatcher, client: OrderClient) -> None:
    slots = await validate(domain, dispatcher, candidates={"order_number": "my order pls"})
    assert slots["order_number"] is None and slots["requested_slot"] == "order_number"
    slots = await validate(domain, dispatcher, candidates={"order_number": "EF-999999"})
    assert slots["order_number"] is None
    assert "EF-100001" in texts(dispatcher) and "EF-999999" in texts(dispatcher)


async def test_three_failed_attempts_end_the_lookup(domain, dispatcher, client) -> None:
    slots = await validate(
        domain, dispatcher, slots={"lookup_attempts": 2.0}, candidates={"order_number": "EF-999999"}
    )
    assert slots["lookup_error"] == "order_not_found"
    assert slots["requested_slot"] is None  # the form ends; action_run_task offers a human


async def test_second_reply_without_any_number_ends_the_lookup(domain, dispatcher, client) -> None:
    # the customer is talking about something else: no third "that's not a valid order number"
    slots = await validate(
        domain,
        dispatcher,
        slots={"lookup_attempts": 1.0},
        candidates={"order_number": "the bow on my gift is purple, not gold"},
    )
    assert slots["lookup_error"] == "not_understood"
    assert slots["requested_slot"] is None


async def test_guest_verified_by_email_in_one_go(domain, dispatcher, client: OrderClient) -> None:
    slots = await validate(
        domain,
        dispatcher,
        candidates={"order_number": "EF-100001", "email": "Alice@Example.com"},
    )
    assert slots["customer_id"] == "C0001" and slots["verified"] is True
    assert slots["order_snapshot"]["order_number"] == "EF-100001"
    assert slots["requested_slot"] is None


async def test_postcode_typed_at_the_email_prompt(domain, dispatcher, client) -> None:
    slots = await validate(
        domain,
        dispatcher,
        slots={"order_number": "EF-100001", "requested_slot": "email"},
        candidates={"email": "10115"},
    )
    assert slots["postcode"] == "10115" and slots["email"] is None
    assert slots["customer_id"] == "C0001" and slots["requested_slot"] is None


async def test_postcode_sentence_at_the_email_prompt(domain, dispatcher, client) -> None:
    slots = await validate(
        domain,
        dispatcher,
        slots={"order_number": "EF-100001", "requested_slot": "email"},
        candidates={"email": "postcode 10115", "postcode": "10115"},
    )
    assert slots["customer_id"] == "C0001" and not dispatcher.messages


async def test_wrong_email_is_asked_again(domain, dispatcher, client: OrderClient) -> None:
    slots = await validate(
        domain,
        dispatcher,
        slots={"order_number": "EF-100012"},
        candidates={"email": "alice@example.com"},  # EF-100012 belongs to Minji
    )
    assert slots["email"] is None and slots["postcode"] is None
    assert "customer_id" not in slots
    assert slots["requested_slot"] == "email"
    assert "doesn't match" in texts(dispatcher)


async def test_not_an_email(domain, dispatcher, client: OrderClient) -> None:
    slots = await validate(
        domain, dispatcher, slots={"order_number": "EF-100001"}, candidates={"email": "dunno"}
    )
    assert slots["email"] is None and "e-mail" in texts(dispatcher)


async def test_signed_in_customer_is_never_asked_to_verify(domain, dispatcher, client) -> None:
    slots = await validate(
        domain,
        dispatcher,
        slots={**ALICE, "pending_task": "order_status"},
        candidates={"order_number": "EF-100004"},
    )
    assert slots["requested_slot"] is None
    assert slots["order_snapshot"]["status"] == "delayed"


async def test_other_customers_order_is_not_disclosed(domain, dispatcher, client) -> None:
    slots = await validate(
        domain, dispatcher, slots=ALICE, candidates={"order_number": "EF-100007"}
    )
    assert slots["order_number"] is None
    assert "order_snapshot" not in slots
    assert "account" in texts(dispatcher)


async def test_address_change_asks_for_the_new_address_only_if_possible(domain, dispatcher, client):
    slots = await validate(
        domain,
        dispatcher,
        slots={**ALICE, "pending_task": "change_address"},
        candidates={"order_number": "EF-100002"},
    )
    assert slots["requested_slot"] == "new_address"
    slots = await validate(
        domain,
        dispatcher,
        slots={"customer_id": "C0002", "pending_task": "change_address"},
        candidates={"order_number": "EF-100008"},  # packed: refused without asking
    )
    assert slots["requested_slot"] is None


# Alice's address change, the form asking for the new address.
ASKING_FOR_ADDRESS = {
    **ALICE,
    "pending_task": "change_address",
    "order_number": "EF-100002",
    "order_snapshot": {"order_number": "EF-100002", "can_change_address": True},
    "requested_slot": "new_address",
}


async def test_new_address_is_parsed(domain, dispatcher, client) -> None:
    slots = await validate(
        domain,
        dispatcher,
        slots=ASKING_FOR_ADDRESS,
        candidates={"new_address": "Neue Str. 7, 10117 Berlin"},
    )
    assert slots["new_address"] == {
        "street": "Neue Str. 7",
        "postcode": "10117",
        "city": "Berlin",
        "country": "DE",
    }
    assert slots["requested_slot"] is None
    assert parse_address("somewhere nice") is None


KOREAN_ADDRESS = {"street": "테헤란로 123", "postcode": "06234", "city": "서울특별시 강남구",
                  "country": "KR"}  # fmt: skip


@pytest.mark.parametrize(
    ("text", "expected"),
    [("서울특별시 강남구 테헤란로 123, 06234", KOREAN_ADDRESS), ("what's the weather like", None)],
)
async def test_an_address_read_as_another_intent_still_fills_the_form(
    domain, dispatcher, client, text: str, expected: dict[str, str] | None
) -> None:
    # The model takes a bare Korean road-name address for out_of_scope, which the slot's
    # from_text mapping excludes: the form used to ask for the address again and again.
    # Text that is no address is still not taken for one.
    slots = await validate(
        domain, dispatcher, slots=ASKING_FOR_ADDRESS, intent="out_of_scope", text=text
    )
    assert slots.get("new_address") == expected
    if expected:
        assert slots["requested_slot"] is None


async def test_return_asks_items_then_reason(domain, dispatcher, client) -> None:
    base = {**ALICE, "pending_task": "return_item"}
    slots = await validate(domain, dispatcher, slots=base, candidates={"order_number": "EF-100003"})
    assert slots["requested_slot"] == "return_items"
    snap = slots["order_snapshot"]
    slots = await validate(
        domain,
        dispatcher,
        slots={**base, "order_number": "EF-100003", "order_snapshot": snap},
        candidates={"return_items": "the mug"},
    )
    assert [i["name"] for i in slots["return_items"]] == ["Stoneware mug"]
    assert slots["requested_slot"] == "return_reason"
    items = snap["items"]
    assert len(match_items("all", items)) == 2 and match_items("a sofa", items) == []
    # the entity extractor cut "all of them" and the slot got its last piece: the answer counts
    slots = await validate(
        domain,
        dispatcher,
        slots={**base, "order_number": "EF-100003", "order_snapshot": snap},
        candidates={"return_items": "of them"},
        text="all of them",
    )
    assert len(slots["return_items"]) == 2 and slots["requested_slot"] == "return_reason"


async def test_api_down_ends_the_lookup_honestly(domain, dispatcher, client, faults) -> None:
    faults(error_rate=1.0)
    slots = await validate(domain, dispatcher, candidates={"order_number": "EF-100001"})
    assert slots["lookup_error"] == "unavailable"
    assert slots["requested_slot"] is None


async def test_which_order_lists_recent_orders(domain, dispatcher, client) -> None:
    snapshot = {"order_number": "EF-100001"}
    tracker = make_tracker(domain, slots={**ALICE, "order_snapshot": snapshot})
    await ActionAskOrderNumber().run(dispatcher, tracker, domain)
    buttons = dispatcher.messages[0]["buttons"]
    assert 1 <= len(buttons) <= 5
    assert buttons[0]["title"].startswith("EF-100001")  # the order just discussed comes first
    assert all(b["payload"].startswith('/inform{"order_number":"EF-') for b in buttons)


async def test_guest_is_asked_for_the_number(domain, dispatcher, client) -> None:
    await ActionAskOrderNumber().run(dispatcher, make_tracker(domain), domain)
    assert "order number" in texts(dispatcher) and not dispatcher.messages[0]["buttons"]


async def test_return_questions_offer_buttons(domain, dispatcher, client) -> None:
    order = await client.get_order("EF-100003")
    tracker = make_tracker(domain, slots={**ALICE, "order_snapshot": order.to_json()})
    await ActionAskReturnItems().run(dispatcher, tracker, domain)
    await ActionAskReturnReason().run(dispatcher, tracker, domain)
    items, reasons = dispatcher.messages[0]["buttons"], dispatcher.messages[1]["buttons"]
    assert [b["title"] for b in items][-1] == "All items" and len(items) == 3
    assert len(reasons) == 4


async def test_an_address_given_with_the_request_is_kept(domain) -> None:
    from actions.forms import ActionStartTask

    text = "please send EF-100002 to Gartenstraße 8, 10115 Berlin instead"
    tracker = make_tracker(domain, intent="change_address", text=text, slots=ALICE)
    events = slot_events(await ActionStartTask().run(CollectingDispatcher(), tracker, domain))
    assert events["new_address"] == {
        "street": "Gartenstraße 8",
        "postcode": "10115",
        "city": "Berlin",
        "country": "DE",
    }
    tracker = make_tracker(domain, intent="order_status", text=text, slots=ALICE)
    events = slot_events(await ActionStartTask().run(CollectingDispatcher(), tracker, domain))
    assert events["new_address"] is None  # only an address change uses it


async def test_a_follow_up_keeps_the_order_in_focus(domain) -> None:
    from actions.forms import ActionStartTask

    snapshot = {"order_number": "EF-100004", "status": "delayed"}
    slots = {**ALICE, "order_snapshot": snapshot}  # e.g. after the proactive delay notice
    tracker = make_tracker(
        domain, intent="delivery_time", text="ok and when will it arrive now?", slots=slots
    )
    events = slot_events(await ActionStartTask().run(CollectingDispatcher(), tracker, domain))
    assert events["order_number"] == "EF-100004"
    tracker = make_tracker(domain, intent="get_invoice", text="I need an invoice", slots=slots)
    events = slot_events(await ActionStartTask().run(CollectingDispatcher(), tracker, domain))
    assert events["order_number"] is None  # a new request: which order? (one click)


async def test_signed_in_customer_hears_of_the_outage_not_which_order(
    domain, dispatcher, client, faults
) -> None:
    """A signed-in customer with the order API down (or too slow): the lookup ends with the
    outage (action_run_task then says so and offers a colleague), not "What's your order
    number?"."""
    faults(error_rate=1.0)
    slots = await validate(domain, dispatcher, slots={**ALICE, "pending_task": "order_status"})
    assert slots["lookup_error"] == "unavailable"
    assert slots["requested_slot"] is None
    faults(error_rate=0.0)
    dispatcher.messages.clear()
    slots = await validate(domain, dispatcher, slots={**ALICE, "pending_task": "order_status"})
    assert "lookup_error" not in slots and slots["requested_slot"] == "order_number"


async def test_signed_in_customer_with_a_slow_order_api_is_told_within_the_deadline(
    domain, dispatcher, client, faults
) -> None:
    import time

    faults(latency_ms=5000)
    started = time.monotonic()
    slots = await validate(domain, dispatcher, slots={**ALICE, "pending_task": "order_status"})
    assert slots["lookup_error"] == "unavailable"
    assert time.monotonic() - started < 2.6  # the order client's deadline, not the API's 5 s


async def test_a_new_request_at_which_order_switches_to_it(domain, dispatcher, client) -> None:
    # "주문 취소하고 싶어요" at "which order?": the cancellation, not "not a valid order number"
    slots = {**ALICE, "pending_task": "order_status", "requested_slot": "order_number"}
    said = "주문 취소하고 싶어요"
    slots = await validate(
        domain,
        dispatcher,
        intent="cancel_order",
        text=said,
        slots={**slots, "language": "ko"},
        candidates={"order_number": said},
    )
    assert slots["pending_task"] == "cancel_order" and slots["order_number"] is None
    assert slots["requested_slot"] == "order_number" and not slots["lookup_attempts"]
    assert "올바른" not in texts(dispatcher) and "주문 취소" in texts(dispatcher)


async def test_a_new_request_with_its_order_number_takes_both(domain, dispatcher, client) -> None:
    slots = {**ALICE, "pending_task": "order_status", "requested_slot": "order_number"}
    named = [{"entity": "order_number", "value": "EF-100002", "start": 25}]
    slots = await validate(
        domain,
        dispatcher,
        intent="cancel_order",
        text="actually, cancel my order EF-100002",
        slots=slots,
        entities=named,
        candidates={"order_number": "EF-100002"},
    )
    assert slots["pending_task"] == "cancel_order" and slots["order_number"] == "EF-100002"


async def test_a_request_for_a_person_inside_a_task_request_hands_over(domain, dispatcher) -> None:
    said = (
        "So my parcel has been bounced around between depots for days and I'm tired of "
        "explaining it. I'd like to talk to someone from your team please."
    )
    event = {"event": "user", "text": said, "parse_data": {"intent": {"name": "order_status"}}}
    tracker = make_tracker(domain, intent="order_status", text=said, events=[event])
    rewind, _, replay = await ActionStartTask().run(dispatcher, tracker, domain)
    assert rewind["event"] == "rewind" and replay["text"] == said
    assert replay["parse_data"]["intent"] == {"name": "request_human", "confidence": 1.0}
