"""bench.client.unanswered: the customer messages nothing answers before the next one."""

from __future__ import annotations

from typing import Any

from bench.client import unanswered
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
