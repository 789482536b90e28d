"""aiosqlite with one trip to the connection's thread per statement (the demo profile's store).

SQLAlchemy's aiosqlite adapter makes four trips per statement: open a cursor, execute, fetch the
rows, close the cursor. Each trip wakes the connection's thread and then the event loop, and the
two contend for the GIL: under 100 live conversations that hand-off cost, not SQLite, was most
of the service's CPU per message (profiled with py-spy, docs/benchmarks.md). `OneHopConnection`
hands SQLAlchemy a cursor whose ``execute`` runs the statement, reads its rows and its counts and
closes the sqlite3 cursor in a single call on the connection's thread; fetching and closing
afterwards need no trip. Transactions, commit and rollback are aiosqlite's own.

Used through ``create_async_engine(..., async_creator=creator(url, timeout))`` for file
databases; in-memory and URI databases keep the stock driver.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Awaitable, Callable, Sequence
from functools import partial
from typing import Any

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import SQLiteDialect_aiosqlite
from sqlalchemy.engine import make_url

Row = Any
Outcome = tuple[Any, int, int | None, list[Row]]


def _run(conn: sqlite3.Connection, sql: str, parameters: Any, many: bool) -> Outcome:
    """On the connection's thread: the statement, its rows (if any) and counts."""
    cursor = conn.cursor()
    try:
        if many:
            cursor.executemany(sql, parameters)
        elif parameters is None:
            cursor.execute(sql)
        else:
            cursor.execute(sql, parameters)
        rows = cursor.fetchall() if cursor.description is not None else []
        return cursor.description, cursor.rowcount, cursor.lastrowid, rows
    finally:
        cursor.close()


class OneHopCursor:
    """The part of the aiosqlite cursor that SQLAlchemy's adapter uses, one trip per execute."""

    arraysize = 1

    def __init__(self, connection: OneHopConnection) -> None:
        self._connection = connection
        self.description: Any = None
        self.rowcount = -1
        self.lastrowid: int | None = None
        self._rows: list[Row] = []

    async def __aenter__(self) -> OneHopCursor:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def _go(self, sql: str, parameters: Any, many: bool) -> OneHopCursor:
        execute: Callable[..., Awaitable[Outcome]] = self._connection._execute  # untyped
        outcome = await execute(_run, self._connection._conn, sql, parameters, many)
        self.description, self.rowcount, self.lastrowid, self._rows = outcome
        return self

    async def execute(self, sql: str, parameters: Any = None) -> OneHopCursor:
        return await self._go(sql, parameters, False)

    async def executemany(self, sql: str, parameters: Sequence[Any]) -> OneHopCursor:
        return await self._go(sql, parameters, True)

    async def fetchall(self) -> list[Row]:
        rows, self._rows = self._rows, []
        return rows

    async def fetchone(self) -> Row | None:
        return self._rows.pop(0) if self._rows else None

    async def fetchmany(self, size: int | None = None) -> list[Row]:
        count = self.arraysize if size is None else size
        rows, self._rows = self._rows[:count], self._rows[count:]
        return rows

    async def close(self) -> None:
        self._rows = []


class OneHopConnection(aiosqlite.Connection):
    def cursor(self) -> OneHopCursor:  # type: ignore[override]
        return OneHopCursor(self)


def usable(url: str) -> bool:
    """A file database named by a plain path (not :memory:, not a file: URI)."""
    parsed = make_url(url)
    return (
        parsed.drivername == "sqlite+aiosqlite"
        and SQLiteDialect_aiosqlite._is_url_file_db(parsed)
        and not parsed.query
    )


def creator(url: str, *, timeout: float) -> Callable[[], Awaitable[OneHopConnection]]:
    """An ``async_creator`` for create_async_engine: the same file and options as the URL."""
    parsed = make_url(url)
    dialect = SQLiteDialect_aiosqlite(dbapi=SQLiteDialect_aiosqlite.import_dbapi())
    args, options = dialect.create_connect_args(parsed)
    options = {**options, "timeout": timeout}

    async def create() -> OneHopConnection:
        connection = OneHopConnection(partial(sqlite3.connect, *args, **options), 64)
        connection._thread.daemon = True  # as SQLAlchemy does for its own aiosqlite connections
        await connection
        return connection

    return create
