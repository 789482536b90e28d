"""The same computation and dashboard queries on PostgreSQL (a fresh database per run)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from handoff.analytics.pipeline import compute
from handoff.analytics.queries import Filters, dashboard
from handoff.analytics.sources import StoredTrackerSource
from handoff.store.db import Database
from handoff.store.migrate import upgrade
from tests.support.analytics_fixtures import NOW, rows
from tests.support.analytics_scenarios import EXPECTED, build
from tests.support.services import POSTGRES_URL, need

pytestmark = pytest.mark.postgres


@pytest.fixture
async def pg() -> AsyncIterator[Database]:
    need(POSTGRES_URL, 5432, "PostgreSQL")
    admin = create_async_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    name = f"analytics_{uuid.uuid4().hex[:10]}"
    async with admin.connect() as conn:
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    db = Database(make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False))
    try:
        await upgrade(db.engine)
        yield db
    finally:
        await db.close()
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


async def test_postgres_outcomes_idempotence_and_dashboard(pg: Database) -> None:
    trackers = await build(pg)
    await compute(pg, StoredTrackerSource(trackers), now=NOW)
    found = await rows(pg)
    for key, expected in EXPECTED.items():
        for field, value in expected.items():
            assert getattr(found[key], field) == value, (key, field)
    again = await compute(pg, StoredTrackerSource(trackers), now=NOW)
    assert again.sessions_written == 0 and again.events_stored == 0
    async with pg.session() as session:
        data = await dashboard(session, Filters())
    s = data["summary"]
    assert (s["contained"], s["escalated"], s["abandoned"]) == (8, 4, 4)
    assert data["fallback_utterances"] and data["failing_intents"]
