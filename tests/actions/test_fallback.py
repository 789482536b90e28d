"""The one-click fallback: the likeliest requests as buttons, plus Something else."""

from __future__ import annotations

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.fallback import SOMETHING_ELSE, ActionFallbackOptions, ActionTakeFirstChoice
from actions.session import ActionCheckCes
from catalogue.vocabulary import REPLAYED_FLAG
from tests.support.action_testkit import make_tracker


def tracker_with_ranking(domain, ranking: list[tuple[str, float]], language: str = "en") -> Tracker:
    tracker = make_tracker(domain, intent="nlu_fallback", slots={"language": language})
    tracker.latest_message["intent_ranking"] = [
        {"name": "nlu_fallback", "confidence": 1.0},
        *({"name": n, "confidence": c} for n, c in ranking),
    ]
    return tracker


async def test_below_threshold_offers_the_likeliest_requests_in_plain_words(domain) -> None:
    dispatcher = CollectingDispatcher()
    tracker = tracker_with_ranking(
        domain,
        [
            ("refund_status", 0.41),
            ("affirm", 0.2),
            ("refund_request", 0.3),
            ("return_item", 0.1),
            ("get_invoice", 0.06),
        ],
    )
    assert await ActionFallbackOptions().run(dispatcher, tracker, domain) == []
    [message] = dispatcher.messages
    assert "didn't quite get that" in message["text"]
    payloads = [b["payload"] for b in message["buttons"]]
    assert payloads == ["/refund_status", "/refund_request", "/return_item", SOMETHING_ELSE]
    titles = [b["title"] for b in message["buttons"]]
    assert titles[0] == "Where is my refund?" and titles[-1] == "Something else"


async def test_korean_labels_and_no_guess_when_nothing_is_likely(domain) -> None:
    dispatcher = CollectingDispatcher()
    tracker = tracker_with_ranking(domain, [("order_status", 0.5), ("cancel_order", 0.3)], "ko")
    await ActionFallbackOptions().run(dispatcher, tracker, domain)
    assert dispatcher.messages[0]["buttons"][0]["title"] == "주문이 어디 있나요?"
    dispatcher = CollectingDispatcher()
    tracker = tracker_with_ranking(domain, [("greet", 0.6), ("order_status", 0.01)])
    await ActionFallbackOptions().run(dispatcher, tracker, domain)
    assert dispatcher.messages[0]["response"] == "utter_default"
    assert not dispatcher.messages[0]["buttons"]


async def test_no_ces_after_gibberish_or_out_of_scope_alone(domain) -> None:
    events = [
        {"event": "user", "text": "asdf", "parse_data": {"intent": {"name": "nlu_fallback"}}},
        {"event": "user", "text": "weather?", "parse_data": {"intent": {"name": "out_of_scope"}}},
    ]
    tracker = make_tracker(domain, intent="goodbye", events=events)
    events_out = await ActionCheckCes().run(CollectingDispatcher(), tracker, domain)
    assert {"event": "slot", "name": "pending_question", "value": "ces"} not in [
        dict(e) for e in events_out
    ]


def fallen_back(text: str, ranking: list[tuple[str, float]], entities=None) -> dict:
    return {
        "event": "user",
        "text": text,
        "input_channel": "rest",
        "metadata": {"handoff_message_id": 1},
        "parse_data": {
            "intent": {"name": "nlu_fallback", "confidence": 1.0},
            "intent_ranking": [
                {"name": "nlu_fallback", "confidence": 1.0},
                *({"name": n, "confidence": c} for n, c in ranking),
            ],
            "entities": entities or [],
        },
    }


async def test_yes_to_the_options_replays_the_message_with_the_first_choice(domain) -> None:
    """Rasa's two-stage fallback: the "yes" is reverted, the customer's own message replayed
    with the likeliest intent, its order number kept, marked so it is not a turn of its own."""
    entity = {"entity": "order_number", "value": "EF-100008", "start": 22, "end": 31}
    earlier = [
        fallen_back(
            "I'd like to abort order EF-100008",
            [("cancel_order", 0.5), ("order_status", 0.2)],
            [entity],
        ),
        {"event": "action", "name": "action_fallback_options"},
        {"event": "action", "name": "action_listen"},
    ]
    tracker = make_tracker(domain, intent="affirm", text="yes please", events=earlier)
    tracker.events[-1]["metadata"] = {"handoff_message_id": 2, "language": "en"}
    dispatcher = CollectingDispatcher()
    rewind, listen, replay = await ActionTakeFirstChoice().run(dispatcher, tracker, domain)
    assert dispatcher.messages == []
    assert rewind["event"] == "rewind" and listen == {**listen, "name": "action_listen"}
    assert replay["event"] == "user" and replay["text"] == "I'd like to abort order EF-100008"
    assert replay["parse_data"]["intent"] == {"name": "cancel_order", "confidence": 1.0}
    assert replay["parse_data"]["entities"] == [entity]
    assert replay["metadata"] == {"handoff_message_id": 2, "language": "en", REPLAYED_FLAG: True}


async def test_yes_without_offered_options_asks_to_rephrase(domain) -> None:
    earlier = [fallen_back("hmm", [("greet", 0.6)]), {"event": "action", "name": "action_listen"}]
    tracker = make_tracker(domain, intent="affirm", text="yes", events=earlier)
    dispatcher = CollectingDispatcher()
    assert await ActionTakeFirstChoice().run(dispatcher, tracker, domain) == []
    assert dispatcher.messages[0]["response"] == "utter_default"


