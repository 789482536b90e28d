"""System messages: what the service itself tells the customer (texts in handoff.texts)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from handoff import texts
from handoff.conversations.queue import QueueInfo
from handoff.store import repositories as repo
from handoff.store.models import Conversation, Handoff, Message
from handoff.values import Sender


async def system_message(
    session: AsyncSession,
    *,
    conversation_id: str,
    language: str,
    event: str,
    handoff_id: int | None = None,
    **data: Any,
) -> Message:
    """A notice from the service itself. `custom.event` is the machine-readable type the widget
    reacts to (docs/api.md, "System messages"); `text` is what the customer reads."""
    values = {k: v for k, v in data.items() if v is not None}
    text_values = {"agent": values.get("agent_name"), **values}
    payload: dict[str, Any] = {"event": event, "custom": {"event": event, **values}}
    if handoff_id is not None:
        payload["handoff_id"] = handoff_id
    if "agent_name" in values:
        payload["agent_name"] = values["agent_name"]
    return await repo.add_message(
        session,
        conversation_id=conversation_id,
        role=Sender.SYSTEM,
        text=texts.text(language, event, **text_values),
        payload=payload,
    )


async def queued_notices(
    session: AsyncSession,
    *,
    conversation: Conversation,
    info: QueueInfo,
    handoff: Handoff,
    bot_unavailable: bool = False,
) -> list[Message]:
    """What a customer is told on entering the queue: the wait, or that nobody is online."""
    stored: list[Message] = []
    cid, lang = conversation.id, conversation.language
    if bot_unavailable:
        stored.append(
            await system_message(
                session, conversation_id=cid, language=lang, event="bot_unavailable"
            )
        )
    if info.agents_online:
        wait = info.estimated_wait_seconds or 60
        event = "queued"
        data: dict[str, Any] = {
            "estimated_wait_seconds": info.estimated_wait_seconds,
            "minutes": max(1, round(wait / 60)),
            "agents_online": info.agents_online,
        }
    else:
        event, data = "nobody_online", {"agents_online": 0}
    notice = await system_message(
        session,
        conversation_id=cid,
        language=lang,
        event=event,
        handoff_id=handoff.id,
        position=info.position,
        **data,
    )
    return [*stored, notice]
