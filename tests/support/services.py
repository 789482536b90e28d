"""The machine's services for integration tests (PostgreSQL, Redis, RabbitMQ on 127.0.0.1,
URLs from scripts/with-services.sh): skip with a reason when one is unreachable, or fail
instead when REQUIRE_SERVICES=1 (CI)."""

from __future__ import annotations

import asyncio
import os
import socket
from urllib.parse import urlparse

import pytest

RABBITMQ_URL = os.environ.get("TEST_RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672/")
POSTGRES_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def skip_or_fail(reason: str) -> None:
    if os.environ.get("REQUIRE_SERVICES") == "1":
        pytest.fail(reason)
    pytest.skip(reason)


def need(url: str, default_port: int, what: str) -> None:
    """Skip (or fail) unless a TCP connection to the service's host and port succeeds."""
    parsed = urlparse(url.replace("+asyncpg", ""))
    host, port = parsed.hostname or "127.0.0.1", parsed.port or default_port
    try:
        with socket.create_connection((host, port), timeout=2):
            return
    except OSError as exc:
        skip_or_fail(f"{what} unreachable at {host}:{port} ({exc})")


async def need_redis() -> str:
    """Skip (or fail) unless Redis answers PING; returns its URL."""
    from redis import asyncio as aioredis

    probe = aioredis.from_url(REDIS_URL)
    try:
        await asyncio.wait_for(probe.ping(), 3)
    except Exception as exc:
        skip_or_fail(f"Redis unreachable at {REDIS_URL}: {exc!r}")
    finally:
        await probe.aclose()
    return REDIS_URL
