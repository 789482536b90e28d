"""The incremental containment-log computation.

1. Find conversations that changed since the last run (new messages, handoff events, events
   stored by the broker, sessions still open).
2. Ask the event source for their tracker events and store the new ones.
3. Recompute every session of those conversations from the stored events + the handoff store.
4. Re-link the customers' sessions (24 h reopen, 7-day repeat contact) and write only rows
   that differ. Running it twice gives the same rows.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from handoff.analytics import store
from handoff.analytics.analysis import (
    ConversationInfo,
    CustomerMessage,
    HandoffInfo,
    Rules,
    SessionInput,
    analyse,
)
from handoff.analytics.events import split_sessions
from handoff.analytics.linking import LINK_FIELDS, REPEAT_WINDOW, apply_links
from handoff.analytics.models import (
    AnalyticsConversationState,
    AnalyticsEvent,
    AnalyticsSession,
    AnalyticsUtterance,
)
from handoff.analytics.progress import Progress
from handoff.analytics.sources import EventSource
from handoff.store.db import Database
from handoff.store.models import Conversation, Handoff, HandoffEvent, Message, utcnow

log = logging.getLogger(__name__)
ROW_FIELDS = [
    c.name for c in AnalyticsSession.__table__.columns if c.name not in ("id", "computed_at")
]


@dataclass
class ComputeStats:
    conversations: int = 0
    events_stored: int = 0
    sessions_written: int = 0
    sessions_deleted: int = 0
    sessions_unchanged: int = 0
    fetch_failures: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


async def changed_conversations(session: AsyncSession) -> list[str]:
    state = AnalyticsConversationState
    conv_rows = await session.execute(
        select(Conversation.id)
        .outerjoin(state, state.conversation_id == Conversation.id)
        .where(
            or_(
                state.conversation_id.is_(None),
                state.dirty.is_(True),
                state.has_open.is_(True),
                state.seen_updated_at.is_(None),
                Conversation.updated_at > state.seen_updated_at,
            )
        )
    )
    ids = {r[0] for r in conv_rows}
    newest = (
        select(HandoffEvent.conversation_id, func.max(HandoffEvent.id).label("max_id"))
        .group_by(HandoffEvent.conversation_id)
        .subquery()
    )
    he_rows = await session.execute(
        select(newest.c.conversation_id)
        .outerjoin(state, state.conversation_id == newest.c.conversation_id)
        .where(or_(state.conversation_id.is_(None), newest.c.max_id > state.seen_handoff_event_id))
    )
    ids.update(r[0] for r in he_rows)
    other = await session.execute(
        select(state.conversation_id).where(or_(state.dirty.is_(True), state.has_open.is_(True)))
    )
    ids.update(r[0] for r in other)
    return sorted(ids)


async def _inputs(
    session: AsyncSession, ids: Sequence[str], events: dict[str, list[dict[str, Any]]]
) -> list[SessionInput]:
    convs = {
        c.id: c
        for c in (await session.scalars(select(Conversation).where(Conversation.id.in_(ids))))
    }
    handoffs: dict[str, list[HandoffInfo]] = defaultdict(list)
    hrows = (
        await session.scalars(
            select(Handoff).where(Handoff.conversation_id.in_(ids)).order_by(Handoff.requested_at)
        )
    ).all()
    abandoned: dict[int, tuple[datetime, str | None]] = {}
    if hrows:
        erows = await session.execute(
            select(HandoffEvent.handoff_id, HandoffEvent.at, HandoffEvent.data)
            .where(HandoffEvent.conversation_id.in_(ids), HandoffEvent.type == "abandoned")
            .order_by(HandoffEvent.at)
        )
        for hid, at, data in erows:
            abandoned.setdefault(hid, (at, (data or {}).get("status")))
    for h in hrows:
        left = abandoned.get(h.id)
        # A customer who left an unclaimed handoff abandoned the queue.
        left_at = left[0] if left and h.claimed_at is None else None
        handoffs[h.conversation_id].append(
            HandoffInfo(
                id=h.id,
                reason=h.reason,
                status=h.status,
                requested_at=h.requested_at,
                claimed_at=h.claimed_at,
                closed_at=h.closed_at,
                abandoned_at=left_at,
                abandoned_status=left[1] if left else None,
            )
        )
    messages: dict[str, list[CustomerMessage]] = defaultdict(list)
    mrows = await session.execute(
        select(Message.conversation_id, Message.created_at, Message.text)
        .where(Message.conversation_id.in_(ids), Message.role == "customer")
        .order_by(Message.conversation_id, Message.seq)
    )
    for cid, at, text in mrows:
        messages[cid].append(CustomerMessage(at=at, text=text))

    inputs: list[SessionInput] = []
    for cid in ids:
        conv = convs.get(cid)
        info = ConversationInfo(
            conversation_id=cid,
            language=conv.language if conv else "en",
            channel=conv.channel if conv else "web",
            customer_id=conv.customer_id if conv else None,
            email=conv.email if conv else None,
            mode=conv.mode if conv else "bot",
        )
        sessions = split_sessions(events.get(cid, []))
        conv_handoffs = handoffs.get(cid, [])
        for position, rasa_session in enumerate(sessions):
            nxt = sessions[position + 1].start if position + 1 < len(sessions) else None
            inputs.append(
                SessionInput(
                    conversation=info,
                    session=rasa_session,
                    start=rasa_session.start,
                    next_start=nxt,
                    handoffs=conv_handoffs,
                    customer_messages=messages.get(cid, []),
                )
            )
        # Handoffs no tracker session covers (Rasa was unreachable): their own session.
        starts = [s.start for s in sessions]
        for ho in conv_handoffs:
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
                    customer_messages=messages.get(cid, []),
                    key_suffix=f"h{ho.id}",
                )
            )
    return inputs


def _row_values(row: AnalyticsSession) -> dict[str, Any]:
    return {name: getattr(row, name) for name in ROW_FIELDS}


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, datetime) and isinstance(b, datetime):
        return abs((a - b).total_seconds()) < 1e-3
    return bool(a == b)


async def _link(
    session: AsyncSession, rows: list[dict[str, Any]], ids: set[str]
) -> list[AnalyticsSession]:
    """Apply cross-session rules over the batch + the same customers' stored sessions.
    Returns stored rows outside the batch whose link fields changed (already updated)."""
    keys = {r["customer_key"] for r in rows if not r["customer_key"].startswith("v:")}
    others: list[AnalyticsSession] = []
    if keys:
        earliest = min(r["started_at"] for r in rows) - REPEAT_WINDOW
        for chunk_start in range(0, len(keys), 300):
            chunk = sorted(keys)[chunk_start : chunk_start + 300]
            found = await session.scalars(
                select(AnalyticsSession).where(
                    AnalyticsSession.customer_key.in_(chunk),
                    AnalyticsSession.conversation_id.not_in(ids),
                    AnalyticsSession.started_at >= earliest,
                )
            )
            others.extend(found)
    other_dicts = [_row_values(o) for o in others]
    for d in other_dicts:
        d["details"] = dict(d["details"] or {})
    apply_links([*rows, *other_dicts])
    changed: list[AnalyticsSession] = []
    for obj, d in zip(others, other_dicts, strict=True):
        if any(not _same(getattr(obj, f), d[f]) for f in LINK_FIELDS):
            for f in (*LINK_FIELDS, "details"):
                setattr(obj, f, d[f])
            obj.computed_at = utcnow()
            changed.append(obj)
    return changed


async def _write(
    session: AsyncSession, ids: Sequence[str], rows: list[dict[str, Any]], stats: ComputeStats
) -> None:
    existing = {
        r.session_key: r
        for r in await session.scalars(
            select(AnalyticsSession).where(AnalyticsSession.conversation_id.in_(ids))
        )
    }
    now = utcnow()
    rewrite_utterances: list[dict[str, Any]] = []
    produced = set()
    for row in rows:
        produced.add(row["session_key"])
        current = existing.get(row["session_key"])
        if current is None:
            session.add(AnalyticsSession(**row, computed_at=now))
            rewrite_utterances.append(row)
            stats.sessions_written += 1
            continue
        if all(_same(getattr(current, f), row[f]) for f in ROW_FIELDS):
            stats.sessions_unchanged += 1
            continue
        for f in ROW_FIELDS:
            setattr(current, f, row[f])
        current.computed_at = now
        rewrite_utterances.append(row)
        stats.sessions_written += 1
    stale = [key for key in existing if key not in produced]
    if stale:
        await session.execute(
            delete(AnalyticsSession).where(AnalyticsSession.session_key.in_(stale))
        )
        await session.execute(
            delete(AnalyticsUtterance).where(AnalyticsUtterance.session_key.in_(stale))
        )
        stats.sessions_deleted += len(stale)
    if rewrite_utterances:
        keys = [r["session_key"] for r in rewrite_utterances]
        await session.execute(
            delete(AnalyticsUtterance).where(AnalyticsUtterance.session_key.in_(keys))
        )
        for row in rewrite_utterances:
            for u in row["details"]["failed_utterances"]:
                text = u["text"][:2000]
                session.add(
                    AnalyticsUtterance(
                        session_key=row["session_key"],
                        conversation_id=row["conversation_id"],
                        day=row["day"],
                        language=row["language"],
                        task=row["task"],
                        kind=u["kind"],
                        text=text,
                        text_norm=" ".join(text.lower().split())[:200],
                        intent=u["intent"],
                        likely_intent=u["likely_intent"],
                        confidence=u["confidence"],
                        at=datetime.fromtimestamp(u["at"], row["started_at"].tzinfo),
                    )
                )


async def _update_state(
    session: AsyncSession, ids: Sequence[str], rows: list[dict[str, Any]], fetch_ok: set[str]
) -> None:
    convs = dict(
        (
            await session.execute(
                select(Conversation.id, Conversation.updated_at).where(Conversation.id.in_(ids))
            )
        ).all()
    )
    counts = dict(
        (
            await session.execute(
                select(AnalyticsEvent.conversation_id, func.count(AnalyticsEvent.id))
                .where(AnalyticsEvent.conversation_id.in_(ids))
                .group_by(AnalyticsEvent.conversation_id)
            )
        ).all()
    )
    he = dict(
        (
            await session.execute(
                select(HandoffEvent.conversation_id, func.max(HandoffEvent.id))
                .where(HandoffEvent.conversation_id.in_(ids))
                .group_by(HandoffEvent.conversation_id)
            )
        ).all()
    )
    open_ids = {r["conversation_id"] for r in rows if r["outcome"] == "open"}
    states = {
        s.conversation_id: s
        for s in await session.scalars(
            select(AnalyticsConversationState).where(
                AnalyticsConversationState.conversation_id.in_(ids)
            )
        )
    }
    now = utcnow()
    for cid in ids:
        state = states.get(cid)
        if state is None:
            state = AnalyticsConversationState(conversation_id=cid)
            session.add(state)
        state.dirty = cid not in fetch_ok
        state.has_open = cid in open_ids
        state.seen_updated_at = convs.get(cid)
        state.seen_events = int(counts.get(cid, 0))
        state.seen_handoff_event_id = int(he.get(cid) or 0)
        state.computed_at = now


async def compute(
    db: Database,
    source: EventSource,
    *,
    rules: Rules | None = None,
    now: datetime | None = None,
    batch_size: int = 200,
    progress: bool = False,
) -> ComputeStats:
    rules = rules or Rules()
    now = now or utcnow()
    stats = ComputeStats()
    async with db.session() as session:
        ids = await changed_conversations(session)
    stats.conversations = len(ids)
    bar = Progress(len(ids), "analytics compute", enabled=progress)
    for start in range(0, len(ids), batch_size):
        batch = ids[start : start + batch_size]
        fetched = await source.fetch(batch)
        failures = getattr(source, "failures", {})
        fetch_ok = {cid for cid in batch if cid not in failures}
        stats.fetch_failures.extend(cid for cid in batch if cid in failures)
        async with db.session() as session:
            if fetched:
                stats.events_stored += await store.store_events(session, fetched, source.name)
            events = await store.load_events(session, batch)
            inputs = await _inputs(session, batch, events)
            rows = [analyse(inp, rules, now) for inp in inputs]
            changed_others = await _link(session, rows, set(batch))
            stats.sessions_written += len(changed_others)
            await _write(session, batch, rows, stats)
            await _update_state(session, batch, rows, fetch_ok)
        bar.advance(len(batch))
    bar.close()
    log.info("analytics computed", extra=stats.as_dict())
    return stats
