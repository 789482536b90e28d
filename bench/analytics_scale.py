"""Analytics at scale: generate N synthetic sessions (Rasa-format events in the raw event
table, as the broker consumer stores them), time the containment-log computation, then time
every dashboard query with several filter sets.

    .venv/bin/python -m bench.analytics_scale --sessions 100000 --backend sqlite
    .venv/bin/python -m bench.analytics_scale --sessions 100000 --backend postgres

PostgreSQL uses a fresh database on TEST_POSTGRES_URL's server (dropped afterwards).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import random
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from handoff.analytics import daily
from handoff.analytics.analysis import Rules
from handoff.analytics.events import event_key
from handoff.analytics.models import AnalyticsConversationState, AnalyticsEvent
from handoff.analytics.pipeline import compute
from handoff.analytics.queries import Filters, agents, dashboard
from handoff.analytics.sources import BrokerSource
from handoff.analytics.store import bulk_insert
from handoff.store.db import Database
from handoff.store.migrate import upgrade

log = logging.getLogger("bench.analytics_scale")
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
TASKS = ["order_status", "cancel_order", "change_address", "return_item", "refund_status"]
INFO = ["refund_policy", "payment_methods", "delivery_options", "reset_password"]
CODES = ["already_shipped", "return_window_expired", "already_packed", "not_invoiced"]


def _user(ts: float, text: str, intent: str, conf: float) -> dict[str, Any]:
    ranking = [{"name": intent, "confidence": conf}]
    if intent == "nlu_fallback":
        ranking.append({"name": random.choice(TASKS), "confidence": conf - 0.05})
    return {
        "event": "user",
        "timestamp": ts,
        "text": text,
        "input_channel": "rest",
        "parse_data": {
            "intent": {"name": intent, "confidence": conf},
            "entities": [],
            "text": text,
            "intent_ranking": ranking,
        },
    }


def synth_session(rng: random.Random, start: float) -> list[dict[str, Any]]:
    t = start
    ev: list[dict[str, Any]] = [
        {"event": "action", "timestamp": t, "name": "action_session_start"},
        {"event": "session_started", "timestamp": t + 0.01},
        {
            "event": "slot",
            "timestamp": t + 0.02,
            "name": "language",
            "value": "ko" if rng.random() < 0.2 else "en",
        },
    ]
    t += 3
    kind = rng.random()
    if kind < 0.1:
        ev.append(_user(t, "hi", "greet", 0.99))
        ev.append({"event": "action", "timestamp": t + 0.2, "name": "utter_greet"})
        return ev
    if kind < 0.5:
        task = rng.choice(TASKS)
        ev.append(_user(t, f"{task} EF-{rng.randint(100001, 100328)}", task, 0.9))
        ok = rng.random() < 0.7
        ev.append({"event": "action", "timestamp": t + 0.3, "name": "action_execute_task"})
        ev.append(
            {
                "event": "slot",
                "timestamp": t + 0.4,
                "name": "task_result",
                "value": {
                    "task": task,
                    "status": "success" if ok else "failure",
                    "code": None if ok else rng.choice(CODES),
                    "order_number": "EF-100101",
                },
            }
        )
    elif kind < 0.75:
        intent = rng.choice(INFO)
        ev.append(_user(t, f"question about {intent}", intent, rng.uniform(0.4, 0.99)))
        ev.append({"event": "action", "timestamp": t + 0.3, "name": f"utter_{intent}"})
    else:
        for i in range(rng.choice([1, 2])):
            t += 10
            ev.append(_user(t, f"gibberish {rng.randint(1, 300)} {i}", "nlu_fallback", 0.3))
            ev.append({"event": "action", "timestamp": t + 0.3, "name": "utter_default"})
        if rng.random() < 0.5:
            ev.append({"event": "action", "timestamp": t + 0.6, "name": "action_handoff"})
            ev.append(
                {
                    "event": "bot",
                    "timestamp": t + 0.7,
                    "text": "",
                    "data": {"custom": {"handoff": {"reason": "repeated_fallback"}}},
                }
            )
    if rng.random() < 0.3:
        t += 20
        score = rng.randint(1, 7)
        ev.append(_user(t, f'/ces{{"ces_score": {score}}}', "ces", 1.0))
        ev.append({"event": "slot", "timestamp": t + 0.1, "name": "ces_score", "value": score})
    return ev


async def _flush(db: Database, table: Any, rows: list[dict[str, Any]]) -> None:
    """Bulk insert (PostgreSQL: binary COPY) in its own transaction."""
    async with db.session() as session:
        await session.execute(text("SELECT 1"))
        await bulk_insert(session, table, rows)


async def generate(db: Database, sessions: int, seed: int = 7) -> float:
    """Write `sessions` synthetic sessions' raw events (COPY on PostgreSQL), then ANALYZE."""
    rng = random.Random(seed)
    started = time.perf_counter()
    rows: list[dict[str, Any]] = []
    states: list[dict[str, Any]] = []
    span = 60 * 86400
    conv = 0
    made = 0
    while made < sessions:
        conv += 1
        cid = f"bench-{conv:07d}"
        start = NOW.timestamp() - rng.uniform(3600, span)
        n = 1 if rng.random() < 0.8 else 2
        for i in range(min(n, sessions - made)):
            for event in synth_session(rng, start + i * 7200):
                rows.append(
                    {
                        "conversation_id": cid,
                        "event_key": event_key(event),
                        "event": event["event"],
                        "timestamp": event["timestamp"],
                        "data": event,
                        "source": "broker",
                        "received_at": NOW,
                    }
                )
            made += 1
        states.append(
            {
                "conversation_id": cid,
                "dirty": True,
                "has_open": False,
                "seen_events": 0,
                "seen_handoff_event_id": 0,
            }
        )
        if len(rows) > 50000:
            await _flush(db, AnalyticsEvent.__table__, rows)
            rows = []
    await _flush(db, AnalyticsEvent.__table__, rows)
    for i in range(0, len(states), 50000):
        await _flush(db, AnalyticsConversationState.__table__, states[i : i + 50000])
    if db.engine.dialect.name == "postgresql":
        async with db.engine.connect() as conn:
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(text("ANALYZE"))
    return time.perf_counter() - started


