"""Fixtures: a real temporary SQLite database migrated with Alembic."""

from __future__ import annotations

from tests.support.environments import require_service

require_service()

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from handoff.store.db import Database
from handoff.store.migrate import upgrade


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'analytics.db'}")
    await upgrade(database.engine)
    yield database
    await database.close()
