"""Store access for analytics: raw events (deduplicated), conversation state, session rows."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from handoff.analytics.events import clean_event, event_key, timestamp
from handoff.analytics.models import AnalyticsConversationState, AnalyticsEvent
from handoff.store.models import utcnow


def _insert(session: AsyncSession, table: Any) -> Any:
    """The dialect's INSERT (both support ON CONFLICT)."""
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    if dialect == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


async def store_events(
    session: AsyncSession,
    events_by_conversation: Mapping[str, Sequence[dict[str, Any]]],
    source: str,
) -> int:
    """Insert events not stored yet; mark their conversations dirty. Returns rows inserted."""
    rows: list[dict[str, Any]] = []
    now = utcnow()
    for cid, events in events_by_conversation.items():
        for raw in events:
            event = clean_event(raw)
            rows.append(
                {
                    "conversation_id": cid[:64],
                    "event_key": event_key(event),
                    "event": str(event.get("event"))[:40],
                    "timestamp": timestamp(event),
                    "data": event,
                    "source": source,
                    "received_at": now,
                }
            )
    ids = sorted({r["conversation_id"] for r in rows})
    before = await _count(session, ids)
    for start in range(0, len(rows), 500):
        stmt = _insert(session, AnalyticsEvent).on_conflict_do_nothing(
            index_elements=["conversation_id", "event_key"]
        )
        await session.execute(stmt, rows[start : start + 500])
    inserted = await _count(session, ids) - before
    if rows:
        await mark_dirty(session, {r["conversation_id"] for r in rows})
    return inserted


async def _count(session: AsyncSession, ids: Sequence[str]) -> int:
    total = 0
    for start in range(0, len(ids), 500):
        query = select(func.count(AnalyticsEvent.id)).where(
            AnalyticsEvent.conversation_id.in_(ids[start : start + 500])
        )
        total += int((await session.execute(query)).scalar_one())
    return total


async def mark_dirty(session: AsyncSession, conversation_ids: Iterable[str]) -> None:
    ids = sorted(set(conversation_ids))
    for start in range(0, len(ids), 500):
        chunk = [
            {
                "conversation_id": cid,
                "dirty": True,
                "has_open": False,
                "seen_events": 0,
                "seen_handoff_event_id": 0,
            }
            for cid in ids[start : start + 500]
        ]
        stmt = _insert(session, AnalyticsConversationState)
        stmt = stmt.on_conflict_do_update(index_elements=["conversation_id"], set_={"dirty": True})
        await session.execute(stmt, chunk)


async def load_events(
    session: AsyncSession, conversation_ids: Sequence[str]
) -> dict[str, list[dict[str, Any]]]:
    result: dict[str, list[dict[str, Any]]] = {cid: [] for cid in conversation_ids}
    rows = await session.execute(
        select(AnalyticsEvent.conversation_id, AnalyticsEvent.data)
        .where(AnalyticsEvent.conversation_id.in_(conversation_ids))
        .order_by(AnalyticsEvent.conversation_id, AnalyticsEvent.timestamp, AnalyticsEvent.id)
    )
    for cid, data in rows:
        result[cid].append(data)
    return result


async def event_counts(session: AsyncSession) -> int:
    return int((await session.execute(select(func.count(AnalyticsEvent.id)))).scalar_one())
