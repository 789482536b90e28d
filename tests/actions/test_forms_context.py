"""The lookup keeps what the customer already said: an order named in a message that fell back,
the order in focus when the same request comes again, an item named before the order was known,
and answers that are not understood end in a person (issue 11, "Use what was said")."""

from __future__ import annotations

from rasa_sdk.executor import CollectingDispatcher

from actions.context import is_a_reason
from actions.forms import ActionStartTask, ValidateOrderLookupForm
from tests.support.action_testkit import make_tracker, slot_events

FORM = ValidateOrderLookupForm()


async def test_an_item_named_before_the_order_was_known_becomes_the_orders_item(
    domain, dispatcher, client
) -> None:
    """An item word given before the order was loaded ("후드티 반품 신청할게요 EF-100277") fills
    return_items as a word; once the guest is verified it is matched to the order's items (or
    asked again), never left as a word for the return to crash on."""
    base = {"pending_task": "return_item", "order_number": "EF-100003"}
    for word, expected, asked in [("mug", ["Stoneware mug"], "return_reason"),
                                  ("a sofa", None, "return_items")]:  # fmt: skip
        tracker = make_tracker(
            domain,
            active_loop="order_lookup_form",
            slots={**base, "return_items": word},
            candidates={"email": "alice@example.com"},
        )
        slots = slot_events(await FORM.run(dispatcher, tracker, domain))
        assert slots["customer_id"] == "C0001"
        found = slots["return_items"]
        assert ([i["name"] for i in found] if found else None) == expected
        assert slots["requested_slot"] == asked


async def test_an_order_named_in_a_message_that_fell_back_is_kept(domain) -> None:
    """ "EF-100008 is no longer needed, can you stop it" fell back; "stop the order from being
    sent" (cancel_order, no number) is about the same order: no "which order?"."""
    named = [{"entity": "order_number", "value": "EF-100008"}]
    earlier = [
        {
            "event": "user",
            "text": "EF-100008 is no longer needed, can you stop it",
            "parse_data": {"intent": {"name": "nlu_fallback"}, "entities": named},
        },
        {"event": "user", "text": "no", "parse_data": {"intent": {"name": "deny"}}},
    ]
    slots = {"customer_id": "C0002", "verified": True, "order_number": "EF-100008"}
    tracker = make_tracker(domain, intent="cancel_order", slots=slots, events=earlier)
    events = slot_events(await ActionStartTask().run(CollectingDispatcher(), tracker, domain))
    assert events["order_number"] == "EF-100008"
    understood = [{**earlier[0], "parse_data": {"intent": {"name": "order_status"}}}]
    tracker = make_tracker(domain, intent="cancel_order", slots=slots, events=understood)
    events = slot_events(await ActionStartTask().run(CollectingDispatcher(), tracker, domain))
    assert events["order_number"] is None  # a new request after an understood one: which order?


async def test_the_same_request_again_before_a_result_keeps_the_order(domain) -> None:
    """A verified guest's return was interrupted (a fallback inside the form); "I want to send
    it back" again is about the same order, not a new "which order?"."""
    slots = {"customer_id": "C0027", "verified": True, "order_number": "EF-100277",
             "pending_task": "return_item"}  # fmt: skip
    tracker = make_tracker(
        domain, intent="return_item", text="받은 상품 돌려보내고 싶어요", slots=slots
    )
    events = slot_events(await ActionStartTask().run(CollectingDispatcher(), tracker, domain))
    assert events["order_number"] == "EF-100277"
    done = {"task": "return_item", "status": "success", "order_number": "EF-100277"}
    tracker = make_tracker(
        domain,
        intent="return_item",
        text="I want to return something",
        slots={**slots, "task_result": done},
    )
    events = slot_events(await ActionStartTask().run(CollectingDispatcher(), tracker, domain))
    assert events["order_number"] is None


async def test_out_of_scope_answers_to_the_order_number_count_as_not_understood(
    domain, dispatcher, client
) -> None:
    """The form resumes after "I can only help with orders" (rule: out_of_scope during the
    lookup): that answer counts like one without a number; the second ends the lookup."""
    for attempts, ended in [(0.0, False), (1.0, True)]:
        tracker = make_tracker(
            domain,
            active_loop="order_lookup_form",
            intent="out_of_scope",
            text="wrong wrapping ribbon colour on my gift",
            slots={"requested_slot": "order_number", "lookup_attempts": attempts},
        )
        tracker.latest_action_name = "utter_out_of_scope"
        slots = slot_events(await FORM.run(dispatcher, tracker, domain))
        assert slots["lookup_attempts"] == attempts + 1
        assert (slots.get("lookup_error") == "not_understood") is ended
        assert slots["requested_slot"] == (None if ended else "order_number")


