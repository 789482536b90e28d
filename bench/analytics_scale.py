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
import statistics
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any
from unittest.mock import patch

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from bench.analytics_data import NOW
from bench.analytics_fill import computed_mix, count_sessions, generate, replicate
from handoff.analytics import daily, query_common
from handoff.analytics.analysis import Rules
from handoff.analytics.pipeline import compute
from handoff.analytics.queries import Filters, agents, dashboard
from handoff.analytics.sources import BrokerSource
from handoff.store.db import Database
from handoff.store.migrate import upgrade

log = logging.getLogger("bench.analytics_scale")


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    rank = 0.95 * (len(ordered) - 1)
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return round(ordered[low] + (ordered[high] - ordered[low]) * (rank - low), 1)


FILTER_SETS = {
    "all": Filters(),
    "last 30 days": Filters(since=(NOW - timedelta(days=30)).date()),
    "ko": Filters(language="ko"),
    "cancel_order, 7 days": Filters(since=(NOW - timedelta(days=7)).date(), task="cancel_order"),
    "agent 1": Filters(agent=1),
    "ko, agent 9, 30 days": Filters(
        since=(NOW - timedelta(days=30)).date(), language="ko", agent=9
    ),
}


async def _cpu_seconds(db: Database) -> tuple[float, float]:
    """CPU seconds used so far by this process and by the PostgreSQL backends serving the
    database (read from /proc: the server runs on this machine). Unlike wall time, they hardly
    depend on what else the shared cores are running."""
    usage = os.times()
    own = usage.user + usage.system
    if db.engine.dialect.name != "postgresql":
        return own, 0.0
    async with db.engine.connect() as conn:
        pids = (
            await conn.execute(
                text("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")
            )
        ).scalars()
        pid_list = list(pids)
    return own, sum(_proc_cpu(pid) for pid in pid_list)


def _proc_cpu(pid: int) -> float:
    """utime + stime of a local process, in seconds (0 when it is gone)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _load() -> str:
    """The machine's load average (1, 5, 15 min): other work shares the cores."""
    return " / ".join(f"{x:.1f}" for x in os.getloadavg())


async def _scale_up(db: Database, stored: int) -> tuple[float, float]:
    """Copy the log to `stored` sessions, rebuild every day's figures, VACUUM ANALYZE."""
    replicate_s = await replicate(db, stored)
    r0 = time.perf_counter()  # the daily figures of every day, from the whole log
    async with db.session() as session:
        days = [
            r[0] for r in await session.execute(text("SELECT DISTINCT day FROM analytics_sessions"))
        ]
    await daily.refresh(db, days)
    return replicate_s, time.perf_counter() - r0


