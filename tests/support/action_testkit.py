"""Helpers shared by the action tests: trackers as the action server receives them."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher


def user_event(intent: str, text: str = "", entities: list[dict[str, Any]] | None = None) -> dict:
    return {
        "event": "user",
        "text": text,
        "parse_data": {"intent": {"name": intent, "confidence": 1.0}, "entities": entities or []},
    }


def make_tracker(
    domain: dict[str, Any],
    *,
    slots: dict[str, Any] | None = None,
    intent: str = "order_status",
    text: str = "",
    entities: list[dict[str, Any]] | None = None,
    events: list[dict[str, Any]] | None = None,
    candidates: dict[str, Any] | None = None,
    active_loop: str | None = None,
    metadata: dict[str, Any] | None = None,
) -> Tracker:
    """A tracker as the action server receives it.

    `candidates` are slot values extracted from the latest message (SlotSet events after the
    last user event: what a form validation action validates).
    """
    values = {name: spec.get("initial_value") for name, spec in domain.get("slots", {}).items()}
    values.update(slots or {})
    values.update(candidates or {})
    history = list(events or [])
    history.append(user_event(intent, text, entities))
    history += [{"event": "slot", "name": k, "value": v} for k, v in (candidates or {}).items()]
    return Tracker(
        sender_id="test-conversation",
        slots=values,
        latest_message={
            "intent": {"name": intent, "confidence": 1.0},
            "entities": entities or [],
            "text": text,
            "metadata": metadata or {},
        },
        events=history,
        paused=False,
        followup_action=None,
        active_loop={"name": active_loop} if active_loop else {},
        latest_action_name="action_listen",
    )


def slot_events(events: list[dict[str, Any]]) -> dict[str, Any]:
    """The final value of every slot the events set."""
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def texts(dispatcher: CollectingDispatcher) -> str:
    return "\n".join(m.get("text") or "" for m in dispatcher.messages)


ALICE = {"customer_id": "C0001", "verified": True}
MINJI = {"customer_id": "C0002", "verified": True}
