"""Queue ordering and estimates (plain async functions; callers own the session)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from handoff.config import Settings
from handoff.store import repositories as repo
from handoff.store.models import Handoff, User, utcnow
from handoff.values import Role

PRIORITY_WEIGHTS = {"complaint": 2, "repeat_contact": 1, "long_wait": 2}
COMPLAINT_INTENTS = ("complain", "complaint", "negative_feedback", "frustrated")


def initial_priority(*, reason: str, context: dict[str, Any]) -> tuple[int, list[str]]:
    reasons: list[str] = []
    intents = [str(i.get("intent") or "") for i in context.get("intents", [])]
    if reason == "negative_sentiment" or any(
        any(word in intent for word in COMPLAINT_INTENTS) for intent in intents
    ):
        reasons.append("complaint")
    if context.get("previous_conversations"):
        reasons.append("repeat_contact")
    return sum(PRIORITY_WEIGHTS[r] for r in reasons), reasons


def effective_priority(handoff: Handoff, *, now: datetime, long_wait_seconds: int) -> int:
    priority = handoff.priority
    if (now - handoff.requested_at).total_seconds() >= long_wait_seconds:
        priority += PRIORITY_WEIGHTS["long_wait"]
    return priority


def priority_reasons(handoff: Handoff, *, now: datetime, long_wait_seconds: int) -> list[str]:
    reasons = list(handoff.priority_reasons or [])
    if (now - handoff.requested_at).total_seconds() >= long_wait_seconds:
        reasons.append("long_wait")
    return reasons


def order_queue(
    handoffs: Sequence[Handoff], *, now: datetime, long_wait_seconds: int
) -> list[Handoff]:
    """Highest priority first (repeat contact, complaint, long wait), FIFO otherwise."""
    return sorted(
        handoffs,
        key=lambda h: (
            -effective_priority(h, now=now, long_wait_seconds=long_wait_seconds),
            h.requested_at,
            h.id,
        ),
    )


def can_serve(user: User, language: str) -> bool:
    languages = list(user.languages or [])
    return not languages or language in languages


async def routable_queue(
    *, session: AsyncSession, settings: Settings, user: User | None = None
) -> list[Handoff]:
    now = utcnow()
    queued = order_queue(
        await repo.queued_handoffs(session), now=now, long_wait_seconds=settings.long_wait_seconds
    )
    if user is None or user.role in (Role.SUPERVISOR, Role.ADMIN):
        return queued
    return [h for h in queued if can_serve(user, h.language)]


@dataclass(frozen=True)
class QueueInfo:
    position: int
    estimated_wait_seconds: int | None
    agents_online: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "position": self.position,
            "estimated_wait_seconds": self.estimated_wait_seconds,
            "agents_online": self.agents_online,
        }


async def agents_online(
    *, session: AsyncSession, settings: Settings, language: str | None = None
) -> list[User]:
    since = utcnow() - timedelta(seconds=settings.presence_ttl_seconds)
    users = await repo.online_agents(session, since=since)
    return [u for u in users if language is None or can_serve(u, language)]


async def average_handling_seconds(*, session: AsyncSession, settings: Settings) -> float:
    samples = await repo.recent_handling_seconds(session)
    if not samples:
        return float(settings.default_handle_seconds)
    return sum(samples) / len(samples)


async def queue_info(*, session: AsyncSession, settings: Settings, handoff: Handoff) -> QueueInfo:
    """Position among handoffs in the same language, and an honest wait estimate.

    Wait: if a free agent (online, nothing claimed) exists for this position, about a minute;
    otherwise whole "rounds" of the recent average handling time across the online agents.
    No agent online → no estimate (the customer is told to leave a message)."""
    now = utcnow()
    queued = order_queue(
        [h for h in await repo.queued_handoffs(session) if h.language == handoff.language],
        now=now,
        long_wait_seconds=settings.long_wait_seconds,
    )
    ids = [h.id for h in queued]
    position = ids.index(handoff.id) + 1 if handoff.id in ids else 1
    agents = await agents_online(session=session, settings=settings, language=handoff.language)
    if not agents:
        return QueueInfo(position=position, estimated_wait_seconds=None, agents_online=0)
    busy = await repo.claimed_counts(session)
    free = sum(1 for a in agents if busy.get(a.id, 0) == 0)
    if position <= free:
        return QueueInfo(position=position, estimated_wait_seconds=60, agents_online=len(agents))
    handle = await average_handling_seconds(session=session, settings=settings)
    rounds = math.ceil((position - free) / len(agents))
    return QueueInfo(
        position=position,
        estimated_wait_seconds=max(60, int(rounds * handle)),
        agents_online=len(agents),
    )
