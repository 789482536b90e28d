"""What the production check counts, from the stores themselves (never from the clients' view).

- ``lost``: a message the customer sent (its ``client_message_id``) that the service never stored;
- ``duplicated``: a customer message stored twice, or processed twice by the bot (two user events
  in Rasa's tracker with the same ``handoff_message_id``);
- ``unanswered``: a stored customer message with no answer (a bot reply, an agent's message, or a
  service notice other than "still checking") before the customer's next message;
- ``duplicated_writes``: order writes beyond one per order the customers asked to change (every
  write reaches the order API with a fresh Idempotency-Key, and the order API stores each one);
- analytics: conversations with events from the broker and sessions in the containment log, for
  the conversations of this run.
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from datetime import datetime
from typing import Any

import httpx

from bench import client
from bench.prod import stacks
from bench.prod.drive import Customer, is_answer


async def conversations(
    handoff_url: str, rasa_url: str, rasa_token: str, customers: list[Customer]
) -> dict[str, Any]:
    lost = duplicated = unanswered = processed_twice = bot_replies = bot_answered = 0
    examples: list[dict[str, Any]] = []
    async with (
        httpx.AsyncClient(base_url=handoff_url, timeout=30) as http,
        httpx.AsyncClient(base_url=rasa_url, timeout=30) as rasa,
    ):
        for customer in customers:
            if not customer.conversation_id:
                continue
            response = await http.get(
                f"/api/conversations/{customer.conversation_id}/messages", headers=customer.auth
            )
            response.raise_for_status()
            history = response.json()["messages"]
            stored = Counter(m["client_message_id"] for m in history if m["role"] == "customer")
            replies = sum(1 for m in history if m["role"] == "bot")
            bot_replies += replies
            bot_answered += 1 if replies else 0
            duplicated += sum(n - 1 for n in stored.values() if n > 1)
            for sent in customer.sent:
                if stored[sent.client_id] == 0:
                    lost += 1
                    examples.append({"lost": sent.text, "conversation": customer.conversation_id})
            for message in client.unanswered(history, is_answer):
                unanswered += 1
                examples.append(
                    {
                        "unanswered": message["text"],
                        "seq": message["seq"],
                        "conversation": customer.conversation_id,
                        "channel": customer.channel,
                        "kind": customer.kind,
                    }
                )
            processed_twice += await client.processed_twice(
                rasa, customer.conversation_id, rasa_token
            )
    return {
        "lost": lost,
        "duplicated": duplicated + processed_twice,
        "processed_twice_by_bot": processed_twice,
        "unanswered": unanswered,
        "bot_replies": bot_replies,
        "conversations_the_bot_answered": bot_answered,
        "examples": examples[:20],
    }


def _order_of(body: Any) -> str | None:
    """The order number a write's stored response is about."""
    if isinstance(body, dict):
        if isinstance(body.get("order_number"), str):
            return str(body["order_number"])
        for value in body.values():
            found = _order_of(value)
            if found:
                return found
    return None


async def order_writes(database: str, orders: list[str]) -> dict[str, Any]:
    async with stacks.connect(database) as connection:
        rows = await connection.fetch("SELECT status, body FROM shop_idempotency")
    per_order: Counter[str] = Counter()
    accepted: Counter[str] = Counter()
    for row in rows:
        order = _order_of(json.loads(row["body"]))
        if order in orders:
            per_order[order] += 1
            if int(row["status"]) < 300:
                accepted[order] += 1
    return {
        "orders_asked": len(orders),
        "write_requests": sum(per_order.values()),
        "orders_changed": len(accepted),
        "duplicated_writes": sum(n - 1 for n in per_order.values() if n > 1),
    }


async def queue_drained(amqp_url: str, queue: str, timeout: float = 90.0) -> int:
    """Wait until the consumer has taken every event; the messages still waiting."""
    import aio_pika

    connection = await aio_pika.connect_robust(amqp_url)
    try:
        channel = await connection.channel()
        left = -1
        for _ in range(int(timeout)):
            declared = await channel.declare_queue(queue, passive=True)
            left = int(declared.declaration_result.message_count or 0)
            if left == 0:
                break
            await asyncio.sleep(1)
        return left
    finally:
        await connection.close()


async def live_run_after(database: str, since: datetime, timeout: float = 120.0) -> bool:
    """Wait for the services' own analytics loop (ANALYTICS_LIVE_SECONDS, lease `compute`) to
    start and finish a run after `since` (aware UTC); False on timeout. (A CLI `compute` cannot
    run meanwhile: the live loop keeps its lease.)"""
    async with stacks.connect(database) as connection:
        for _ in range(int(timeout)):
            row = await connection.fetchrow(
                "SELECT last_started_at, last_finished_at FROM analytics_lease"
                " WHERE name = 'compute'"
            )
            if row and row["last_started_at"] and row["last_finished_at"]:
                started, finished = row["last_started_at"], row["last_finished_at"]
                if started > since and finished >= started:
                    return True
            await asyncio.sleep(1)
        return False


async def analytics(database: str, conversation_ids: list[str]) -> dict[str, Any]:
    async with stacks.connect(database) as connection:
        with_events = await connection.fetchval(
            "SELECT count(DISTINCT conversation_id) FROM analytics_events"
            " WHERE conversation_id = ANY($1::text[])",
            conversation_ids,
        )
        sessions = await connection.fetch(
            "SELECT conversation_id, count(*) AS n FROM analytics_sessions"
            " WHERE conversation_id = ANY($1::text[]) GROUP BY conversation_id",
            conversation_ids,
        )
        outcomes = await connection.fetch(
            "SELECT coalesce(outcome, 'open') AS outcome, count(*) AS n FROM analytics_sessions"
            " WHERE conversation_id = ANY($1::text[]) GROUP BY 1",
            conversation_ids,
        )
    counted = {r["conversation_id"]: int(r["n"]) for r in sessions}
    return {
        "conversations": len(conversation_ids),
        "conversations_with_events": int(with_events or 0),
        "conversations_with_sessions": len(counted),
        "sessions": sum(counted.values()),
        "conversations_with_several_sessions": sum(1 for n in counted.values() if n > 1),
        "outcomes": {r["outcome"]: int(r["n"]) for r in outcomes},
    }