async def _server_ms(db: Database, repeat: int) -> dict[str, float]:
    """PostgreSQL's own execution time of every dashboard query (EXPLAIN ANALYZE, the median of
    `repeat` runs): unlike the wall time seen by the client, it leaves out waiting for this
    process and the network, so it depends far less on what else the shared cores are running."""
    captured: list[tuple[str, Any]] = []
    original = query_common.Timer.run

    async def capture(self: query_common.Timer, name: str, session: Any, query: Any) -> Any:
        captured.append((name, query))
        return await original(self, name, session, query)

    found: dict[str, float] = {}
    for label, filters in FILTER_SETS.items():
        captured.clear()
        with patch.object(query_common.Timer, "run", capture):
            async with db.session() as session:
                await dashboard(session, filters)
                await agents(session, filters)
        async with db.engine.connect() as conn:
            for name, query in captured:
                sql = str(
                    query.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True})
                )
                runs = []
                for _ in range(repeat):
                    plan = await conn.execute(text(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}"))
                    runs.append(float(plan.scalar_one()[0]["Execution Time"]))
                found[f"{name} [{label}]"] = round(statistics.median(runs), 1)
    return found


async def _time_dashboard(db: Database, repeat: int) -> dict[str, Any]:
    """Every dashboard query (summary and agents' side) `repeat` times per filter set."""
    if db.engine.dialect.name == "postgresql":  # what autovacuum does after a bulk load
        async with db.engine.connect() as conn:
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(
                text(
                    "VACUUM ANALYZE analytics_sessions, analytics_utterances, analytics_daily, "
                    "analytics_daily_values, analytics_utterance_daily"
                )
            )
    per_query: dict[str, list[float]] = {}
    totals: dict[str, list[float]] = {}
    load = _load()
    for _ in range(repeat):
        for label, filters in FILTER_SETS.items():
            async with db.session() as session:
                s0 = time.perf_counter()
                data = await dashboard(session, filters)
                data.update(await agents(session, filters))
                totals.setdefault(label, []).append((time.perf_counter() - s0) * 1000)
            for name, ms in {**data["query_ms"], **data["agent_query_ms"]}.items():
                per_query.setdefault(f"{name} [{label}]", []).append(ms)
    p95 = {name: _p95(values) for name, values in per_query.items()}
    slowest = max(p95.items(), key=lambda item: item[1])
    server: dict[str, float] = {}
    server_load = ""
    if db.engine.dialect.name == "postgresql":
        server_load = _load()
        server = await _server_ms(db, repeat)
        server_load = f"{server_load} → {_load()}"
    return {
        "sessions_stored_for_dashboard": await count_sessions(db),
        "dashboard_load_avg_before_after": f"{load} → {_load()}",
        "dashboard_request_p95_ms": {k: _p95(v) for k, v in totals.items()},
        "slowest_query_p95_ms": slowest[1],
        "slowest_query": slowest[0],
        "queries_over_300ms_p95": {k: v for k, v in sorted(p95.items()) if v > 300},
        "query_p95_ms": dict(sorted(p95.items(), key=lambda item: -item[1])),
        **(
            {
                "server_load_avg_before_after": server_load,
                "server_ms_slowest": dict(sorted(server.items(), key=lambda i: -i[1])[:10]),
                "server_ms_over_300": {k: v for k, v in server.items() if v > 300},
            }
            if server
            else {}
        ),
    }


async def reuse(url: str, repeat: int = 3) -> dict[str, Any]:
    """A database an earlier run kept (`--keep`): migrate it to the current schema, rebuild
    every day's figures from the stored log (so changed daily tables are filled), and time the
    dashboard — without generating and computing the sessions again."""
    db = Database(url)
    try:
        await upgrade(db.engine)
        async with db.session() as session:
            days = [
                r[0]
                for r in await session.execute(text("SELECT DISTINCT day FROM analytics_sessions"))
            ]
        r0 = time.perf_counter()
        await daily.refresh(db, days)
        return {
            "daily_refresh_all_days_s": round(time.perf_counter() - r0, 1),
            **await _time_dashboard(db, repeat),
        }
    finally:
        await db.close()


async def bench(
    url: str, sessions: int, repeat: int = 3, stored: int | None = None
) -> dict[str, Any]:
    db = Database(url)
    try:
        await upgrade(db.engine)
        gen = await generate(db, sessions)
        load = _load()
        cpu0 = await _cpu_seconds(db)
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
        compute_load = f"{load} → {_load()}"
        cpu1 = await _cpu_seconds(db)
        cpu = (cpu1[0] - cpu0[0], cpu1[1] - cpu0[1])
        t1 = time.perf_counter()
        again = await compute(db, BrokerSource(), rules=Rules(), now=NOW, batch_size=1000)
        assert again.sessions_written == 0, "a second run must not change rows"
        again_s = time.perf_counter() - t1
        mix = await computed_mix(db)
        replicate_s = refresh_s = 0.0
        if stored and db.engine.dialect.name == "postgresql":
            replicate_s, refresh_s = await _scale_up(db, stored)
        return {
            "sessions": sessions,
            "generate_s": round(gen, 1),
            "compute_s": round(compute_s, 1),
            "sessions_per_s": round(stats.sessions_written / compute_s) if compute_s else None,
            "compute_load_avg_before_after": compute_load,
            "compute_cpu_s_python_postgres": [round(cpu[0], 1), round(cpu[1], 1)],
            "sessions_per_cpu_s": round(stats.sessions_written / sum(cpu)) if sum(cpu) else None,
            "rows_written": stats.sessions_written,
            "recompute_noop_s": round(again_s, 2),
            "computed_mix": mix,
            "replicate_s": round(replicate_s, 1),
            "daily_refresh_all_days_s": round(refresh_s, 1),
            **await _time_dashboard(db, repeat),
        }
    finally:
        await db.close()


async def run(
    backend: str,
    sessions: int,
    stored: int | None = None,
    *,
    keep: bool = False,
    reuse_db: str | None = None,
) -> dict[str, Any]:
    """`keep`: PostgreSQL keeps the generated database (its name is in the result);
    `reuse_db`: time the dashboard on such a database instead of generating a new one."""
    if backend == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            return await bench(f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}", sessions)
    base = os.environ.get("TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
    if reuse_db:
        url = make_url(base).set(database=reuse_db).render_as_string(hide_password=False)
        return {"database": reuse_db, **await reuse(url)}
    admin = create_async_engine(base, isolation_level="AUTOCOMMIT")
    name = f"analytics_bench_{uuid.uuid4().hex[:8]}"
    async with admin.connect() as conn:
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        url = make_url(base).set(database=name).render_as_string(hide_password=False)
        result = await bench(url, sessions, stored=stored)
        return {"database": name, **result} if keep else result
    finally:
        if not keep:
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
    parser.add_argument(
        "--keep", action="store_true", help="PostgreSQL: keep the generated database"
    )
    parser.add_argument(
        "--reuse",
        metavar="DATABASE",
        help="PostgreSQL: time the dashboard on a database kept by --keep (no generation)",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    if args.reuse:
        backends = ["postgres"]
    for backend in backends:
        result = asyncio.run(
            run(backend, args.sessions, args.stored, keep=args.keep, reuse_db=args.reuse)
        )
        sys.stdout.write(f"[{backend}]\n")
        for key, value in result.items():
            sys.stdout.write(f"  {key:<22}{value}\n")
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
