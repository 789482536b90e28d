"""The service's state values, in one place: stored as plain strings (the columns are text), so
each enum member equals its string (`Mode.BOT == "bot"`)."""

from __future__ import annotations

from enum import StrEnum


class Mode(StrEnum):
    """Who answers a conversation now."""

    BOT = "bot"
    QUEUED = "queued"  # waiting for an agent
    AGENT = "agent"
    CLOSED = "closed"  # resolved or abandoned; a new customer message reopens it in bot mode


class HandoffStatus(StrEnum):
    QUEUED = "queued"
    CLAIMED = "claimed"
    RESOLVED = "resolved"
    HANDED_BACK = "handed_back"
    ABANDONED = "abandoned"


OPEN_STATUSES = (HandoffStatus.QUEUED, HandoffStatus.CLAIMED)
CLOSED_STATUSES = (HandoffStatus.RESOLVED, HandoffStatus.HANDED_BACK, HandoffStatus.ABANDONED)


class HandoffEventType(StrEnum):
    """`HandoffEvent.type`: what happened to a handoff (its history, read by the analytics)."""

    REQUESTED = "requested"
    CLAIMED = "claimed"
    TRANSFERRED = "transferred"
    RELEASED = "released"  # back to the queue: its agent signed out
    RESOLVED = "resolved"
    HANDED_BACK = "handed_back"
    ABANDONED = "abandoned"  # the customer left while it was open


class BotStatus(StrEnum):
    """A customer message's bot turn (handoff.gateway.turns)."""

    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"


class Sender(StrEnum):
    """`Message.role`: who wrote a message."""

    CUSTOMER = "customer"
    BOT = "bot"
    AGENT = "agent"
    SYSTEM = "system"


class Role(StrEnum):
    """An agent console account's role (docs/handoff.md, "Roles")."""

    AGENT = "agent"
    SUPERVISOR = "supervisor"
    ANALYST = "analyst"
    ADMIN = "admin"
