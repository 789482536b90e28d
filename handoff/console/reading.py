"""What agents read: handoff summaries and details, their queue, the customers' photos."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from handoff.accounts import ACT
from handoff.attachments import records
from handoff.conversations import queue
from handoff.conversations.state import require_handoff
from handoff.errors import Forbidden, NotFound
from handoff.hub import Hub
from handoff.store import repositories as repo
from handoff.store.models import Attachment, Handoff, User, utcnow
from handoff.values import HandoffStatus
from handoff.views import (
    attachment_view,
    event_view,
    handoff_summary_view,
    iso,
    message_view,
    note_view,
)


async def summary(
    *, session: AsyncSession, handoff: Handoff, long_wait_seconds: int | None = None
) -> dict[str, Any]:
    conversation = await repo.get_conversation(session, handoff.conversation_id)
    agent = await session.get(User, handoff.agent_id) if handoff.agent_id else None
    reasons = priority = None
    if long_wait_seconds is not None and handoff.status == HandoffStatus.QUEUED:
        now = utcnow()
        reasons = queue.priority_reasons(handoff, now=now, long_wait_seconds=long_wait_seconds)
        priority = queue.effective_priority(handoff, now=now, long_wait_seconds=long_wait_seconds)
    return handoff_summary_view(
        handoff, conversation=conversation, agent=agent, reasons=reasons, priority=priority
    )


async def detail(*, session: AsyncSession, handoff_id: int, long_wait: int) -> dict[str, Any]:
    handoff = await require_handoff(session=session, handoff_id=handoff_id)
    data = await summary(session=session, handoff=handoff, long_wait_seconds=long_wait)
    messages = await repo.list_messages(session, handoff.conversation_id)
    notes = await repo.list_notes(session, handoff.id)
    authors = {n.author_id: await session.get(User, n.author_id) for n in notes}
    events = await repo.list_events(session, handoff.id)
    data["context"] = handoff.context
    data["messages"] = [message_view(m, internal=True) for m in messages]
    data["notes"] = [note_view(n, authors.get(n.author_id)) for n in notes]
    data["events"] = [event_view(e) for e in events]
    return data


async def queue_view(*, session: AsyncSession, hub: Hub, user: User) -> list[dict[str, Any]]:
    handoffs = await queue.routable_queue(session=session, settings=hub.settings, user=user)
    lw = hub.settings.long_wait_seconds
    return [await summary(session=session, handoff=h, long_wait_seconds=lw) for h in handoffs]


# --- customers' photos -----------------------------------------------------------------


async def readable_attachment(
    *, session: AsyncSession, attachment_id: str, user: User
) -> Attachment:
    """A photo an agent may open: one of a conversation that was handed to the agents.
    Analysts (and anyone without a login, or with a customer token) are refused."""
    if user.role not in ACT:
        raise Forbidden("Your role cannot open customers' photos.")
    attachment = await records.get(session, attachment_id)
    if attachment is None:
        raise NotFound("No such attachment.")
    if not await repo.handoffs_for_conversations(session, [attachment.conversation_id]):
        raise NotFound("No such attachment.")
    return attachment


async def handoff_attachments(
    *, session: AsyncSession, handoff_id: int, user: User
) -> list[dict[str, Any]]:
    if user.role not in ACT:
        raise Forbidden("Your role cannot open customers' photos.")
    handoff = await require_handoff(session=session, handoff_id=handoff_id)
    rows = await records.for_conversation(session, handoff.conversation_id)
    return [
        {
            **attachment_view(
                records.reference(a), conversation_id=a.conversation_id, for_agent=True
            ),
            "seq": a.message_seq,
            "created_at": iso(a.created_at),
        }
        for a in rows
    ]
