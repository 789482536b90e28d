"""Queries and writes on the store (SQLAlchemy 2.0 `select()` style). Callers own the session."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from handoff.store.models import (
    AuthSession,
    Conversation,
    Handoff,
    HandoffEvent,
    Message,
    Note,
    User,
    utcnow,
)
from handoff.values import (
    OPEN_STATUSES,
    BotStatus,
    HandoffEventType,
    HandoffStatus,
    Role,
    Sender,
)

RowT = TypeVar("RowT")


async def add(session: AsyncSession, row: RowT) -> RowT:
    """Insert `row` now (so it has its id) and return it."""
    session.add(row)
    await session.flush()
    return row


# --- conversations & messages --------------------------------------------------------------


async def get_conversation(session: AsyncSession, conversation_id: str) -> Conversation | None:
    return await session.get(Conversation, conversation_id)


async def next_seq(session: AsyncSession, conversation_id: str) -> int:
    """Atomically allocate the next per-conversation sequence number (row lock on PostgreSQL)."""
    result = await session.execute(
        update(Conversation)
        .where(Conversation.id == conversation_id)
        .values(last_seq=Conversation.last_seq + 1, updated_at=utcnow())
        .returning(Conversation.last_seq)
    )
    return int(result.scalar_one())


async def message_by_client_id(
    session: AsyncSession, conversation_id: str, client_message_id: str
) -> Message | None:
    result = await session.execute(
        select(Message).where(
            Message.conversation_id == conversation_id,
            Message.client_message_id == client_message_id,
        )
    )
    return result.scalar_one_or_none()


async def add_message(
    session: AsyncSession,
    *,
    conversation_id: str,
    role: str,
    text: str | None,
    payload: dict[str, Any] | None = None,
    client_message_id: str | None = None,
    agent_id: int | None = None,
) -> Message:
    seq = await next_seq(session, conversation_id)
    message = Message(
        conversation_id=conversation_id,
        seq=seq,
        role=role,
        text=text,
        payload=payload or {},
        client_message_id=client_message_id,
        agent_id=agent_id,
        created_at=utcnow(),
    )
    return await add(session, message)


async def mark_turn_done(session: AsyncSession, message_id: int) -> None:
    """The customer message's bot turn is over (handoff.gateway.turns)."""
    await session.execute(
        update(Message)
        .where(Message.id == message_id)
        .values(bot_status=BotStatus.DONE, bot_lease_until=None)
    )


async def list_messages(
    session: AsyncSession,
    conversation_id: str,
    *,
    after: int = 0,
    limit: int | None = None,
) -> Sequence[Message]:
    stmt = (
        select(Message)
        .where(Message.conversation_id == conversation_id, Message.seq > after)
        .order_by(Message.seq)
    )
    if limit is not None:
        stmt = stmt.limit(limit)
    return (await session.execute(stmt)).scalars().all()


async def recent_conversations(
    session: AsyncSession,
    *,
    customer_id: str | None,
    email: str | None,
    exclude: str,
    since: datetime,
) -> Sequence[Conversation]:
    conditions = []
    if customer_id:
        conditions.append(Conversation.customer_id == customer_id)
    elif email:
        conditions.append(func.lower(Conversation.email) == email.lower())
    if not conditions:
        return []
    stmt = (
        select(Conversation)
        .where(or_(*conditions), Conversation.id != exclude, Conversation.created_at >= since)
        .order_by(Conversation.created_at.desc())
        .limit(20)
    )
    return (await session.execute(stmt)).scalars().all()


def _newest_messages(
    conversation_id: str, *conditions: ColumnElement[bool], limit: int
) -> Select[Message]:
    """The last `limit` messages of a conversation that meet `conditions`, newest first."""
    return (
        select(Message)
        .where(Message.conversation_id == conversation_id, *conditions)
        .order_by(Message.seq.desc())
        .limit(limit)
    )


async def last_message(session: AsyncSession, conversation_id: str) -> Message | None:
    """The conversation's last message with a text."""
    stmt = _newest_messages(conversation_id, Message.text.is_not(None), limit=1)
    return (await session.execute(stmt)).scalar_one_or_none()


async def recent_bot_messages(
    session: AsyncSession, conversation_id: str, *, before: int, limit: int
) -> Sequence[Message]:
    """The last `limit` bot messages with a sequence number below `before`, newest first."""
    stmt = _newest_messages(
        conversation_id, Message.role == Sender.BOT, Message.seq < before, limit=limit
    )
    return (await session.execute(stmt)).scalars().all()


# --- handoffs ------------------------------------------------------------------------------


