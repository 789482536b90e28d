"""Live fan-out between customers, agents and instances.

`InMemoryPubSub` serves one process; `RedisPubSub` lets several instances share events.
Channels used: `conversation:<id>` (what the customer sees) and `console` (agent-facing events).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, Protocol

log = logging.getLogger(__name__)

CONSOLE = "console"


def conversation_channel(conversation_id: str) -> str:
    return f"conversation:{conversation_id}"


class Subscription(Protocol):
    def __aiter__(self) -> AsyncIterator[dict[str, Any]]: ...

    async def close(self) -> None: ...


class PubSub(Protocol):
    async def publish(self, channel: str, message: dict[str, Any]) -> None: ...

    async def subscribe(self, *channels: str) -> Subscription: ...

    async def close(self) -> None: ...


class _QueueSubscription:
    def __init__(self, owner: InMemoryPubSub, channels: tuple[str, ...], maxsize: int) -> None:
        self._owner = owner
        self.channels = channels
        self.queue: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue(maxsize=maxsize)
        self.closed = False

    def put(self, message: dict[str, Any]) -> None:
        try:
            self.queue.put_nowait(message)
        except asyncio.QueueFull:
            log.warning("subscriber too slow; dropping event", extra={"channels": self.channels})

    async def __aiter__(self) -> AsyncIterator[dict[str, Any]]:
        while not self.closed:
            item = await self.queue.get()
            if item is None:
                return
            yield item

    async def close(self) -> None:
        if not self.closed:
            self.closed = True
            self._owner._remove(self)
            with contextlib.suppress(asyncio.QueueFull):
                self.queue.put_nowait(None)


class InMemoryPubSub:
    """In-process fan-out; events are delivered in publish order to each subscriber."""

    def __init__(self, maxsize: int = 1000) -> None:
        self._subs: dict[str, set[_QueueSubscription]] = {}
        self._maxsize = maxsize

    async def publish(self, channel: str, message: dict[str, Any]) -> None:
        for sub in list(self._subs.get(channel, ())):
            sub.put(message)

    async def subscribe(self, *channels: str) -> Subscription:
        sub = _QueueSubscription(self, channels, self._maxsize)
        for channel in channels:
            self._subs.setdefault(channel, set()).add(sub)
        return sub

    def _remove(self, sub: _QueueSubscription) -> None:
        for channel in sub.channels:
            subs = self._subs.get(channel)
            if subs is not None:
                subs.discard(sub)
                if not subs:
                    del self._subs[channel]

    def subscriber_count(self, channel: str) -> int:
        return len(self._subs.get(channel, ()))

    async def close(self) -> None:
        for subs in list(self._subs.values()):
            for sub in list(subs):
                await sub.close()


class RedisPubSub:
    """Redis-backed fan-out: one shared connection reads every channel this instance needs and
    dispatches locally, so 1,000 customer sockets cost one Redis connection, not 1,000."""

    def __init__(self, url: str) -> None:
        from redis import asyncio as aioredis

        self._redis = aioredis.from_url(url, decode_responses=True)
        self._pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
        self._local = InMemoryPubSub()
        self._reader: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()
        self._ready = asyncio.Event()

    async def publish(self, channel: str, message: dict[str, Any]) -> None:
        await self._redis.publish(channel, json.dumps(message, default=str))

    async def subscribe(self, *channels: str) -> Subscription:
        async with self._lock:
            new = [c for c in channels if self._local.subscriber_count(c) == 0]
            sub = await self._local.subscribe(*channels)
            if new:
                await self._pubsub.subscribe(*new)
            if self._reader is None:
                self._reader = asyncio.create_task(self._read(), name="redis-pubsub-reader")
        return _RedisSubscription(self, sub)

    async def _release(self, sub: Subscription) -> None:
        async with self._lock:
            await sub.close()
            channels = getattr(sub, "channels", ())
            gone = [c for c in channels if self._local.subscriber_count(c) == 0]
            if gone:
                await self._pubsub.unsubscribe(*gone)

    async def _read(self) -> None:
        while True:
            try:
                msg = await self._pubsub.get_message(timeout=1.0)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("redis pub/sub read failed; retrying")
                await asyncio.sleep(0.5)
                continue
            if msg is None or msg.get("type") != "message":
                if not self._pubsub.subscribed:
                    await asyncio.sleep(0.05)
                continue
            try:
                data = json.loads(msg["data"])
            except (TypeError, ValueError):
                log.warning("ignoring malformed pub/sub payload")
                continue
            await self._local.publish(msg["channel"], data)

    async def close(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
        await self._local.close()
        close_pubsub: Callable[[], Awaitable[None]] = self._pubsub.aclose  # untyped in redis-py
        await close_pubsub()
        await self._redis.aclose()


class _RedisSubscription:
    def __init__(self, owner: RedisPubSub, inner: Subscription) -> None:
        self._owner = owner
        self._inner = inner

    def __aiter__(self) -> AsyncIterator[dict[str, Any]]:
        return self._inner.__aiter__()

    async def close(self) -> None:
        await self._owner._release(self._inner)


def make_pubsub(url: str) -> PubSub:
    if url.startswith("redis"):
        return RedisPubSub(url)
    return InMemoryPubSub()
