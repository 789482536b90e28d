"""Start the production profile (deploy/compose.yml via bench.prod.profile) or the demo profile
(bench.stack) for the production check and the capacity runs; stop everything afterwards and
drop the run's database, queue and exchange."""

from __future__ import annotations

import asyncio
import logging
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from typing import Any

import asyncpg

from bench.prod.profile import Plan, specs
from bench.report import ROOT
from launcher import Launcher, Spec, stop_on_signals

log = logging.getLogger(__name__)

PG_DSN = "postgresql://postgres@127.0.0.1:5432/{db}"
AMQP = "amqp://guest:guest@127.0.0.1:5672/"
AGENTS = [("prod-agent-1@example.com", "Agent One"), ("prod-agent-2@example.com", "Agent Two")]
AGENT_PASSWORD = "prod-check-agent-password"


@dataclass
class Running:
    handoff_url: str
    shop_secret: str
    rasa_paths: dict[str, str] = field(default_factory=dict)
    plan: Plan | None = None
    launcher: Launcher | None = None


def create_users(spec: Spec) -> None:
    for email, name in AGENTS:
        done = subprocess.run(
            [spec.argv[0], "-m", "handoff", "create-user", "--email", email, "--name", name,
             "--role", "agent", "--password", AGENT_PASSWORD],
            cwd=ROOT, env=spec.environment(), capture_output=True, text=True, timeout=120,
            check=False,
        )  # fmt: skip
        if done.returncode != 0:
            raise RuntimeError(f"create-user {email} failed: {done.stderr[-800:]}")


@asynccontextmanager
async def connect(database: str) -> AsyncIterator[Any]:
    """A connection to `database` on the bench's PostgreSQL, closed on the way out."""
    connection = await asyncpg.connect(PG_DSN.format(db=database))
    try:
        yield connection
    finally:
        await connection.close()


async def database(name: str, drop: bool = False) -> None:
    async with connect("postgres") as connection:
        if drop:
            await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        else:
            await connection.execute(f'CREATE DATABASE "{name}"')


async def delete_broker_objects(queue: str, exchange: str) -> None:
    import aio_pika

    connection = await aio_pika.connect_robust(AMQP)
    try:
        channel = await connection.channel()
        await channel.queue_delete(queue)
        await channel.exchange_delete(exchange)
    finally:
        await connection.close()


def start_production(plan: Plan, launcher: Launcher) -> None:
    """Every instance in the compose file's order; the two Rasa servers load their model while
    the rest starts."""
    by_name = {s.name: s for s in specs(plan)}
    rasa = [launcher.add(by_name[n]) for n in ("rasa-1", "rasa-2")]
    for process in rasa:
        process.start()
    launcher.start(by_name["shop"])
    launcher.start_all([by_name["actions-1"], by_name["actions-2"]])
    create_users(by_name["handoff-1"])
    for name in ("handoff-1", "handoff-2", "analytics", "haproxy"):
        launcher.start(by_name[name])
    waited = time.monotonic()
    for process in rasa:
        process.wait_ready(900, launcher.stopping)
    log.info("production profile up (Rasa ready %.0f s after the rest)", time.monotonic() - waited)


@contextmanager
def production(keep: bool = False) -> Iterator[Running]:
    plan = Plan()
    plan.workdir.mkdir(parents=True, exist_ok=True)
    asyncio.run(database(plan.database))
    try:
        with Launcher(grace=10) as launcher:
            stop_on_signals(launcher)
            start_production(plan, launcher)
            yield Running(
                plan.url("handoff"),
                plan.secret("HANDOFF_SHOP_SECRET"),
                {
                    "one": f"http://127.0.0.1:{plan.ports['rasa-1']}",
                    "two": plan.url("rasa"),
                },
                plan,
                launcher,
            )
    finally:
        if not keep:
            asyncio.run(database(plan.database, drop=True))
            asyncio.run(delete_broker_objects(plan.queue, plan.exchange))


@contextmanager
def demo() -> Iterator[Running]:
    from bench.stack import Stack

    with Stack() as stack:
        stack.start(timeout=900)
        yield Running(stack.handoff_url, stack.shop_secret, {"one": stack.rasa_url})


@contextmanager
def running(profile: str) -> Iterator[Running]:
    with production() if profile == "production" else demo() as stack:
        yield stack
