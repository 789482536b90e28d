"""Run Alembic migrations programmatically (at startup or via `python -m handoff migrate`).

Alembic is imported only when there is something to migrate: importing it and reading the
scripts took 0.5-0.6 s of the service's 1.3-1.7 s restart on this machine (issue 16: a restarted
instance answers its customers that much sooner). `upgrade_if_needed` compares the database's
revision with the newest script's, read from the scripts' own `revision`/`down_revision` lines.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

if TYPE_CHECKING:
    from alembic.config import Config

log = logging.getLogger(__name__)
INI = Path(__file__).resolve().parent.parent / "alembic.ini"
VERSIONS = Path(__file__).resolve().parent / "migrations" / "versions"
_REVISION = re.compile(r"^(down_revision|revision)\b[^=]*=\s*(None|[\"']([^\"']+)[\"'])", re.M)
# The pre-release revisions squashed into 0007 (the initial schema), and the last commit that has
# them: a database at one of them is brought to 0007 by that commit's `python -m handoff migrate`.
SQUASHED = frozenset({"0001", "0002", "0003", "0004", "0005", "0006"})
BEFORE_SQUASH = "21c5307"


class MigrationError(RuntimeError):
    """The database cannot be brought to this version's schema; the message says what to do."""


def refuse_squashed(connection: Connection) -> None:
    """Raises MigrationError when the database is at a revision squashed into 0007."""
    from alembic.migration import MigrationContext

    current = MigrationContext.configure(connection).get_current_revision()
    if current in SQUASHED:
        raise MigrationError(
            f"the database schema is at pre-release revision {current}, which this version no "
            f"longer upgrades: run `python -m handoff migrate` once with commit {BEFORE_SQUASH} "
            "(it upgrades to 0007), or drop and recreate the database"
        )


def alembic_config() -> Config:
    from alembic.config import Config

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
        from alembic import command

        refuse_squashed(connection)

        cfg = alembic_config()
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, revision)

    async with engine.begin() as conn:
        await conn.run_sync(_upgrade)
    log.info("database migrated", extra={"revision": revision})


def script_head() -> str | None:
    """The newest migration's revision (the one no other script names as its down_revision);
    None when the scripts do not form one line."""
    revisions: set[str] = set()
    downs: set[str] = set()
    for path in VERSIONS.glob("*.py"):
        found = dict((key, value) for key, _, value in _REVISION.findall(path.read_text()))
        if "revision" in found:
            revisions.add(found["revision"])
            if found.get("down_revision"):
                downs.add(found["down_revision"])
    heads = revisions - downs
    return heads.pop() if len(heads) == 1 else None


async def at_head(engine: AsyncEngine) -> bool:
    """Whether the database is at the newest migration already (nothing to upgrade)."""
    head = script_head()
    if head is None:
        return False
    try:
        async with engine.connect() as conn:
            rows = (await conn.execute(text("SELECT version_num FROM alembic_version"))).all()
    except DBAPIError:  # no alembic_version table yet: a new database
        return False
    return [r[0] for r in rows] == [head]


async def upgrade_if_needed(engine: AsyncEngine) -> None:
    if not await at_head(engine):
        await upgrade(engine)
