"""Per-conversation locks that keep a conversation's turns in order.

`LocalLocks` serves one process: one `asyncio.Lock` per conversation while somebody holds or
waits for it, dropped when the last one leaves (nothing grows with the number of conversations
ever seen). `RedisLocks` (when HANDOFF_PUBSUB_URL is redis://) orders turns across instances
with a Redis lock per conversation (SET NX PX with a token; it expires on its own if the holder
dies) and a local lock in front of it, so waiters in one process queue locally instead of
polling Redis.

Usage: ``async with hub.locks[conversation_id]: ...``.
"""

from __future__ import annotations

import asyncio
import logging
from types import TracebackType
from typing import Any, Protocol

log = logging.getLogger(__name__)


class ConversationLocks(Protocol):
    def __getitem__(self, conversation_id: str) -> _Handle: ...

    def __len__(self) -> int: ...

    async def close(self) -> None: ...


class _Entry:
    __slots__ = ("lock", "users")

    def __init__(self) -> None:
        self.lock = asyncio.Lock()
        self.users = 0


class _Handle:
    """``async with`` holds the conversation's lock; the entry is pruned by the last user."""

    def __init__(self, owner: LocalLocks, key: str) -> None:
        self._owner = owner
        self._key = key
        self._entry: _Entry | None = None

    async def __aenter__(self) -> None:
        entry = self._owner._entries.get(self._key)
        if entry is None:
            entry = self._owner._entries[self._key] = _Entry()
        entry.users += 1
        self._entry = entry
        try:
            await entry.lock.acquire()
        except BaseException:
            self._leave(entry)
            raise
        try:
            await self._owner._acquired(self._key)
        except BaseException:
            entry.lock.release()
            self._leave(entry)
            raise

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        entry = self._entry
        assert entry is not None
        try:
            await self._owner._releasing(self._key)
        finally:
            entry.lock.release()
            self._leave(entry)

    def _leave(self, entry: _Entry) -> None:
        entry.users -= 1
        if entry.users <= 0 and self._owner._entries.get(self._key) is entry:
            del self._owner._entries[self._key]


class LocalLocks:
    """In-process per-conversation locks, pruned when unused."""

    def __init__(self) -> None:
        self._entries: dict[str, _Entry] = {}

    def __getitem__(self, conversation_id: str) -> _Handle:
        return _Handle(self, conversation_id)

    def __len__(self) -> int:
        return len(self._entries)

    async def _acquired(self, key: str) -> None:
        return None

    async def _releasing(self, key: str) -> None:
        return None

    async def close(self) -> None:
        self._entries.clear()


class RedisLocks(LocalLocks):
    """Per-conversation order across instances: a local lock, then a Redis lock.

    The Redis lock expires after ``ttl`` seconds, so a crashed holder blocks the conversation
    for at most that long (longer than any turn, which has its own deadline)."""

    def __init__(self, url: str, *, ttl: float = 15.0, wait: float = 30.0) -> None:
        super().__init__()
        from redis import asyncio as aioredis

        self._redis: Any = aioredis.from_url(url)
        self._ttl = ttl
        self._wait = wait
        self._held: dict[str, Any] = {}

    async def _acquired(self, key: str) -> None:
        lock = self._redis.lock(
            f"handoff:turn-lock:{key}",
            timeout=self._ttl,
            sleep=0.01,
            blocking_timeout=self._wait,
        )
        if not await lock.acquire():
            raise TimeoutError(f"conversation lock {key} not acquired within {self._wait} s")
        self._held[key] = lock

    async def _releasing(self, key: str) -> None:
        lock = self._held.pop(key, None)
        if lock is None:
            return
        try:
            await lock.release()
        except Exception:  # expired meanwhile (a very slow turn): the next holder has it
            log.warning("conversation lock had expired before release", extra={"key": key})

    async def close(self) -> None:
        await super().close()
        await self._redis.aclose()


def make_locks(pubsub_url: str) -> ConversationLocks:
    if pubsub_url.startswith("redis"):
        return RedisLocks(pubsub_url)
    return LocalLocks()
