"""Fixtures: a real temporary database, a real fake-Rasa HTTP server, a real handoff server
(helpers in tests/support/handoff_service.py)."""

from __future__ import annotations

from tests.support.environments import require_service

require_service()

import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from handoff.app import create_app
from tests.support.fake_rasa import FakeRasa
from tests.support.handoff_service import Service, base_settings
from tests.support.postgres import pg_database
from tests.support.served import Served

os.environ.setdefault("HANDOFF_LOG_FORMAT", "text")


@pytest.fixture
async def fake_rasa() -> AsyncIterator[tuple[FakeRasa, str]]:
    fake = FakeRasa()
    served = Served(fake.app)
    await served.start()
    yield fake, served.url
    await served.stop()


@pytest.fixture
async def service_factory(tmp_path: Path, fake_rasa: tuple[FakeRasa, str]):  # type: ignore[no-untyped-def]
    started: list[tuple[Served, httpx.AsyncClient]] = []

    async def make(**overrides: Any) -> Service:
        fake, rasa_url = fake_rasa
        settings = base_settings(tmp_path, overrides.pop("rasa_url", rasa_url), **overrides)
        app = create_app(settings, name=f"handoff-{uuid.uuid4().hex[:8]}")
        served = Served(app)
        await served.start()
        client = httpx.AsyncClient(base_url=served.url, timeout=10)
        started.append((served, client))
        return Service(served.url, app.ctx.hub, client, fake)

    yield make
    for served, client in started:
        await client.aclose()
        await served.stop()


@pytest.fixture
async def service(service_factory) -> Service:  # type: ignore[no-untyped-def]
    return await service_factory()


@pytest.fixture
async def pg_url() -> AsyncIterator[str]:
    """A fresh PostgreSQL database (TEST_POSTGRES_URL), dropped afterwards."""
    async with pg_database() as url:
        yield url
