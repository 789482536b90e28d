"""A fresh PostgreSQL database per test (TEST_POSTGRES_URL): skipped when the server is
unreachable, failed instead when REQUIRE_SERVICES=1 (CI)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from tests.support.services import POSTGRES_URL as PG_URL
from tests.support.services import skip_or_fail


def _admin_dsn() -> str:
    return PG_URL.replace("postgresql+asyncpg://", "postgresql://")


async def create_database() -> tuple[str, str]:
    """Creates a uniquely named database; returns (its SQLAlchemy URL, its name)."""
    import asyncpg

    name = f"handoff_test_{uuid.uuid4().hex[:10]}"
    try:
        conn = await asyncio.wait_for(asyncpg.connect(_admin_dsn()), 5)
    except (OSError, asyncio.TimeoutError, asyncpg.PostgresError) as exc:
        skip_or_fail(f"PostgreSQL unreachable at {PG_URL}: {exc!r}")
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    base = PG_URL.rsplit("/", 1)[0]
    return f"{base}/{name}", name


async def drop_database(name: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(_admin_dsn())
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


@asynccontextmanager
async def pg_database() -> AsyncIterator[str]:
    url, name = await create_database()
    try:
        yield url
    finally:
        await drop_database(name)
