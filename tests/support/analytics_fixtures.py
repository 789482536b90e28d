"""Test helpers: fixed clock, store rows for conversations, messages and handoffs."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from handoff.analytics.models import AnalyticsSession
from handoff.store.db import Database
from handoff.store.models import Conversation, Handoff, HandoffEvent, Message

T0 = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
NOW = T0 + timedelta(days=10)

os.environ.setdefault("HANDOFF_LOG_FORMAT", "text")


async def add_conversation(
    db: Database,
    cid: str,
    *,
    at: datetime,
    language: str = "en",
    customer_id: str | None = None,
    email: str | None = None,
    mode: str = "bot",
    messages: list[tuple[float, str]] | None = None,
) -> None:
    """A conversation with customer messages at `at + offset seconds`."""
    async with db.session() as session:
        session.add(
            Conversation(
                id=cid,
                customer_id=customer_id,
                email=email,
                language=language,
                channel="web",
                mode=mode,
                last_seq=len(messages or []),
                customer_present=True,
                created_at=at,
                updated_at=at + timedelta(seconds=max([o for o, _ in messages or []] + [0])),
            )
        )
        await session.flush()
        for seq, (offset, text) in enumerate(messages or [], start=1):
            session.add(
                Message(
                    conversation_id=cid,
                    seq=seq,
                    role="customer",
                    text=text,
                    payload={"text": text},
                    created_at=at + timedelta(seconds=offset),
                )
            )


async def add_handoff(
    db: Database,
    cid: str,
    *,
    reason: str,
    requested_at: datetime,
    claimed_after: float | None = None,
    closed_after: float | None = None,
    abandoned_after: float | None = None,
    agent_id: int | None = None,
    handed_back: bool = False,
) -> int:
    async with db.session() as session:
        claimed = requested_at + timedelta(seconds=claimed_after) if claimed_after else None
        closed = claimed + timedelta(seconds=closed_after) if claimed and closed_after else None
        status = ("handed_back" if handed_back else "resolved") if closed else None
        status = status or ("claimed" if claimed else "queued")
        handoff = Handoff(
            conversation_id=cid,
            status=status,
            reason=reason,
            language="en",
            priority=0,
            priority_reasons=[],
            summary="",
            context={},
            requested_at=requested_at,
            claimed_at=claimed,
            closed_at=closed,
            agent_id=agent_id if claimed else None,
        )
        session.add(handoff)
        await session.flush()
        events: list[tuple[str, datetime, dict[str, Any]]] = [
            ("requested", requested_at, {"reason": reason})
        ]
        if claimed:
            events.append(("claimed", claimed, {}))
        if closed:
            events.append(("handed_back" if handed_back else "resolved", closed, {"note": "done"}))
        if abandoned_after is not None:
            events.append(
                (
                    "abandoned",
                    requested_at + timedelta(seconds=abandoned_after),
                    {"explicit": False, "status": status},
                )
            )
        for kind, at, data in events:
            session.add(
                HandoffEvent(
                    handoff_id=handoff.id,
                    conversation_id=cid,
                    type=kind,
                    at=at,
                    data=data,
                    agent_id=agent_id if kind != "requested" else None,
                )
            )
        return int(handoff.id)


async def rows(db: Database) -> dict[str, AnalyticsSession]:
    async with db.session() as session:
        return {r.session_key: r for r in await session.scalars(select(AnalyticsSession))}


def dump(found: dict[str, AnalyticsSession]) -> list[dict[str, Any]]:
    cols = [c.name for c in AnalyticsSession.__table__.columns]
    return [{c: getattr(r, c) for c in cols} for _, r in sorted(found.items())]