async def test_a_reverted_message_is_not_taken_for_the_fallen_back_one(domain) -> None:
    earlier = [
        fallen_back("abort EF-100008", [("cancel_order", 0.5), ("order_status", 0.2)]),
        {"event": "action", "name": "action_fallback_options"},
        {"event": "user", "text": "yes", "parse_data": {"intent": {"name": "affirm"}}},
        {"event": "rewind"},
    ]
    tracker = make_tracker(domain, intent="affirm", text="yes", events=earlier)
    events = await ActionTakeFirstChoice().run(CollectingDispatcher(), tracker, domain)
    assert events[-1]["text"] == "abort EF-100008"


async def test_a_request_for_a_person_in_a_message_that_fell_back_hands_over(domain) -> None:
    said = "it went to the wrong depot twice, I'm tired of it. Can I speak to a real person?"
    tracker = tracker_with_ranking(domain, [("order_status", 0.4), ("complaint", 0.3)])
    tracker.latest_message["text"] = said
    dispatcher = CollectingDispatcher()
    events = await ActionFallbackOptions().run(dispatcher, tracker, domain)
    assert dispatcher.messages[0]["response"] == "utter_handoff_request"
    assert dispatcher.messages[1]["custom"]["handoff"]["reason"] == "customer_request"
    assert {"event": "pause", "timestamp": None} in [dict(e) for e in events]


async def test_an_address_in_a_message_that_fell_back_changes_the_address(domain) -> None:
    said = "please send EF-100002 to Gartenstraße 8, 10115 Berlin instead"
    entity = {"entity": "order_number", "value": "EF-100002", "start": 12, "end": 21}
    tracker = make_tracker(domain, intent="nlu_fallback", text=said, entities=[entity])
    dispatcher = CollectingDispatcher()
    rewind, _, replay = await ActionFallbackOptions().run(dispatcher, tracker, domain)
    assert dispatcher.messages == [] and rewind["event"] == "rewind"
    assert replay["text"] == said and replay["parse_data"]["entities"] == [entity]
    assert replay["parse_data"]["intent"] == {"name": "change_address", "confidence": 1.0}
    # no address in it: the options as before
    tracker = tracker_with_ranking(domain, [("order_status", 0.4), ("complaint", 0.3)])
    tracker.latest_message["text"] = "the parcel thing from before, again"
    assert await ActionFallbackOptions().run(dispatcher, tracker, domain) == []


@pytest.mark.parametrize(
    ("question", "ranking", "answer"),
    [
        ("utter_confirm_task", [("cancel_order", 0.45), ("affirm", 0.3)], "affirm"),
        ("utter_confirm_task", [("deny", 0.5), ("affirm", 0.1)], "deny"),
        ("utter_anything_else", [("affirm", 0.4), ("greet", 0.1)], "affirm"),
        ("utter_anything_else", [("cancel_order", 0.45), ("affirm", 0.3)], None),
        ("utter_ask_order_number", [("affirm", 0.5), ("deny", 0.2)], None),
        ("utter_confirm_task", [("affirm", 0.1), ("deny", 0.05)], None),
    ],
)
async def test_a_message_that_fell_back_at_a_yes_no_question_is_read_as_its_answer(
    domain, question: str, ranking: list[tuple[str, float]], answer: str | None
) -> None:
    """ "sure thing, cancel it" at "Shall I go ahead?" fell back, then fell back again and went to
    a person: at a yes/no question the likeliest yes/no reading (or the task itself at the
    confirmation) is replayed as that answer."""
    said = "sure thing, cancel it"
    earlier = [{"event": "action", "name": question}, {"event": "action", "name": "action_listen"}]
    tracker = tracker_with_ranking(domain, ranking)
    tracker.events[:0] = earlier
    tracker.events[-1].update(text=said, metadata={"handoff_message_id": 5})
    tracker.latest_message["text"] = said
    tracker.slots["pending_task"] = "cancel_order"
    dispatcher = CollectingDispatcher()
    events = await ActionFallbackOptions().run(dispatcher, tracker, domain)
    if answer is None:
        assert events == [] and dispatcher.messages
        return
    assert dispatcher.messages == []
    rewind, listen, again = events
    assert rewind["event"] == "rewind" and listen["name"] == "action_listen"
    assert again["text"] == said and again["parse_data"]["intent"]["name"] == answer
    assert again["metadata"] == {"handoff_message_id": 5, REPLAYED_FLAG: True}


async def test_two_requests_in_a_message_that_fell_back_start_with_the_likelier(domain) -> None:
    said = "can I get the receipt for EF-100003, and can the mug from it still go back?"
    tracker = tracker_with_ranking(
        domain, [("refund_request", 0.32), ("get_invoice", 0.26), ("return_item", 0.25)]
    )
    tracker.latest_message["text"] = said
    tracker.events.append({"event": "user", "text": said, "parse_data": tracker.latest_message})
    dispatcher = CollectingDispatcher()
    rewind, _, replay = await ActionFallbackOptions().run(dispatcher, tracker, domain)
    assert dispatcher.messages == [] and rewind["event"] == "rewind"
    assert replay["text"] == said
    assert replay["parse_data"]["intent"] == {"name": "get_invoice", "confidence": 1.0}


async def test_one_request_word_alone_still_gets_the_options(domain) -> None:
    tracker = tracker_with_ranking(domain, [("get_invoice", 0.4), ("refund_request", 0.3)])
    tracker.latest_message["text"] = "that receipt thing from before"
    tracker.events.append({"event": "user", "text": "x", "parse_data": tracker.latest_message})
    dispatcher = CollectingDispatcher()
    assert await ActionFallbackOptions().run(dispatcher, tracker, domain) == []
    assert dispatcher.messages[0]["buttons"]
