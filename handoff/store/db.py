"""Engine and session factory (created in startup listeners, never at import time).

SQLite (the demo profile) allows one writer at a time. Left to itself, a second writer spins in
SQLite's busy handler, sleeping 1, 2, 5 … 100 ms between tries, and under load (100 live chats)
that made a customer → agent message take 0.7 s at p95 while the write itself takes under 1 ms.
So on SQLite every ``Database.session()`` that writes first takes an in-process write lock
(FIFO, an ``asyncio.Lock``) at its first INSERT/UPDATE/DELETE and keeps it until the session has
committed or rolled back: writers queue in order instead of polling. The busy handler is still
there for writers in other processes (the CLI, a second service). PostgreSQL needs none of it.
Statements go to SQLite in one trip each (handoff.store.sqlite).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.util.concurrency import await_, in_greenlet

from handoff.store import sqlite

log = logging.getLogger(__name__)

WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")
# A writer that waits longer than this goes on without the lock (SQLite's own locking still
# keeps the data safe); it is a latency tool, never a way to hang the service.
WRITE_LOCK_WAIT_SECONDS = 10.0


def make_engine(url: str) -> AsyncEngine:
    kwargs: dict[str, Any] = {}
    if url.startswith("sqlite"):
        kwargs["connect_args"] = {"timeout": 30}
        # Connections kept, not opened and closed under load (each is a thread, a file
        # handle and four PRAGMA/function calls): the default 5 + 10 overflow churned, and
        # so did 20 + 20 with 100 live chats (writers hold theirs while they queue for the
        # write lock); opening one blocks the event loop until its thread has started.
        kwargs["pool_size"] = 60
        kwargs["max_overflow"] = 20
        if sqlite.usable(url):
            kwargs["async_creator"] = sqlite.creator(url, timeout=30)
    else:
        kwargs["pool_size"] = 10
        kwargs["max_overflow"] = 20
        kwargs["pool_pre_ping"] = True
    engine = create_async_engine(url, **kwargs)
    if url.startswith("sqlite"):

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

    return engine


def _is_write(statement: str) -> bool:
    return statement.lstrip()[:7].upper().startswith(WRITES)


class WriteLock:
    """One writer at a time among this process's sessions, in arrival order.

    Held by a task from its session's first write until that session ends; a nested session of
    the same task shares it. Only tasks inside ``Database.session()`` take it (migrations and
    other direct engine use do not, so nothing can hold it without releasing it)."""

    def __init__(self) -> None:
        self._lock: asyncio.Lock | None = None
        self.holder: asyncio.Task[Any] | None = None
        self.sessions: dict[asyncio.Task[Any], int] = {}
        self.held_since = 0.0
        self.holds = LockTimes()

    def before_execute(self, statement: str) -> None:
        if not _is_write(statement) or not in_greenlet():
            return
        task = asyncio.current_task()
        if task is None or task not in self.sessions or self.holder is task:
            return
        await_(self._acquire(task))

    async def _acquire(self, task: asyncio.Task[Any]) -> None:
        if self._lock is None:
            self._lock = asyncio.Lock()
        try:
            async with asyncio.timeout(WRITE_LOCK_WAIT_SECONDS):
                await self._lock.acquire()
        except TimeoutError:
            log.warning("sqlite write lock not free after %.0f s", WRITE_LOCK_WAIT_SECONDS)
            return
        self.holder = task
        self.held_since = time.perf_counter()

    def enter(self) -> tuple[asyncio.Task[Any] | None, bool]:
        task = asyncio.current_task()
        if task is None:
            return None, False
        self.sessions[task] = self.sessions.get(task, 0) + 1
        return task, self.holder is task

    def leave(self, task: asyncio.Task[Any] | None, held_before: bool) -> None:
        if task is None:
            return
        depth = self.sessions.get(task, 1) - 1
        if depth <= 0:
            self.sessions.pop(task, None)
        else:
            self.sessions[task] = depth
        if self.holder is task and not held_before:
            self.holder = None
            self.holds.record(_kind(task), time.perf_counter() - self.held_since)
            assert self._lock is not None
            self._lock.release()


def _kind(task: asyncio.Task[Any]) -> str:
    """What holds the lock: the task's coroutine (request handlers, the analytics loop, …)."""
    coro = task.get_coro()
    return str(getattr(coro, "__qualname__", None) or type(coro).__name__)


class LockTimes:
    """How long the write lock was held, per kind of holder, since the process started (for
    `GET /health`: a long hold makes every writer behind it wait)."""

    LONG_SECONDS = 0.05

    def __init__(self) -> None:
        self.by_kind: dict[str, list[float]] = {}  # kind -> [holds, total s, max s, long holds]

    def record(self, kind: str, seconds: float) -> None:
        figures = self.by_kind.setdefault(kind, [0, 0.0, 0.0, 0])
        figures[0] += 1
        figures[1] += seconds
        figures[2] = max(figures[2], seconds)
        if seconds > self.LONG_SECONDS:
            figures[3] += 1
            log.info("sqlite write lock held %.0f ms by %s", seconds * 1000, kind)

    def figures(self) -> dict[str, dict[str, float]]:
        return {
            kind: {
                "holds": int(n),
                "mean_ms": round(total / n * 1000, 2) if n else 0.0,
                "max_ms": round(longest * 1000, 1),
                "over_50ms": int(long),
            }
            for kind, (n, total, longest, long) in sorted(self.by_kind.items())
        }


class Database:
    """Holds the engine and hands out sessions (one unit of work each)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self.sessionmaker = async_sessionmaker(self.engine, expire_on_commit=False)
        self.write_lock: WriteLock | None = None
        if url.startswith("sqlite"):
            lock = self.write_lock = WriteLock()

            @event.listens_for(self.engine.sync_engine, "before_cursor_execute")
            def _before(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
                lock.before_execute(statement)

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        lock = self.write_lock
        task, held_before = lock.enter() if lock is not None else (None, False)
        try:
            async with self.sessionmaker() as session:
                try:
                    yield session
                    await session.commit()
                except BaseException:
                    await session.rollback()
                    raise
        finally:
            if lock is not None:
                lock.leave(task, held_before)

    async def close(self) -> None:
        await self.engine.dispose()
