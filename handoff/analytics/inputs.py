"""Build the analysis inputs of a batch of conversations: their stored Rasa events split into
sessions, plus what the handoff store knows (conversation, handoffs and their events, the
customers' and agents' messages, CES answers). Plain column selects (no ORM objects): this is
the hot path of a large computation."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from handoff.analytics import store
from handoff.analytics.events import split_sessions
from handoff.analytics.session_input import (
    ConversationInfo,
    CustomerMessage,
    HandoffInfo,
    SessionInput,
)
from handoff.store.models import CesRating, Conversation, Handoff, HandoffEvent, Message
from handoff.values import HandoffEventType

Rating = tuple[datetime, int, int | None, str]


@dataclass
class BatchFacts:
    """What the store holds for a batch, per conversation id."""

    conversations: dict[str, ConversationInfo] = field(default_factory=dict)
    updated_at: dict[str, datetime] = field(default_factory=dict)
    handoffs: dict[str, list[HandoffInfo]] = field(default_factory=dict)
    last_handoff_event: dict[str, int] = field(default_factory=dict)
    messages: dict[str, list[CustomerMessage]] = field(default_factory=dict)
    ratings: dict[str, list[Rating]] = field(default_factory=dict)


async def _conversations(session: AsyncSession, ids: Sequence[str], facts: BatchFacts) -> None:
    c = Conversation
    rows = await store.rows(
        session,
        select(
            c.id, c.language, c.channel, c.customer_id, c.email, c.mode, c.left_at, c.updated_at
        ).where(store.in_ids(session, c.id, ids)),
    )
    for cid, language, channel, customer, email, mode, left_at, updated in rows:
        facts.conversations[cid] = ConversationInfo(
            conversation_id=cid,
            language=language,
            channel=channel,
            customer_id=customer,
            email=email,
            mode=mode,
            left_at=left_at,
        )
        facts.updated_at[cid] = updated


async def _handoff_events(
    session: AsyncSession, ids: Sequence[str], facts: BatchFacts
) -> tuple[dict[int, tuple[datetime, str | None]], dict[int, tuple[datetime, int | None]], Any]:
    """(first abandonment per handoff, first claim per handoff, transfers per handoff); also
    records the newest handoff event id per conversation (the incremental bookkeeping)."""
    abandoned: dict[int, tuple[datetime, str | None]] = {}
    first_claim: dict[int, tuple[datetime, int | None]] = {}
    transfers: dict[int, int] = defaultdict(int)
    e = HandoffEvent
    rows = await store.rows(
        session,
        select(e.id, e.conversation_id, e.handoff_id, e.type, e.at, e.agent_id, e.data)
        .where(store.in_ids(session, e.conversation_id, ids))
        .order_by(e.at, e.id),
    )
    newest = facts.last_handoff_event
    for event_id, cid, hid, kind, at, agent, data in rows:
        if event_id > newest.get(cid, 0):
            newest[cid] = event_id
        if kind == HandoffEventType.ABANDONED:
            abandoned.setdefault(hid, (at, (data or {}).get("status")))
        elif kind == HandoffEventType.CLAIMED:
            first_claim.setdefault(hid, (at, agent))
        elif kind == HandoffEventType.TRANSFERRED:
            transfers[hid] += 1
    return abandoned, first_claim, transfers


async def _handoffs(session: AsyncSession, ids: Sequence[str], facts: BatchFacts) -> None:
    h = Handoff
    hrows = await store.rows(
        session,
        select(
            h.id,
            h.conversation_id,
            h.reason,
            h.status,
            h.requested_at,
            h.claimed_at,
            h.closed_at,
            h.language,
            h.agent_id,
        )
        .where(store.in_ids(session, h.conversation_id, ids))
        .order_by(h.requested_at),
    )
    abandoned, first_claim, transfers = await _handoff_events(session, ids, facts)
    if not hrows:
        return
    agent_messages: dict[str, list[datetime]] = defaultdict(list)
    arows = await store.rows(
        session,
        select(Message.conversation_id, Message.created_at)
        .where(store.in_ids(session, Message.conversation_id, ids), Message.role == "agent")
        .order_by(Message.conversation_id, Message.seq),
    )
    for cid, at in arows:
        agent_messages[cid].append(at)
    for hid, cid, reason, status, requested, claimed, closed, language, agent in hrows:
        left = abandoned.get(hid)
        claim = first_claim.get(hid)
        first_reply = next((at for at in agent_messages.get(cid, []) if at >= requested), None)
        facts.handoffs.setdefault(cid, []).append(
            HandoffInfo(
                id=hid,
                reason=reason,
                status=status,
                requested_at=requested,
                claimed_at=claimed,
                closed_at=closed,
                # A customer who left an unclaimed handoff abandoned the queue.
                abandoned_at=left[0] if left and claimed is None else None,
                abandoned_status=left[1] if left else None,
                language=language,
                agent_id=agent,
                first_agent_id=claim[1] if claim else None,
                transfers=transfers.get(hid, 0),
                first_claimed_at=claim[0] if claim else claimed,
                first_agent_message_at=first_reply,
            )
        )


async def _messages_and_ratings(
    session: AsyncSession, ids: Sequence[str], facts: BatchFacts
) -> None:
    mrows = await store.rows(
        session,
        select(Message.conversation_id, Message.created_at, Message.text)
        .where(store.in_ids(session, Message.conversation_id, ids), Message.role == "customer")
        .order_by(Message.conversation_id, Message.seq),
    )
    for cid, at, text in mrows:
        facts.messages.setdefault(cid, []).append(CustomerMessage(at=at, text=text))
    r = CesRating
    rrows = await store.rows(
        session,
        select(r.conversation_id, r.answered_at, r.score, r.handoff_id, r.after)
        .where(store.in_ids(session, r.conversation_id, ids), r.score.is_not(None))
        .order_by(r.answered_at),
    )
    for cid, answered, score, hid, after in rrows:
        if answered is not None and score is not None:
            facts.ratings.setdefault(cid, []).append((answered, int(score), hid, str(after)))


async def load_facts(session: AsyncSession, ids: Sequence[str]) -> BatchFacts:
    facts = BatchFacts()
    await _conversations(session, ids, facts)
    await _handoffs(session, ids, facts)
    await _messages_and_ratings(session, ids, facts)
    return facts


def session_inputs(cid: str, events: list[dict[str, Any]], facts: BatchFacts) -> list[SessionInput]:
    """One input per Rasa session of the conversation, plus one per handoff no tracker
    session covers (Rasa was unreachable)."""
    info = facts.conversations.get(cid) or ConversationInfo(conversation_id=cid)
    sessions = split_sessions(events)
    handoffs = facts.handoffs.get(cid, [])
    messages = facts.messages.get(cid, [])
    ratings = facts.ratings.get(cid, [])
    inputs = []
    for position, rasa_session in enumerate(sessions):
        nxt = sessions[position + 1].start if position + 1 < len(sessions) else None
        inputs.append(
            SessionInput(
                conversation=info,
                session=rasa_session,
                start=rasa_session.start,
                next_start=nxt,
                handoffs=handoffs,
                customer_messages=messages,
                ratings=ratings,
            )
        )
    starts = [s.start for s in sessions]
    for ho in handoffs:
        at = ho.requested_at.timestamp()
        if starts and at >= starts[0] - 5:
            continue
        inputs.append(
            SessionInput(
                conversation=info,
                session=None,
                start=at,
                next_start=starts[0] if starts and starts[0] > at else None,
                handoffs=[ho],
                customer_messages=messages,
                key_suffix=f"h{ho.id}",
                ratings=[r for r in ratings if r[2] == ho.id],
            )
        )
    return inputs


async def newest_handoff_events(session: AsyncSession, ids: Sequence[str]) -> dict[str, int]:
    rows = await store.rows(
        session,
        select(HandoffEvent.conversation_id, func.max(HandoffEvent.id))
        .where(store.in_ids(session, HandoffEvent.conversation_id, ids))
        .group_by(HandoffEvent.conversation_id),
    )
    return {cid: int(n or 0) for cid, n in rows}
