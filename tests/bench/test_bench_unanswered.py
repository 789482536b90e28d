"""bench.client.unanswered: the customer messages nothing answers before the next one."""

from __future__ import annotations

from typing import Any

import httpx

from bench.client import processed_twice, unanswered
from bench.prod.drive import is_answer


def _m(role: str, text: str, event: str | None = None) -> dict[str, Any]:
    return {"role": role, "text": text, "custom": {"event": event} if event else {}}


def test_only_messages_without_an_answer_before_the_next_customer_message() -> None:
    history = [
        _m("customer", "a"),
        _m("bot", "answer to a"),
        _m("customer", "b"),
        _m("system", "hold on", event="still_checking"),
        _m("customer", "c"),
        _m("agent", "answer to c"),
        _m("customer", "d"),
    ]
    assert [m["text"] for m in unanswered(history, is_answer)] == ["b", "d"]
    assert [m["text"] for m in unanswered(history, lambda m: False)] == ["a", "b", "c", "d"]


async def test_processed_twice_counts_repeated_handoff_messages_in_the_tracker() -> None:
    events = [
        {"event": "user", "metadata": {"handoff_message_id": 1}},
        {"event": "user", "metadata": {"handoff_message_id": 1}},
        {"event": "user", "metadata": {"handoff_message_id": 2}},
        {"event": "user", "metadata": {}},
        {"event": "user"},
        {"event": "bot", "metadata": {"handoff_message_id": 2}},
    ]

    def tracker(request: httpx.Request) -> httpx.Response:
        if request.url.params.get("token") != "t":
            return httpx.Response(401)
        return httpx.Response(200, json={"events": events})

    transport = httpx.MockTransport(tracker)
    async with httpx.AsyncClient(transport=transport, base_url="http://rasa") as rasa:
        assert await processed_twice(rasa, "c1", "t") == 1
        assert await processed_twice(rasa, "c1", "wrong") == 0
