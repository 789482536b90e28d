"""Rate limits with the `limits` library: login throttling, conversation creation, messages.

Counters live in this process's memory, or in Redis when `HANDOFF_PUBSUB_URL` is a `redis://`
URL, so that several instances share them. Each rule comes from a setting in the `limits`
notation (`"10 per 15 minutes; 50 per day"`, or `off`)."""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING

from limits import RateLimitItem
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.errors import StorageError

if TYPE_CHECKING:  # imported when Redis is used: 0.3 s of every start otherwise
    from redis import asyncio as aioredis

from handoff.config import RATE_LIMIT_SETTINGS, Settings, parse_rate_limit
from handoff.errors import TooManyRequests

log = logging.getLogger(__name__)

LOGIN_ACCOUNT = "login_account"
LOGIN_ADDRESS = "login_address"
CONVERSATION_ADDRESS = "conversation_address"
MESSAGE_CONVERSATION = "message_conversation"
MESSAGE_ADDRESS = "message_address"
RULE_SETTINGS = {
    LOGIN_ACCOUNT: "login_limit_account",
    LOGIN_ADDRESS: "login_limit_address",
    CONVERSATION_ADDRESS: "conversation_limit_address",
    MESSAGE_CONVERSATION: "message_limit_conversation",
    MESSAGE_ADDRESS: "message_limit_address",
}
MESSAGES = {
    LOGIN_ACCOUNT: "Too many failed logins for this account; try again later.",
    LOGIN_ADDRESS: "Too many failed logins from this address; try again later.",
    CONVERSATION_ADDRESS: "Too many new conversations from this address; try again later.",
    MESSAGE_CONVERSATION: "Too many messages in this conversation; wait a moment.",
    MESSAGE_ADDRESS: "Too many messages from this address; wait a moment.",
}


def storage_for(pubsub_url: str) -> tuple[Storage, aioredis.ConnectionPool | None]:
    """Redis (shared by every instance) when live events go through Redis, else memory; with
    the Redis connection pool to close at shutdown."""
    if pubsub_url.startswith("redis"):
        from redis import asyncio as aioredis

        pool = aioredis.ConnectionPool.from_url(pubsub_url)
        storage = RedisStorage(
            "async+" + pubsub_url,
            implementation="redispy",
            connection_pool=pool,  # type: ignore[arg-type]  # passed on to redis-py
            wrap_exceptions=True,
            key_prefix="handoff-limits",
        )
        return storage, pool
    return MemoryStorage(), None


class RateLimits:
    def __init__(
        self,
        rules: Mapping[str, tuple[RateLimitItem, ...]],
        storage: Storage,
        pool: aioredis.ConnectionPool | None = None,
    ) -> None:
        self.rules = dict(rules)
        self.storage = storage
        self.pool = pool
        self.limiter = MovingWindowRateLimiter(storage)

    @classmethod
    def from_settings(cls, settings: Settings) -> RateLimits:
        rules = {
            rule: parse_rate_limit(RATE_LIMIT_SETTINGS[name], getattr(settings, name))
            for rule, name in RULE_SETTINGS.items()
        }
        storage, pool = storage_for(settings.pubsub_url)
        return cls(rules, storage, pool)

    async def _refuse(self, rule: str, item: RateLimitItem, key: str) -> TooManyRequests:
        stats = await self.limiter.get_window_stats(item, rule, key)
        retry_after = max(1, math.ceil(stats.reset_time - time.time()))
        return TooManyRequests(MESSAGES[rule], retry_after=retry_after)

    async def _apply(
        self,
        rule: str,
        key: str,
        step: Callable[[RateLimitItem, str, str], Awaitable[bool]],
        *,
        refuse: bool,
    ) -> None:
        """`step` (the limiter's hit or test) on each of the rule's limits; TooManyRequests
        where one says no and `refuse`."""
        try:
            for item in self.rules[rule]:
                if not await step(item, rule, key) and refuse:
                    raise await self._refuse(rule, item, key)
        except StorageError:
            # An unreachable Redis must not lock everybody out; it is logged loudly instead.
            log.warning("rate-limit storage unavailable; not limiting", exc_info=True)

    async def hit(self, rule: str, key: str) -> None:
        """Count one event; TooManyRequests if that exceeds the rule."""
        await self._apply(rule, key, self.limiter.hit, refuse=True)

    async def count(self, rule: str, key: str) -> None:
        """Count one event that already happened (nothing is refused)."""
        await self._apply(rule, key, self.limiter.hit, refuse=False)

    async def check(self, rule: str, key: str) -> None:
        """TooManyRequests if the next event would exceed the rule (counts nothing)."""
        await self._apply(rule, key, self.limiter.test, refuse=True)

    async def close(self) -> None:
        if self.pool is not None:
            await self.pool.aclose()
