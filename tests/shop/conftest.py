"""Fixtures: a real order API server on a free port, in the test's event loop, on a real database.

The database is seeded once per session into a template SQLite file; each test gets a copy, so
tests can change orders freely. The clock is injectable (`clock.advance(...)`).
"""

from __future__ import annotations

from tests.support.environments import require_service

require_service()

import asyncio
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import pytest_asyncio

from shop.config import Settings
from tests.support.shop_testkit import API_KEY, FakeClock, Server, running_server, seed_database


@pytest.fixture(scope="session")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("shop-template") / "template.db"
    asyncio.run(seed_database(f"sqlite+aiosqlite:///{path}"))
    return path


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def database_url(template_db: Path, tmp_path: Path) -> str:
    target = tmp_path / "shop.db"
    shutil.copy(template_db, target)
    return f"sqlite+aiosqlite:///{target}"


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, api_key=API_KEY, port=0)


@pytest_asyncio.fixture
async def server(settings: Settings, clock: FakeClock) -> AsyncIterator[Server]:
    async with running_server(settings, clock) as srv:
        yield srv


@pytest_asyncio.fixture
async def client(server: Server) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(
        base_url=server.url, headers={"X-API-Key": API_KEY}, timeout=10
    ) as http:
        yield http


@pytest_asyncio.fixture
async def anon(server: Server) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=server.url, timeout=10) as http:
        yield http
