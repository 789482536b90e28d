"""Consume Rasa's pika event broker (RabbitMQ) into `analytics_events`.

Rasa publishes every tracker event as JSON with the conversation id in `sender_id` to a fanout
exchange bound to the configured queues (here `rasa_events`, durable). Messages are stored in
small batches and acknowledged only after the database commit, so a crash never loses events;
redelivered events are deduplicated by their key."""

from __future__ import annotations

import asyncio
import json
import logging
from collections import defaultdict
from typing import Any

import aio_pika
from aio_pika.abc import AbstractIncomingMessage

from handoff.analytics.store import store_events
from handoff.store.db import Database

log = logging.getLogger(__name__)


def parse_message(body: bytes) -> tuple[str, dict[str, Any]] | None:
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    if not isinstance(data, dict):
        return None
    sender = data.get("sender_id")
    if not isinstance(sender, str) or not sender or not isinstance(data.get("event"), str):
        return None
    return sender, data


class EventConsumer:
    def __init__(
        self,
        db: Database,
        url: str,
        queue: str = "rasa_events",
        *,
        batch_size: int = 200,
        flush_seconds: float = 0.5,
    ) -> None:
        self.db = db
        self.url = url
        self.queue_name = queue
        self.batch_size = batch_size
        self.flush_seconds = flush_seconds
        self.stored = 0
        self.rejected = 0
        self.received = 0
        self._pending: list[AbstractIncomingMessage] = []
        self._lock = asyncio.Lock()

    async def _flush(self) -> None:
        async with self._lock:
            pending, self._pending = self._pending, []
            if not pending:
                return
            events: dict[str, list[dict[str, Any]]] = defaultdict(list)
            for message in pending:
                parsed = parse_message(message.body)
                if parsed is not None:
                    events[parsed[0]].append(parsed[1])
            try:
                async with self.db.session() as session:
                    self.stored += await store_events(session, events, "broker")
            except Exception:
                log.exception("storing broker events failed; they will be redelivered")
                for message in pending:
                    await message.nack(requeue=True)
                return
            for message in pending:
                await message.ack()

    async def _on_message(self, message: AbstractIncomingMessage) -> None:
        self.received += 1
        if parse_message(message.body) is None:
            self.rejected += 1
            log.warning("rejected a malformed broker message", extra={"size": len(message.body)})
            await message.reject(requeue=False)
            return
        self._pending.append(message)
        if len(self._pending) >= self.batch_size:
            await self._flush()

    async def run(
        self, *, stop: asyncio.Event | None = None, idle_exit: float | None = None
    ) -> None:
        """Consume until `stop` is set (or, with `idle_exit`, until the queue stays empty)."""
        stop = stop or asyncio.Event()
        connection = await aio_pika.connect_robust(self.url)
        try:
            channel = await connection.channel()
            await channel.set_qos(prefetch_count=self.batch_size * 2)
            queue = await channel.declare_queue(self.queue_name, durable=True)
            await queue.consume(self._on_message)
            log.info("consuming rasa events", extra={"queue": self.queue_name})
            idle = 0.0
            while not stop.is_set():
                before = self.received
                try:
                    await asyncio.wait_for(stop.wait(), timeout=self.flush_seconds)
                except TimeoutError:
                    pass
                await self._flush()
                quiet = self.received == before and not self._pending
                idle = idle + self.flush_seconds if quiet else 0.0
                if idle_exit is not None and idle >= idle_exit:
                    break
            await self._flush()
        finally:
            await connection.close()
