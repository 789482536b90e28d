"""Small readers of Rasa tracker events (handoff.analytics.events)."""

from __future__ import annotations

from catalogue.vocabulary import REPLAYED_FLAG
from handoff.analytics.events import is_customer_turn


def user(intent: str, **metadata: object) -> dict[str, object]:
    return {"event": "user", "parse_data": {"intent": {"name": intent}}, "metadata": metadata}


def test_a_replayed_fallback_message_is_not_a_customer_turn() -> None:
    """The one-click fallback replays the customer's message with the guessed intent after a
    "yes": the customer wrote two messages (the one that fell back and the "yes"), not three."""
    assert is_customer_turn(user("nlu_fallback"))
    assert is_customer_turn(user("affirm"))
    assert not is_customer_turn(user("cancel_order", **{REPLAYED_FLAG: True}))
    assert not is_customer_turn(user("ces"))
