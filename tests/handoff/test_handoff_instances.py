"""Several instances: per-conversation turn order (locks) and customer presence, in process and
across instances through Redis (TEST_REDIS_URL)."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest

from handoff.locks import LocalLocks, RedisLocks
from handoff.presence_registry import LocalRegistry, RedisRegistry
from tests.support.services import need_redis


async def _serialised(locks_a: Any, locks_b: Any, key: str) -> list[str]:
    """Two holders of the same conversation's lock never overlap; the log shows the order."""
    log: list[str] = []

    async def turn(locks: Any, name: str) -> None:
        async with locks[key]:
            log.append(f"{name}+")
            await asyncio.sleep(0.05)
            log.append(f"{name}-")

    await asyncio.gather(*(turn(locks_a if n % 2 else locks_b, f"t{n}") for n in range(6)))
    return log


def _no_overlap(log: list[str]) -> bool:
    return all(log[i][:-1] == log[i + 1][:-1] for i in range(0, len(log), 2))


async def test_local_locks_order_turns_and_are_pruned() -> None:
    locks = LocalLocks()
    log = await _serialised(locks, locks, "c1")
    assert _no_overlap(log) and len(log) == 12
    assert len(locks) == 0
    async with locks["c2"]:
        assert len(locks) == 1
    assert len(locks) == 0
    with pytest.raises(RuntimeError):
        async with locks["c3"]:
            raise RuntimeError("turn failed")
    assert len(locks) == 0


async def test_local_presence_counts_and_forgets() -> None:
    registry = LocalRegistry()
    await registry.connected("c")
    await registry.connected("c")
    await registry.disconnected("c")
    assert await registry.count("c") == 1
    await registry.disconnected("c")
    assert await registry.count("c") == 0 and len(registry) == 0


@pytest.fixture
async def redis_url() -> str:
    return await need_redis()


@pytest.mark.redis
async def test_redis_locks_order_turns_across_instances(redis_url: str) -> None:
    one, two = RedisLocks(redis_url), RedisLocks(redis_url)
    try:
        log = await _serialised(one, two, f"conv-{uuid.uuid4().hex}")
        assert _no_overlap(log) and len(log) == 12
        assert len(one) == 0 and len(two) == 0
    finally:
        await one.close()
        await two.close()


@pytest.mark.redis
async def test_redis_presence_is_shared_and_a_dead_instance_stops_counting(
    redis_url: str,
) -> None:
    conversation = f"conv-{uuid.uuid4().hex}"
    a = RedisRegistry(redis_url, f"a-{uuid.uuid4().hex[:6]}")
    b = RedisRegistry(redis_url, f"b-{uuid.uuid4().hex[:6]}")
    try:
        await a.connected(conversation)  # the customer's socket is on instance A
        await b.heartbeat()
        assert await b.count(conversation) == 1  # instance B knows the customer is there
        await b.connected(conversation)  # reconnected on B, then A's socket closes
        await a.disconnected(conversation)
        assert await a.count(conversation) == 1  # A's grace timer sees the B socket
        await b.close()  # B dies (its heartbeat key goes)
        assert await a.count(conversation) == 0
    finally:
        await a.close()
