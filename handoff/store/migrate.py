"""Run Alembic migrations programmatically (at startup or via `python -m handoff migrate`)."""

from __future__ import annotations

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

log = logging.getLogger(__name__)
INI = Path(__file__).resolve().parent.parent / "alembic.ini"
# The pre-release revisions squashed into 0007 (the initial schema), and the last commit that has
# them: a database at one of them is brought to 0007 by that commit's `python -m handoff migrate`.
SQUASHED = frozenset({"0001", "0002", "0003", "0004", "0005", "0006"})
BEFORE_SQUASH = "21c5307"


class MigrationError(RuntimeError):
    """The database cannot be brought to this version's schema; the message says what to do."""


def refuse_squashed(connection: Connection) -> None:
    """Raises MigrationError when the database is at a revision squashed into 0007."""
    current = MigrationContext.configure(connection).get_current_revision()
    if current in SQUASHED:
        raise MigrationError(
            f"the database schema is at pre-release revision {current}, which this version no "
            f"longer upgrades: run `python -m handoff migrate` once with commit {BEFORE_SQUASH} "
            "(it upgrades to 0007), or drop and recreate the database"
        )


def alembic_config() -> Config:
    cfg = Config(str(INI))
    cfg.set_main_option("script_location", str(INI.parent / "store" / "migrations"))
    return cfg


def ensure_sqlite_dir(url: str) -> None:
    if url.startswith("sqlite") and ":///" in url:
        path = url.split(":///", 1)[1].split("?", 1)[0]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    """Upgrades the database to `revision`; MigrationError when it is at a squashed revision."""

    def _upgrade(connection: Connection) -> None:
        refuse_squashed(connection)
        cfg = alembic_config()
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, revision)

    async with engine.begin() as conn:
        await conn.run_sync(_upgrade)
    log.info("database migrated", extra={"revision": revision})
