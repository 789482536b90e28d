"""The inputs of one session's analysis (analysis.analyse), built by analytics/inputs.py."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from handoff.analytics.events import RasaSession


@dataclass(frozen=True)
class ConversationInfo:
    conversation_id: str
    language: str = "en"
    channel: str = "web"
    customer_id: str | None = None  # set by the shop when the customer is signed in
    email: str | None = None
    mode: str = "bot"
    left_at: datetime | None = None  # the customer ended the chat / left the page


@dataclass(frozen=True)
class HandoffInfo:
    id: int
    reason: str
    status: str
    requested_at: datetime
    claimed_at: datetime | None = None
    closed_at: datetime | None = None
    abandoned_at: datetime | None = None  # customer left while queued/claimed
    abandoned_status: str | None = None
    language: str | None = None  # the queue it was routed through (the agents' team)
    agent_id: int | None = None  # the agent holding it last
    first_agent_id: int | None = None  # the first agent who claimed it
    transfers: int = 0
    first_claimed_at: datetime | None = None
    first_agent_message_at: datetime | None = None


@dataclass(frozen=True)
class CustomerMessage:
    at: datetime
    text: str | None


@dataclass(frozen=True)
class Rules:
    inactivity_seconds: float = 1800.0
    low_confidence: float = 0.5


@dataclass
class Turn:
    event: dict[str, Any]
    intent: str | None
    fallback: bool = False
    low_confidence: bool = False


@dataclass
class SessionInput:
    conversation: ConversationInfo
    session: RasaSession | None
    start: float
    next_start: float | None
    handoffs: list[HandoffInfo] = field(default_factory=list)
    customer_messages: list[CustomerMessage] = field(default_factory=list)
    key_suffix: str | None = None
    # CES answers the handoff service recorded (table ces_ratings): (answered, score,
    # handoff id, after = "agent" | "bot")
    ratings: list[tuple[datetime, int, int | None, str]] = field(default_factory=list)