async def _count_sessions(db: Database) -> int:
    async with db.engine.connect() as conn:
        return int(
            (await conn.execute(text("SELECT count(*) FROM analytics_sessions"))).scalar_one()
        )


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    rank = 0.95 * (len(ordered) - 1)
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return round(ordered[low] + (ordered[high] - ordered[low]) * (rank - low), 1)


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


async def bench(
    url: str, sessions: int, repeat: int = 3, stored: int | None = None
) -> dict[str, Any]:
    db = Database(url)
    try:
        await upgrade(db.engine)
        gen = await generate(db, sessions)
        t0 = time.perf_counter()
        stats = await compute(
            db,
            BrokerSource(),
            rules=Rules(),
            now=NOW,
            batch_size=1000,
            progress=sys.stderr.isatty(),
        )
        compute_s = time.perf_counter() - t0
        t1 = time.perf_counter()
        again = await compute(db, BrokerSource(), rules=Rules(), now=NOW, batch_size=1000)
        assert again.sessions_written == 0, "a second run must not change rows"
        again_s = time.perf_counter() - t1
        replicate_s = refresh_s = 0.0
        if stored and db.engine.dialect.name == "postgresql":
            replicate_s = await replicate(db, stored)
            r0 = time.perf_counter()  # the daily figures of every day, from the whole log
            async with db.session() as session:
                days = [
                    r[0]
                    for r in await session.execute(
                        text("SELECT DISTINCT day FROM analytics_sessions")
                    )
                ]
                await daily.refresh(session, days)
            refresh_s = time.perf_counter() - r0
        if db.engine.dialect.name == "postgresql":  # what autovacuum does after a bulk load
            async with db.engine.connect() as conn:
                await conn.execution_options(isolation_level="AUTOCOMMIT")
                await conn.execute(
                    text("VACUUM ANALYZE analytics_sessions, analytics_utterances, analytics_daily")
                )
        filter_sets = {
            "all": Filters(),
            "last 30 days": Filters(since=(NOW - timedelta(days=30)).date()),
            "ko": Filters(language="ko"),
            "cancel_order, 7 days": Filters(
                since=(NOW - timedelta(days=7)).date(), task="cancel_order"
            ),
            "agent 1": Filters(agent=1),
        }
        per_query: dict[str, list[float]] = {}
        totals: dict[str, list[float]] = {}
        for _ in range(repeat):
            for label, filters in filter_sets.items():
                async with db.session() as session:
                    s0 = time.perf_counter()
                    data = await dashboard(session, filters)
                    data.update(await agents(session, filters))
                    totals.setdefault(label, []).append((time.perf_counter() - s0) * 1000)
                for name, ms in {**data["query_ms"], **data["agent_query_ms"]}.items():
                    per_query.setdefault(f"{name} [{label}]", []).append(ms)
        p95 = {name: _p95(values) for name, values in per_query.items()}
        slowest = max(p95.items(), key=lambda item: item[1])
        return {
            "sessions": sessions,
            "generate_s": round(gen, 1),
            "compute_s": round(compute_s, 1),
            "sessions_per_s": round(stats.sessions_written / compute_s) if compute_s else None,
            "rows_written": stats.sessions_written,
            "recompute_noop_s": round(again_s, 2),
            "sessions_stored_for_dashboard": await _count_sessions(db),
            "replicate_s": round(replicate_s, 1),
            "daily_refresh_all_days_s": round(refresh_s, 1),
            "dashboard_request_p95_ms": {k: _p95(v) for k, v in totals.items()},
            "slowest_query_p95_ms": slowest[1],
            "slowest_query": slowest[0],
            "queries_over_300ms_p95": {k: v for k, v in sorted(p95.items()) if v > 300},
        }
    finally:
        await db.close()


async def run(backend: str, sessions: int, stored: int | None = None) -> dict[str, Any]:
    if backend == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            return await bench(f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}", sessions)
    base = os.environ.get("TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
    admin = create_async_engine(base, isolation_level="AUTOCOMMIT")
    name = f"analytics_bench_{uuid.uuid4().hex[:8]}"
    async with admin.connect() as conn:
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        url = make_url(base).set(database=name).render_as_string(hide_password=False)
        return await bench(url, sessions, stored=stored)
    finally:
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.analytics_scale")
    parser.add_argument("--sessions", type=int, default=100_000)
    parser.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument(
        "--stored",
        type=int,
        default=None,
        help="PostgreSQL: replicate the computed log to this many sessions before timing the "
        "dashboard",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    for backend in backends:
        result = asyncio.run(run(backend, args.sessions, args.stored))
        sys.stdout.write(f"[{backend}]\n")
        for key, value in result.items():
            sys.stdout.write(f"  {key:<22}{value}\n")
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
