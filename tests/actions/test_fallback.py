"""The one-click fallback: the likeliest requests as buttons, plus Something else."""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.fallback import SOMETHING_ELSE, ActionFallbackOptions
from actions.session import ActionCheckCes
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
