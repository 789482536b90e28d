"""Store access for analytics: raw events (deduplicated), conversation state, session rows."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import orjson
from sqlalchemy import (
    JSON,
    ColumnElement,
    String,
    Table,
    Text,
    bindparam,
    cast,
    func,
    insert,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from handoff.analytics.events import clean_event, event_key, timestamp
from handoff.analytics.models import AnalyticsConversationState, AnalyticsEvent
from handoff.store.models import utcnow


def dialect_insert(session: AsyncSession, table: Any) -> Any:
    """The dialect's INSERT (both support ON CONFLICT)."""
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    if dialect == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def _json(value: Any) -> str:
    return orjson.dumps(value, default=str, option=orjson.OPT_NON_STR_KEYS).decode()


def _dialect(session: AsyncSession) -> str:
    return session.bind.dialect.name if session.bind is not None else "sqlite"


def in_ids(session: AsyncSession, column: Any, ids: Sequence[str]) -> ColumnElement[bool]:
    """`column IN ids`; on PostgreSQL `column = ANY(:ids)` with one array parameter (the
    statement is compiled once instead of rendering hundreds of bound parameters)."""
    condition: ColumnElement[bool]  # `column` is any SQLAlchemy column (Any)
    if _dialect(session) == "postgresql":
        condition = column == func.any(
            bindparam("ids", list(ids), type_=postgresql.ARRAY(String), unique=True)
        )
    else:
        condition = column.in_(list(ids))
    return condition


async def bulk_insert(session: AsyncSession, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert many rows in one round trip: PostgreSQL's binary COPY (asyncpg), else a
    multi-row INSERT."""
    if not rows:
        return
    if _dialect(session) == "postgresql":
        columns = [c for c in table.columns if c.name in rows[0]]
        names = [c.name for c in columns]
        json_cols = {c.name for c in columns if isinstance(c.type, JSON)}
        records = [
            tuple(_json(row[name]) if name in json_cols else row[name] for name in names)
            for row in rows
        ]
        connection = await session.connection()
        raw = await connection.get_raw_connection()
        driver: Any = raw.driver_connection
        await driver.copy_records_to_table(table.name, records=records, columns=names)
        return
    for start in range(0, len(rows), 500):
        await session.execute(insert(table), list(rows[start : start + 500]))


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
        stmt = dialect_insert(session, AnalyticsEvent).on_conflict_do_nothing(
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
            in_ids(session, AnalyticsEvent.conversation_id, ids[start : start + 500])
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
        stmt = dialect_insert(session, AnalyticsConversationState)
        stmt = stmt.on_conflict_do_update(index_elements=["conversation_id"], set_={"dirty": True})
        await session.execute(stmt, chunk)


async def rows(session: AsyncSession, statement: Any) -> list[Any]:
    """Run a column SELECT on the session's connection (Core: no ORM result processing)."""
    connection = await session.connection()
    return list((await connection.execute(statement)).all())


LOAD_EVENTS_PG = (
    "SELECT conversation_id, json_agg(data ORDER BY timestamp, id)::text "
    "FROM analytics_events WHERE conversation_id = ANY($1::text[]) GROUP BY conversation_id"
)


async def load_events(
    session: AsyncSession, conversation_ids: Sequence[str]
) -> dict[str, list[dict[str, Any]]]:
    """Each conversation's stored events in order. PostgreSQL: one JSON array per
    conversation, aggregated by the server and decoded at once (the hot path of a large
    computation)."""
    result: dict[str, list[dict[str, Any]]] = {cid: [] for cid in conversation_ids}
    if _dialect(session) == "postgresql":
        connection = await session.connection()
        raw = await connection.get_raw_connection()
        driver: Any = raw.driver_connection
        for cid, data in await driver.fetch(LOAD_EVENTS_PG, list(conversation_ids)):
            result[cid] = orjson.loads(data)
        return result
    rows = await session.execute(
        select(AnalyticsEvent.conversation_id, cast(AnalyticsEvent.data, Text))
        .where(in_ids(session, AnalyticsEvent.conversation_id, conversation_ids))
        .order_by(AnalyticsEvent.conversation_id, AnalyticsEvent.timestamp, AnalyticsEvent.id)
    )
    for cid, data in rows:  # decoded here with orjson: the hot path of a large compute
        result[cid].append(orjson.loads(data))
    return result


async def event_counts(session: AsyncSession) -> int:
    return int((await session.execute(select(func.count(AnalyticsEvent.id)))).scalar_one())
