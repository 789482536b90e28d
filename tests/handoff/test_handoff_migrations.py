"""The Alembic migrations (handoff/store/migrations) against real databases: SQLite (temp file)
and PostgreSQL (TEST_POSTGRES_URL; skipped when unreachable unless REQUIRE_SERVICES=1)."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import text

import handoff.analytics.models  # noqa: F401  (registers the analytics tables on Base.metadata)
from handoff.store.db import Database
from handoff.store.migrate import MigrationError, alembic_config, upgrade
from handoff.store.models import Base
from tests.support.postgres import pg_database
from tests.support.schema import schema_of

ROOT = Path(__file__).resolve().parents[2]
BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@asynccontextmanager
async def _database(backend: str, path: Path) -> AsyncIterator[Database]:
    """An empty database: a SQLite file at `path`, or a fresh PostgreSQL database."""
    if backend == "sqlite":
        database = Database(f"sqlite+aiosqlite:///{path}")
        yield database
        await database.close()
        return
    async with pg_database() as url:
        database = Database(url)
        yield database
        await database.close()


async def _schema(database: Database) -> dict[str, Any]:
    async with database.engine.connect() as conn:
        schema: dict[str, Any] = await conn.run_sync(schema_of)
    # The columns by name: a table's columns stand in the migration's order, not the models'.
    for table in schema.values():
        table["columns"] = sorted(table["columns"], key=lambda column: column["name"])
    return schema


@pytest.mark.parametrize("backend", BACKENDS)
async def test_the_migrated_schema_is_the_models(backend: str, tmp_path: Path) -> None:
    """Tables, columns (type, nullability, server default), keys, constraints and indexes of a
    fresh `upgrade head` are exactly what the models make (`Base.metadata.create_all`)."""
    async with (
        _database(backend, tmp_path / "migrated.db") as migrated,
        _database(backend, tmp_path / "models.db") as models,
    ):
        await upgrade(migrated.engine)
        async with models.engine.begin() as conn:
            await conn.run_sync(Base.metadata.create_all)
        got, want = await _schema(migrated), await _schema(models)
    assert got.pop("alembic_version")["columns"][0]["name"] == "version_num"
    assert sorted(got) == sorted(want)
    for table in want:
        assert got[table] == want[table], table


def test_one_initial_revision_keeps_the_old_heads_id() -> None:
    """0001-0007 squashed: a database the old migrations brought to 0007 is at head."""
    revisions = list(ScriptDirectory.from_config(alembic_config()).walk_revisions())
    assert [(r.revision, r.down_revision) for r in revisions] == [("0007", None)]


async def _stamp(database: Database, revision: str) -> None:
    async with database.engine.begin() as conn:
        await conn.execute(text("UPDATE alembic_version SET version_num = :r"), {"r": revision})


@pytest.mark.parametrize("backend", BACKENDS)
async def test_a_database_at_a_squashed_revision_is_refused(backend: str, tmp_path: Path) -> None:
    async with _database(backend, tmp_path / "old.db") as database:
        await upgrade(database.engine)
        await _stamp(database, "0004")
        with pytest.raises(MigrationError, match=r"pre-release revision 0004\b.*commit 21c5307"):
            await upgrade(database.engine)
        await _stamp(database, "0007")  # the head: a database already there is valid
        await upgrade(database.engine)


def test_the_commands_refuse_it_in_one_line(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    asyncio.run(_migrated(path))
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '0003'")
    env = {**os.environ, "HANDOFF_DATABASE_URL": f"sqlite+aiosqlite:///{path}"}
    commands = [["migrate"], [], ["report"]]
    for command in commands:
        module = "handoff.analytics" if command == ["report"] else "handoff"
        out = subprocess.run(
            [sys.executable, "-m", module, *command],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert out.returncode in (1, 2), (command, out.stderr)
        last = out.stderr.splitlines()[-1]  # after the log lines: the one line it ends with
        assert last.startswith("error: the database schema is at pre-release revision 0003")
        assert "Traceback" not in out.stderr, out.stderr


async def _migrated(path: Path) -> None:
    database = Database(f"sqlite+aiosqlite:///{path}")
    await upgrade(database.engine)
    await database.close()
