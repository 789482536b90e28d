"""Fills an analytics database for the scale benchmark (bench/analytics_scale.py): N synthetic
sessions as Rasa-format events in the raw event table (as the broker consumer stores them) plus
the service's own rows, and on PostgreSQL a server-side copy of the computed log up to a target
count."""

from __future__ import annotations

import time
from typing import cast

from sqlalchemy import Table, text

from bench.analytics_data import Batch, Generator, agent_rows
from handoff.analytics.models import AnalyticsConversationState, AnalyticsEvent
from handoff.analytics.store import bulk_insert
from handoff.store.db import Database
from handoff.store.models import CesRating, Conversation, Handoff, HandoffEvent, Message, User

TABLES = (  # flushed in this order (foreign keys)
    ("conversations", Conversation),
    ("handoffs", Handoff),
    ("handoff_events", HandoffEvent),
    ("messages", Message),
    ("ratings", CesRating),
    ("events", AnalyticsEvent),
    ("states", AnalyticsConversationState),
)


async def _flush(db: Database, batch: Batch) -> None:
    """Bulk insert every table of the batch (PostgreSQL: binary COPY) in one transaction."""
    async with db.session() as session:
        await session.execute(text("SELECT 1"))
        for name, model in TABLES:
            await bulk_insert(session, cast(Table, model.__table__), getattr(batch, name))


async def generate(db: Database, sessions: int, seed: int = 7) -> float:
    """Write `sessions` synthetic sessions (raw events, conversations, handoffs, messages,
    ratings; see bench/analytics_data.py), then ANALYZE."""
    gen = Generator(seed, sessions)
    started = time.perf_counter()
    async with db.session() as session:
        await bulk_insert(session, cast(Table, User.__table__), agent_rows())
    batch = Batch()
    conv = made = 0
    while made < sessions:
        conv += 1
        n = min(1 if gen.rng.random() < 0.8 else 2, sessions - made)
        gen.conversation(batch, conv, n)
        made += n
        if len(batch.events) > 50000:
            await _flush(db, batch)
            batch = Batch()
    await _flush(db, batch)
    if db.engine.dialect.name == "postgresql":
        async with db.engine.connect() as conn:
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            for table in ("users", "handoffs", "handoff_events"):
                await conn.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT max(id) FROM {table}))"
                    )
                )
            await conn.execute(text("ANALYZE"))
    return time.perf_counter() - started


async def count_sessions(db: Database) -> int:
    async with db.engine.connect() as conn:
        return int(
            (await conn.execute(text("SELECT count(*) FROM analytics_sessions"))).scalar_one()
        )


async def computed_mix(db: Database) -> dict[str, int]:
    """Sessions per outcome, and how many had an agent (the generated mix, as computed)."""
    async with db.engine.connect() as conn:
        rows = await conn.execute(
            text("SELECT outcome, count(*) FROM analytics_sessions GROUP BY outcome")
        )
        mix = {str(k): int(v) for k, v in rows}
        for label, where in (
            ("with_agent", "agent_id IS NOT NULL"),
            ("abandoned_in_queue", "abandoned_in_queue"),
        ):
            count = await conn.execute(
                text(f"SELECT count(*) FROM analytics_sessions WHERE {where}")
            )
            mix[label] = int(count.scalar_one())
        return mix


async def replicate(db: Database, target: int) -> float:
    """PostgreSQL: copy the computed log (sessions and utterances) server-side, shifted by whole
    days within the 60-day span, until `target` sessions are stored (the dashboard at scale
    without generating and computing every one of them in Python)."""
    started = time.perf_counter()
    async with db.engine.begin() as conn:
        have = int(
            (await conn.execute(text("SELECT count(*) FROM analytics_sessions"))).scalar_one()
        )
        copies = max(0, -(-target // max(have, 1)) - 1)
        if copies == 0:
            return 0.0
        cols = [
            c
            for c in (
                await conn.execute(
                    text(
                        "SELECT column_name FROM information_schema.columns "
                        "WHERE table_name = 'analytics_sessions' AND column_name <> 'id' "
                        "ORDER BY ordinal_position"
                    )
                )
            ).scalars()
        ]
        shifted = {
            "session_key": "session_key || '-r' || g",
            "conversation_id": "conversation_id || '-r' || g",
            "day": "to_char((day::date - (g % 60)), 'YYYY-MM-DD')",
            "started_at": "started_at - make_interval(days => g % 60)",
            "ended_at": "ended_at - make_interval(days => g % 60)",
        }
        select_cols = ", ".join(shifted.get(c, c) for c in cols)
        await conn.execute(
            text(
                f"INSERT INTO analytics_sessions ({', '.join(cols)}) "
                f"SELECT {select_cols} FROM analytics_sessions "
                f"CROSS JOIN generate_series(1, {copies}) AS g"
            )
        )
        ucols = [
            c
            for c in (
                await conn.execute(
                    text(
                        "SELECT column_name FROM information_schema.columns "
                        "WHERE table_name = 'analytics_utterances' AND column_name <> 'id' "
                        "ORDER BY ordinal_position"
                    )
                )
            ).scalars()
        ]
        ushift = {
            "session_key": "session_key || '-r' || g",
            "conversation_id": "conversation_id || '-r' || g",
            "day": "to_char((day::date - (g % 60)), 'YYYY-MM-DD')",
            "at": "at - make_interval(days => g % 60)",
        }
        await conn.execute(
            text(
                f"INSERT INTO analytics_utterances ({', '.join(ucols)}) "
                f"SELECT {', '.join(ushift.get(c, c) for c in ucols)} FROM analytics_utterances "
                f"CROSS JOIN generate_series(1, {copies}) AS g"
            )
        )
        await conn.execute(
            text(
                f"DELETE FROM analytics_sessions WHERE id IN (SELECT id FROM analytics_sessions "
                f"ORDER BY id DESC LIMIT (SELECT greatest(count(*) - {target}, 0) "
                f"FROM analytics_sessions))"
            )
        )
    return time.perf_counter() - started
