"""The SQLite store under concurrency: one trip per statement, writers queue in order (issue 16)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy import text

from handoff.store.db import Database
from handoff.store.sqlite import OneHopConnection, usable


async def _db(tmp_path: Path) -> Database:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'x.db'}")
    async with db.engine.begin() as conn:
        await conn.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, v INTEGER NOT NULL)"))
    return db


def test_only_plain_file_databases_use_the_one_trip_driver() -> None:
    assert usable("sqlite+aiosqlite:////tmp/a.db")
    assert not usable("sqlite+aiosqlite://")
    assert not usable("sqlite+aiosqlite:///file:a.db?mode=ro&uri=true")
    assert not usable("postgresql+asyncpg://u@h/db")


async def test_statements_rows_counts_and_returning(tmp_path: Path) -> None:
    db = await _db(tmp_path)
    try:
        async with db.session() as session:
            raw = await (await session.connection()).get_raw_connection()
            assert isinstance(raw.driver_connection, OneHopConnection)
            inserted = await session.execute(text("INSERT INTO t (v) VALUES (1), (2), (3)"))
            assert inserted.rowcount == 3
            back = await session.execute(text("UPDATE t SET v = v + 10 WHERE v > 1 RETURNING v"))
            assert sorted(back.scalars().all()) == [12, 13]
        async with db.session() as session:
            rows = (await session.execute(text("SELECT v FROM t ORDER BY id"))).all()
            assert [r[0] for r in rows] == [1, 12, 13]
            gone = await session.execute(text("DELETE FROM t WHERE v = 1"))
            assert gone.rowcount == 1
    finally:
        await db.close()


async def test_writers_queue_in_order_and_the_lock_is_released(tmp_path: Path) -> None:
    db = await _db(tmp_path)
    lock = db.write_lock
    assert lock is not None
    order: list[str] = []

    async def writer(name: str, hold: float) -> None:
        async with db.session() as session:
            await session.execute(text("SELECT count(*) FROM t"))  # reads take no lock
            await session.execute(text("INSERT INTO t (v) VALUES (1)"))
            order.append(f"{name} wrote")
            await asyncio.sleep(hold)
            order.append(f"{name} done")

    try:
        first = asyncio.create_task(writer("a", 1.0))
        await asyncio.sleep(0.1)
        others = [asyncio.create_task(writer(f"w{i}", 0.0)) for i in range(20)]
        await asyncio.sleep(0.5)
        # the others wait in the process's queue, not in SQLite's busy handler
        assert lock.holder is first
        assert lock._lock is not None and len(lock._lock._waiters or ()) == 20
        await asyncio.gather(first, *others)
        # nobody wrote while "a" held its open write transaction, and every writer finished
        assert order[:2] == ["a wrote", "a done"]
        assert len(order) == 42
        assert lock.holder is None and lock.sessions == {}
        async with db.session() as session:
            assert (await session.execute(text("SELECT count(*) FROM t"))).scalar_one() == 21
    finally:
        await db.close()


async def test_a_failed_write_releases_the_lock(tmp_path: Path) -> None:
    db = await _db(tmp_path)
    try:
        try:
            async with db.session() as session:
                await session.execute(text("INSERT INTO t (v) VALUES (NULL)"))
        except Exception as exc:
            assert "NOT NULL" in str(exc)
        assert db.write_lock is not None and db.write_lock.holder is None
        async with db.session() as session:  # the next writer is not stuck
            await session.execute(text("INSERT INTO t (v) VALUES (5)"))
    finally:
        await db.close()
