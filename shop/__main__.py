"""`python -m shop` (serve), `python -m shop seed [--reset]`."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys

from launcher.serve import serve
from shop import db, seed
from shop.app import create_app, utcnow
from shop.config import ConfigError, Settings

logger = logging.getLogger("shop")


async def prepare_database(settings: Settings, *, reset: bool = False) -> int:
    """Create the tables and seed them if empty. Returns the number of orders seeded (0 if none)."""
    engine = db.create_engine(settings.database_url)
    try:
        if reset:
            await db.drop_tables(engine)
        await db.create_tables(engine)
        async with db.session_factory(engine)() as session, session.begin():
            if await seed.is_empty(session):
                return await seed.seed(session, now=utcnow())
            return 0
    finally:
        await engine.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m shop", description="demo order API")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("serve", help="create tables, seed if empty, serve (default)")
    seed_parser = sub.add_parser("seed", help="create tables and seed if empty")
    seed_parser.add_argument("--reset", action="store_true", help="drop all shop tables first")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    try:
        settings = Settings.from_env()
    except ConfigError as exc:
        logger.error("configuration error: %s", exc)
        return 2
    if args.command == "seed":
        count = asyncio.run(prepare_database(settings, reset=args.reset))
        logger.info("seed done: %d orders inserted", count)
        return 0
    asyncio.run(prepare_database(settings))
    app = create_app(settings, name="shop")
    logger.info("order API on http://%s:%d/v1", settings.host, settings.port)
    serve(app, settings.host, settings.port)
    return 0


if __name__ == "__main__":
    sys.exit(main())