async def open_handoff(session: AsyncSession, conversation_id: str) -> Handoff | None:
    stmt = (
        select(Handoff)
        .where(Handoff.conversation_id == conversation_id, Handoff.status.in_(OPEN_STATUSES))
        .order_by(Handoff.id.desc())
        .limit(1)
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def handoffs_for_conversations(
    session: AsyncSession, conversation_ids: Sequence[str]
) -> Sequence[Handoff]:
    if not conversation_ids:
        return []
    stmt = select(Handoff).where(Handoff.conversation_id.in_(conversation_ids))
    return (await session.execute(stmt)).scalars().all()


async def list_handoffs(
    session: AsyncSession,
    *,
    statuses: Sequence[str] | None = None,
    agent_id: int | None = None,
    limit: int = 200,
) -> Sequence[Handoff]:
    stmt = select(Handoff).order_by(Handoff.requested_at.desc()).limit(limit)
    if statuses:
        stmt = stmt.where(Handoff.status.in_(statuses))
    if agent_id is not None:
        stmt = stmt.where(Handoff.agent_id == agent_id)
    return (await session.execute(stmt)).scalars().all()


async def queued_handoffs(session: AsyncSession) -> Sequence[Handoff]:
    stmt = (
        select(Handoff).where(Handoff.status == HandoffStatus.QUEUED).order_by(Handoff.requested_at)
    )
    return (await session.execute(stmt)).scalars().all()


async def present_conversation_ids(session: AsyncSession, ids: Sequence[str]) -> set[str]:
    """Which of these conversations have their customer connected now."""
    if not ids:
        return set()
    stmt = select(Conversation.id).where(
        Conversation.id.in_(list(ids)), Conversation.customer_present.is_(True)
    )
    return set((await session.execute(stmt)).scalars().all())


async def recent_handling_seconds(session: AsyncSession, *, limit: int = 20) -> list[float]:
    stmt = (
        select(Handoff.claimed_at, Handoff.closed_at)
        .where(
            Handoff.status.in_((HandoffStatus.RESOLVED, HandoffStatus.HANDED_BACK)),
            Handoff.claimed_at.is_not(None),
            Handoff.closed_at.is_not(None),
            Handoff.closed_at >= utcnow() - timedelta(days=7),
        )
        .order_by(Handoff.closed_at.desc())
        .limit(limit)
    )
    rows = (await session.execute(stmt)).all()
    return [(closed - claimed).total_seconds() for claimed, closed in rows if claimed and closed]


async def add_event(
    session: AsyncSession,
    handoff: Handoff,
    type_: HandoffEventType,
    *,
    agent_id: int | None = None,
    data: dict[str, Any] | None = None,
) -> HandoffEvent:
    event = HandoffEvent(
        handoff_id=handoff.id,
        conversation_id=handoff.conversation_id,
        type=type_,
        at=utcnow(),
        agent_id=agent_id,
        data=data or {},
    )
    return await add(session, event)


async def list_events(session: AsyncSession, handoff_id: int) -> Sequence[HandoffEvent]:
    stmt = (
        select(HandoffEvent)
        .where(HandoffEvent.handoff_id == handoff_id)
        .order_by(HandoffEvent.at, HandoffEvent.id)
    )
    return (await session.execute(stmt)).scalars().all()


async def list_notes(session: AsyncSession, handoff_id: int) -> Sequence[Note]:
    stmt = select(Note).where(Note.handoff_id == handoff_id).order_by(Note.id)
    return (await session.execute(stmt)).scalars().all()


# --- users & sessions ----------------------------------------------------------------------


async def user_by_email(session: AsyncSession, email: str) -> User | None:
    stmt = select(User).where(func.lower(User.email) == email.strip().lower())
    return (await session.execute(stmt)).scalar_one_or_none()


async def list_users(session: AsyncSession) -> Sequence[User]:
    return (await session.execute(select(User).order_by(User.id))).scalars().all()


async def online_agents(session: AsyncSession, *, since: datetime) -> Sequence[User]:
    stmt = select(User).where(
        User.active.is_(True),
        User.available.is_(True),
        User.role.in_((Role.AGENT, Role.SUPERVISOR, Role.ADMIN)),
        User.last_seen_at >= since,
    )
    return (await session.execute(stmt)).scalars().all()


async def claimed_counts(session: AsyncSession) -> dict[int, int]:
    stmt = (
        select(Handoff.agent_id, func.count())
        .where(Handoff.status == HandoffStatus.CLAIMED, Handoff.agent_id.is_not(None))
        .group_by(Handoff.agent_id)
    )
    return {int(agent): int(n) for agent, n in (await session.execute(stmt)).all() if agent}


async def session_by_digest(session: AsyncSession, digest: str) -> AuthSession | None:
    stmt = select(AuthSession).where(AuthSession.token_hash == digest)
    return (await session.execute(stmt)).scalar_one_or_none()
