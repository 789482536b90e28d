"""The service's shared runtime objects (created in startup listeners)."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from dataclasses import dataclass, field

from handoff.attachments.storage import FileStorage
from handoff.config import Settings
from handoff.gateway.rasa import RasaClient
from handoff.mail import Mailer
from handoff.pubsub import PubSub
from handoff.store.db import Database


@dataclass
class Hub:
    settings: Settings
    db: Database
    rasa: RasaClient
    pubsub: PubSub
    mailer: Mailer
    attachments: FileStorage
    locks: defaultdict[str, asyncio.Lock] = field(default_factory=lambda: defaultdict(asyncio.Lock))
    customer_sockets: defaultdict[str, int] = field(default_factory=lambda: defaultdict(int))
    tasks: set[asyncio.Task[None]] = field(default_factory=set)

    def spawn(self, coro: object, name: str) -> None:
        task: asyncio.Task[None] = asyncio.create_task(coro, name=name)  # type: ignore[arg-type]
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
