"""How many customer sockets a conversation has open, across instances.

A customer whose socket closes on instance A and who comes back on instance B has not left:
the leave grace timer on A asks the shared count. `LocalRegistry` serves one process;
`RedisRegistry` (HANDOFF_PUBSUB_URL redis://) keeps one Redis hash per conversation
(``instance → open sockets``) and counts only instances that are alive (a heartbeat key with a
TTL, renewed by every instance), so the sockets of a crashed instance stop counting by
themselves. Entries for conversations with no socket are deleted (nothing grows unbounded).
"""

from __future__ import annotations

import time
from typing import Any, Protocol

ALIVE_TTL_SECONDS = 30


class PresenceRegistry(Protocol):
    async def connected(self, conversation_id: str) -> None: ...

    async def disconnected(self, conversation_id: str) -> None: ...

    async def count(self, conversation_id: str) -> int: ...

    async def heartbeat(self) -> None: ...

    async def close(self) -> None: ...


class LocalRegistry:
    def __init__(self) -> None:
        self._counts: dict[str, int] = {}

    async def connected(self, conversation_id: str) -> None:
        self._counts[conversation_id] = self._counts.get(conversation_id, 0) + 1

    async def disconnected(self, conversation_id: str) -> None:
        left = self._counts.get(conversation_id, 0) - 1
        if left > 0:
            self._counts[conversation_id] = left
        else:
            self._counts.pop(conversation_id, None)

    async def count(self, conversation_id: str) -> int:
        return self._counts.get(conversation_id, 0)

    def __len__(self) -> int:
        return len(self._counts)

    async def heartbeat(self) -> None:
        return None

    async def close(self) -> None:
        self._counts.clear()


class RedisRegistry:
    def __init__(self, url: str, instance: str) -> None:
        from redis import asyncio as aioredis

        self._redis: Any = aioredis.from_url(url, decode_responses=True)
        self._instance = instance
        self._beat = 0.0

    @staticmethod
    def _key(conversation_id: str) -> str:
        return f"handoff:sockets:{conversation_id}"

    async def heartbeat(self) -> None:
        now = time.monotonic()
        if now - self._beat >= ALIVE_TTL_SECONDS / 3:
            await self._redis.set(f"handoff:alive:{self._instance}", "1", ex=ALIVE_TTL_SECONDS)
            self._beat = now

    async def connected(self, conversation_id: str) -> None:
        await self.heartbeat()
        key = self._key(conversation_id)
        await self._redis.hincrby(key, self._instance, 1)
        await self._redis.expire(key, 24 * 3600)

    async def disconnected(self, conversation_id: str) -> None:
        key = self._key(conversation_id)
        if await self._redis.hincrby(key, self._instance, -1) <= 0:
            await self._redis.hdel(key, self._instance)

    async def count(self, conversation_id: str) -> int:
        entries: dict[str, str] = await self._redis.hgetall(self._key(conversation_id))
        total = 0
        for instance, raw in entries.items():
            if instance == self._instance or await self._redis.exists(f"handoff:alive:{instance}"):
                total += max(0, int(raw))
        return total

    async def close(self) -> None:
        await self._redis.delete(f"handoff:alive:{self._instance}")
        await self._redis.aclose()


def make_registry(pubsub_url: str, instance: str) -> PresenceRegistry:
    if pubsub_url.startswith("redis"):
        return RedisRegistry(pubsub_url, instance)
    return LocalRegistry()
