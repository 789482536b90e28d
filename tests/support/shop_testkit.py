"""Helpers shared by the order API tests: a fixed clock, a seeded database, a real server."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from launcher import free_port
from shop import db, seed
from shop.app import create_app
from shop.config import Settings

# A fixed "now" so the suite is deterministic; the seed is relative to it.
NOW = datetime(2026, 11, 23, 10, 0, 0)
API_KEY = "test-key-123"


@dataclass
class FakeClock:
    now: datetime = field(default=NOW)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += timedelta(**kwargs)


async def seed_database(url: str, now: datetime = NOW) -> None:
    engine = db.create_engine(url)
    try:
        await db.create_tables(engine)
        async with db.session_factory(engine)() as session, session.begin():
            await seed.seed(session, now=now)
    finally:
        await engine.dispose()


@dataclass
class Server:
    app: Any
    url: str


@asynccontextmanager
async def running_server(
    settings: Settings, clock: Callable[[], datetime] | None = None
) -> AsyncIterator[Server]:
    """Start the real Sanic server on a free port in the current event loop."""
    settings = settings.replace(port=free_port())
    app = create_app(settings, clock=clock, name=f"shop_test_{uuid.uuid4().hex}")
    # TouchUp recompiles Sanic internals once per process; a second app in the same process
    # then fails, so tests (many apps, one process) switch it off.
    app.config.TOUCHUP = False
    app.config.MOTD = False
    server = await app.create_server(
        host="127.0.0.1", port=settings.port, return_asyncio_server=True, access_log=False
    )
    assert server is not None
    await server.startup()
    await server.before_start()
    await server.after_start()
    try:
        yield Server(app=app, url=f"http://127.0.0.1:{settings.port}")
    finally:
        await server.before_stop()
        await server.close()
        await server.after_stop()