REASONS = [("not needed", "deny"), ("사이즈가 안 맞아요", "deny"), ("too small", "out_of_scope")]
NOT_REASONS = [("no", "deny"), ("No thanks.", "deny"), ("아니요", "deny"),
               ("a person", "request_human"), ('/inform{"reason": "x"}', "inform")]  # fmt: skip


def test_a_reason_is_a_reason_whatever_it_read_as() -> None:
    assert all(is_a_reason(said, intent) for said, intent in REASONS)
    assert not any(is_a_reason(said, intent) for said, intent in NOT_REASONS)


async def test_the_reason_question_takes_not_needed_as_the_reason(domain, dispatcher, client):
    """ "not needed" read as deny stopped the return ("No problem, I've stopped there")."""
    order = await client.get_order("EF-100003")
    snap = order.to_json()
    slots = {"customer_id": "C0001", "verified": True, "pending_task": "return_item",
             "order_number": "EF-100003", "order_snapshot": snap,
             "return_items": snap["items"][:1], "requested_slot": "return_reason"}  # fmt: skip
    tracker = make_tracker(
        domain, active_loop="order_lookup_form", intent="deny", text="not needed", slots=slots
    )
    events = slot_events(await FORM.run(dispatcher, tracker, domain))
    assert events["return_reason"] == "not needed" and events["requested_slot"] is None


async def test_the_only_order_the_customer_named_stays_in_focus_for_a_new_task(domain) -> None:
    """Carlos named EF-100013 for a refund, then asks how to send it back: not "which order?"
    again; with two orders named this session the customer picks one."""
    named = {"event": "user", "text": "money back for EF-100013", "parse_data": {
        "intent": {"name": "refund_request"},
        "entities": [{"entity": "order_number", "value": "EF-100013"}]}}  # fmt: skip
    slots = {"customer_id": "C0003", "verified": True, "order_number": "EF-100013",
             "pending_task": "refund_status"}  # fmt: skip
    said = "how do I send an item back to you"
    tracker = make_tracker(domain, intent="return_item", text=said, slots=slots, events=[named])
    events = slot_events(await ActionStartTask().run(CollectingDispatcher(), tracker, domain))
    assert events["order_number"] == "EF-100013"
    other = {**named, "parse_data": {**named["parse_data"], "entities": [
        {"entity": "order_number", "value": "EF-100003"}]}}  # fmt: skip
    tracker = make_tracker(
        domain, intent="return_item", text=said, slots=slots, events=[named, other]
    )
    events = slot_events(await ActionStartTask().run(CollectingDispatcher(), tracker, domain))
    assert events["order_number"] is None


async def test_two_orders_for_two_requests_each_keep_their_own(domain) -> None:
    """ "invoice for EF-100005 please, and where's EF-100001?": the slot took the last number, so
    the invoice of EF-100001 was sent. The first request gets the first order; the offered next
    request carries the second."""
    from actions.common import ask_anything_else

    text = "invoice for EF-100005 please, and where's EF-100001?"
    entities = [
        {"entity": "order_number", "value": "EF-100001", "start": 41},
        {"entity": "order_number", "value": "100005", "start": 15},
        {"entity": "order_number", "value": "EF-100005", "start": 12},
    ]
    slots = {"customer_id": "C0001", "verified": True, "order_number": "EF-100001"}
    tracker = make_tracker(domain, intent="get_invoice", text=text, entities=entities, slots=slots)
    events = slot_events(await ActionStartTask().run(CollectingDispatcher(), tracker, domain))
    assert events["order_number"] == "EF-100005"
    assert events["next_request"] == {"intent": "order_status", "order_number": "EF-100001"}
    dispatcher = CollectingDispatcher()
    ask_anything_else(dispatcher, make_tracker(domain, slots=events))
    [button] = dispatcher.messages[0]["buttons"]
    assert button["payload"] == '/order_status{"order_number":"EF-100001"}'
    # the form re-applies the slot Rasa extracted (the last number): it validates to the first
    tracker = make_tracker(
        domain,
        active_loop="order_lookup_form",
        intent="get_invoice",
        text=text,
        entities=entities,
        slots={**slots, "pending_task": "get_invoice"},
        candidates={"order_number": "EF-100001"},
    )
    slots = slot_events(await FORM.run(CollectingDispatcher(), tracker, domain))
    assert slots["order_number"] == "EF-100005"
