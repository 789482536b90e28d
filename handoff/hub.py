"""The service's shared runtime objects (created in startup listeners)."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Coroutine
from dataclasses import dataclass, field
from typing import Any, TypeVar

from handoff.attachments.storage import FileStorage
from handoff.config import Settings
from handoff.locks import ConversationLocks, LocalLocks
from handoff.mail import Mailer
from handoff.presence_registry import LocalRegistry, PresenceRegistry
from handoff.pubsub import PubSub
from handoff.rasa import RasaClient
from handoff.ratelimit import RateLimits
from handoff.store.db import Database

T = TypeVar("T")


@dataclass
class Hub:
    settings: Settings
    db: Database
    rasa: RasaClient
    pubsub: PubSub
    limits: RateLimits
    mailer: Mailer
    attachments: FileStorage
    # per-conversation turn order (handoff.locks: Redis-backed with a redis:// pub/sub URL)
    locks: ConversationLocks = field(default_factory=LocalLocks)
    customer_sockets: defaultdict[str, int] = field(default_factory=lambda: defaultdict(int))
    tasks: set[asyncio.Task[Any]] = field(default_factory=set)
    # open customer sockets per conversation, shared by instances with a redis:// URL
    presence: PresenceRegistry = field(default_factory=LocalRegistry)
    # conversations whose abandoned bot turns this instance is re-driving now
    redriving: set[str] = field(default_factory=set)

    def spawn(self, coro: Coroutine[Any, Any, T], name: str) -> asyncio.Task[T]:
        """Run `coro` as the service's own task: it outlives the request that started it."""
        task = asyncio.create_task(coro, name=name)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        return task
