"""Finding a conversation or handoff (404 when there is none) and the customer's view of it."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from handoff.config import Settings
from handoff.conversations import queue
from handoff.errors import NotFound
from handoff.inputs import id_in_range
from handoff.store import repositories as repo
from handoff.store.models import Conversation, Handoff, User
from handoff.values import HandoffStatus
from handoff.views import conversation_view


async def require_conversation(*, session: AsyncSession, conversation_id: str) -> Conversation:
    conversation = await repo.get_conversation(session, conversation_id)
    if conversation is None:
        raise NotFound("No such conversation.")
    return conversation


async def require_handoff(*, session: AsyncSession, handoff_id: int) -> Handoff:
    handoff = await session.get(Handoff, handoff_id) if id_in_range(handoff_id) else None
    if handoff is None:
        raise NotFound("No such handoff.")
    return handoff


async def conversation_state(
    *, session: AsyncSession, settings: Settings, conversation: Conversation
) -> dict[str, Any]:
    handoff = await repo.open_handoff(session, conversation.id)
    queue_data = None
    agent: User | None = None
    if handoff is not None and handoff.status == HandoffStatus.QUEUED:
        info = await queue.queue_info(session=session, settings=settings, handoff=handoff)
        queue_data = info.as_dict()
    elif handoff is not None and handoff.agent_id is not None:
        agent = await session.get(User, handoff.agent_id)
    return {
        **conversation_view(conversation, queue=queue_data, agent=agent),
        "email_enabled": settings.mail_enabled,
    }
