"""Production path: Rasa's pika event broker → RabbitMQ → consumer → analytics tables."""

from __future__ import annotations

import asyncio
import json
import uuid

import aio_pika
import pytest
from sqlalchemy import func, select

from handoff.analytics.broker import EventConsumer
from handoff.analytics.models import AnalyticsEvent
from handoff.analytics.pipeline import compute
from handoff.analytics.sources import BrokerSource
from handoff.store.db import Database
from tests.support.analytics_fixtures import NOW, rows
from tests.support.analytics_scenarios import build
from tests.support.services import RABBITMQ_URL, need

pytestmark = pytest.mark.rabbitmq


async def publish_like_rasa(exchange_name: str, queue: str, messages: list[bytes]) -> None:
    """What rasa.core.brokers.pika.PikaEventBroker does: a fanout exchange bound to durable
    queues, persistent JSON messages `{"sender_id": ..., **event.as_dict()}`."""
    connection = await aio_pika.connect_robust(RABBITMQ_URL)
    async with connection:
        channel = await connection.channel()
        exchange = await channel.declare_exchange(exchange_name, aio_pika.ExchangeType.FANOUT)
        q = await channel.declare_queue(queue, durable=True)
        await q.bind(exchange, "")
        for body in messages:
            await exchange.publish(
                aio_pika.Message(body, delivery_mode=aio_pika.DeliveryMode.PERSISTENT), ""
            )


async def delete(exchange_name: str, queue: str) -> None:
    connection = await aio_pika.connect_robust(RABBITMQ_URL)
    async with connection:
        channel = await connection.channel()
        await channel.queue_delete(queue)
        await channel.exchange_delete(exchange_name)


async def test_consumer_stores_rasa_events_and_rows_follow(db: Database) -> None:
    need(RABBITMQ_URL, 5672, "RabbitMQ")
    trackers = await build(db)
    suffix = uuid.uuid4().hex[:8]
    exchange, queue = f"rasa-exchange-test-{suffix}", f"rasa_events_test_{suffix}"
    bodies = [
        json.dumps({"sender_id": cid, **event}).encode()
        for cid, tracker in trackers.items()
        for event in tracker["events"]
    ]
    total = len(bodies)
    bodies += [b"not json", json.dumps({"event": "user"}).encode()]  # rejected
    bodies += bodies[:10]  # redelivered duplicates are ignored
    try:
        await publish_like_rasa(exchange, queue, bodies)
        consumer = EventConsumer(db, RABBITMQ_URL, queue, batch_size=100, flush_seconds=0.2)
        await asyncio.wait_for(consumer.run(idle_exit=0.6), timeout=30)
    finally:
        await delete(exchange, queue)
    assert consumer.rejected == 2
    async with db.session() as session:
        stored = (await session.execute(select(func.count(AnalyticsEvent.id)))).scalar_one()
        sources = set((await session.scalars(select(AnalyticsEvent.source))).all())
    assert stored == total and sources == {"broker"}
    stats = await compute(db, BrokerSource(), now=NOW)
    assert stats.sessions_written == 18

    found = await rows(db)
    assert found["c-fallback:0"].outcome == "escalated"
    assert found["c-reopen-1:0"].outcome_reason == "reopened_24h"
    assert found["c-contained:0"].ces_score == 6
