"""`python -m handoff` (serve) · `python -m handoff migrate` · `python -m handoff create-user …`"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys

from handoff.config import Settings, SettingsError
from handoff.logs import configure_logging
from handoff.values import Role
from launcher.serve import serve

log = logging.getLogger("handoff")


async def _migrate(settings: Settings) -> None:
    from handoff.store.db import Database
    from handoff.store.migrate import ensure_sqlite_dir, upgrade

    ensure_sqlite_dir(settings.database_url)
    db = Database(settings.database_url)
    try:
        await upgrade(db.engine)
    finally:
        await db.close()


async def _create_user(settings: Settings, args: argparse.Namespace) -> None:
    from handoff.accounts import create_user
    from handoff.store.db import Database

    await _migrate(settings)
    db = Database(settings.database_url)
    try:
        async with db.session() as session:
            user = await create_user(
                session=session,
                email=args.email,
                name=args.name,
                role=args.role,
                password=args.password,
                languages=args.languages.split(",") if args.languages else None,
            )
        log.info("user created", extra={"user_id": user.id, "email": user.email, "role": user.role})
    finally:
        await db.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m handoff")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("serve", help="run the service (default)")
    sub.add_parser("migrate", help="apply database migrations")
    cu = sub.add_parser("create-user", help="create an agent account")
    cu.add_argument("--email", required=True)
    cu.add_argument("--name", required=True)
    cu.add_argument("--role", required=True, choices=[str(role) for role in Role])
    cu.add_argument("--password", required=True)
    cu.add_argument("--languages", default="", help="comma separated, e.g. en,ko (default: all)")
    args = parser.parse_args(argv)
    try:
        settings = Settings.from_env()
    except SettingsError as exc:
        sys.stderr.write(f"configuration error: {exc}\n")
        return 2
    configure_logging(settings.log_level, settings.log_format)
    from handoff.errors import DomainError
    from handoff.store.migrate import MigrationError

    try:
        if args.command == "migrate":
            asyncio.run(_migrate(settings))
            return 0
        if args.command == "create-user":
            asyncio.run(_create_user(settings, args))
            return 0
        if settings.run_migrations:  # here, so that a refusal is one line, not a traceback
            asyncio.run(_migrate(settings))
            settings = settings.model_copy(update={"run_migrations": False})
    except (DomainError, MigrationError) as exc:  # str(): a DomainError's message
        sys.stderr.write(f"error: {exc}\n")
        return 1
    from handoff.app import create_app

    app = create_app(settings)
    serve(app, settings.host, settings.port)
    return 0


if __name__ == "__main__":
    sys.exit(main())
