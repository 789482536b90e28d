"""Storing what the bot said (one turn's replies, or its answer to a hand-back)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from handoff.store import repositories as repo
from handoff.store.models import Message
from handoff.values import Sender


@dataclass
class BotReplies:
    stored: list[Message]
    # `custom.handoff` of a reply (from `action_handoff`): the bot asks for a human.
    handoff: dict[str, Any] | None


async def store_bot_replies(
    session: AsyncSession, *, conversation_id: str, replies: Sequence[dict[str, Any]]
) -> BotReplies:
    """Store each reply (text, buttons, custom) as a bot message, in order."""
    result = BotReplies([], None)
    for reply in replies:
        payload = {k: v for k, v in reply.items() if k != "recipient_id"}
        custom = payload.get("custom")
        if isinstance(custom, dict) and isinstance(custom.get("handoff"), dict):
            result.handoff = custom["handoff"]
        text = reply.get("text") if isinstance(reply.get("text"), str) else None
        result.stored.append(
            await repo.add_message(
                session,
                conversation_id=conversation_id,
                role=Sender.BOT,
                text=text,
                payload=payload,
            )
        )
    return result
