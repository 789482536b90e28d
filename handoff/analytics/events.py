"""Rasa tracker events: keys for deduplication, session splitting, small readers."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from catalogue.vocabulary import CES_INTENT, FALLBACK_INTENT, REPLAYED_FLAG

# User events that are not customer requests at all (button answers, external triggers).
NOT_CUSTOMER_INTENTS = frozenset({CES_INTENT})


def event_key(event: dict[str, Any]) -> str:
    """Stable identity of an event (the broker adds `sender_id`; the tracker API does not)."""
    data = {k: v for k, v in event.items() if k != "sender_id"}
    raw = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha1(raw.encode("utf-8")).hexdigest()


def clean_event(event: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in event.items() if k != "sender_id"}


def timestamp(event: dict[str, Any]) -> float:
    value = event.get("timestamp")
    return float(value) if isinstance(value, (int, float)) else 0.0


def is_customer_turn(event: dict[str, Any]) -> bool:
    if event.get("event") != "user" or (event.get("metadata") or {}).get(REPLAYED_FLAG):
        return False  # a replay is the customer's earlier message again, not a new turn
    name = intent_of(event)
    return not (name in NOT_CUSTOMER_INTENTS or (name or "").startswith("EXTERNAL_"))


def intent_of(event: dict[str, Any]) -> str | None:
    intent = (event.get("parse_data") or {}).get("intent") or {}
    name = intent.get("name")
    return name if isinstance(name, str) else None


def confidence_of(event: dict[str, Any]) -> float | None:
    intent = (event.get("parse_data") or {}).get("intent") or {}
    value = intent.get("confidence")
    return float(value) if isinstance(value, (int, float)) else None


def likely_intent(event: dict[str, Any]) -> str | None:
    """The most likely real intent: the top one, or the best runner-up of `nlu_fallback`."""
    name = intent_of(event)
    if name and name != FALLBACK_INTENT:
        return name
    ranking = (event.get("parse_data") or {}).get("intent_ranking") or []
    for entry in ranking:
        if isinstance(entry, dict) and entry.get("name") not in (None, FALLBACK_INTENT):
            return str(entry["name"])
    return None


@dataclass
class RasaSession:
    index: int
    events: list[dict[str, Any]] = field(default_factory=list)

    @property
    def start(self) -> float:
        return timestamp(self.events[0]) if self.events else 0.0

    @property
    def end(self) -> float:
        return max((timestamp(e) for e in self.events), default=0.0)


def split_sessions(events: list[dict[str, Any]]) -> list[RasaSession]:
    """Split a conversation's events at `session_started`. Events before the first
    `session_started` form session 0 only if they contain a customer message."""
    sessions: list[RasaSession] = []
    current = RasaSession(index=0)
    for event in events:
        if event.get("event") == "session_started":
            if current.events and any(e.get("event") == "user" for e in current.events):
                sessions.append(current)
            current = RasaSession(index=len(sessions), events=[event])
            continue
        if event.get("event") == "action" and event.get("name") == "action_session_start":
            # belongs to the session it starts; Rasa logs it just before `session_started`
            if current.events and any(e.get("event") == "user" for e in current.events):
                sessions.append(current)
                current = RasaSession(index=len(sessions))
            current.events.append(event)
            continue
        current.events.append(event)
    if current.events and any(e.get("event") == "user" for e in current.events):
        sessions.append(current)
    for position, session in enumerate(sessions):
        session.index = position
    return sessions
