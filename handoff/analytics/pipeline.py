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
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from handoff.analytics import daily, store
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
    AnalyticsDaily,
    AnalyticsEvent,
    AnalyticsSession,
    AnalyticsUtterance,
)
from handoff.analytics.progress import Progress
from handoff.analytics.sources import EventSource
from handoff.store.db import Database
from handoff.store.models import (
    CesRating,
    Conversation,
    Handoff,
    HandoffEvent,
    Message,
    utcnow,
)

log = logging.getLogger(__name__)
CHUNK = 500
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
    days_refreshed: int = 0
    fetch_failures: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


async def changed_conversations(session: AsyncSession) -> tuple[list[str], list[str]]:
    """(conversations whose events may have changed: fetch and recompute them,
    conversations with sessions still open: recompute them from the stored events)."""
    state = AnalyticsConversationState
    conv_rows = await session.execute(
        select(Conversation.id)
        .outerjoin(state, state.conversation_id == Conversation.id)
        .where(
            or_(
                state.conversation_id.is_(None),
                state.dirty.is_(True),
                state.seen_updated_at.is_(None),
                Conversation.updated_at > state.seen_updated_at,
                Conversation.left_at > state.computed_at,
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
    rated = await session.execute(  # CES answers the service recorded since the last run
        select(CesRating.conversation_id)
        .join(state, state.conversation_id == CesRating.conversation_id)
        .where(CesRating.answered_at > state.computed_at)
    )
    ids.update(r[0] for r in rated)
    dirty = await session.execute(select(state.conversation_id).where(state.dirty.is_(True)))
    ids.update(r[0] for r in dirty)
    still_open = await session.execute(
        select(state.conversation_id).where(state.has_open.is_(True))
    )
    recompute = {r[0] for r in still_open} - ids
    return sorted(ids), sorted(recompute)


async def _inputs(
    session: AsyncSession, ids: Sequence[str], events: dict[str, list[dict[str, Any]]]
) -> list[SessionInput]:
    convs = {
        c.id: c
        for c in (
            await session.scalars(
                select(Conversation).where(store.in_ids(session, Conversation.id, ids))
            )
        )
    }
    handoffs: dict[str, list[HandoffInfo]] = defaultdict(list)
    hrows = (
        await session.scalars(
            select(Handoff)
            .where(store.in_ids(session, Handoff.conversation_id, ids))
            .order_by(Handoff.requested_at)
        )
    ).all()
    abandoned: dict[int, tuple[datetime, str | None]] = {}
    first_claim: dict[int, tuple[datetime, int | None]] = {}
    transfers: dict[int, int] = defaultdict(int)
    agent_messages: dict[str, list[datetime]] = defaultdict(list)
    if hrows:
        erows = await session.execute(
            select(
                HandoffEvent.handoff_id,
                HandoffEvent.type,
                HandoffEvent.at,
                HandoffEvent.agent_id,
                HandoffEvent.data,
            )
            .where(
                store.in_ids(session, HandoffEvent.conversation_id, ids),
                HandoffEvent.type.in_(("abandoned", "claimed", "transferred")),
            )
            .order_by(HandoffEvent.at, HandoffEvent.id)
        )
        for hid, kind, at, agent, data in erows:
            if kind == "abandoned":
                abandoned.setdefault(hid, (at, (data or {}).get("status")))
            elif kind == "claimed":
                first_claim.setdefault(hid, (at, agent))
            else:
                transfers[hid] += 1
        arows = await session.execute(
            select(Message.conversation_id, Message.created_at)
            .where(store.in_ids(session, Message.conversation_id, ids), Message.role == "agent")
            .order_by(Message.conversation_id, Message.seq)
        )
        for cid, at in arows:
            agent_messages[cid].append(at)
    for h in hrows:
        left = abandoned.get(h.id)
        claim = first_claim.get(h.id)
        first_reply = next(
            (at for at in agent_messages.get(h.conversation_id, []) if at >= h.requested_at),
            None,
        )
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
                language=h.language,
                agent_id=h.agent_id,
                first_agent_id=claim[1] if claim else None,
                transfers=transfers.get(h.id, 0),
                first_claimed_at=claim[0] if claim else h.claimed_at,
                first_agent_message_at=first_reply,
            )
        )
    messages: dict[str, list[CustomerMessage]] = defaultdict(list)
    mrows = await session.execute(
        select(Message.conversation_id, Message.created_at, Message.text)
        .where(store.in_ids(session, Message.conversation_id, ids), Message.role == "customer")
        .order_by(Message.conversation_id, Message.seq)
    )
    for cid, at, text in mrows:
        messages[cid].append(CustomerMessage(at=at, text=text))

    ratings: dict[str, list[tuple[datetime, int, int | None, str]]] = defaultdict(list)
    rrows = await session.execute(
        select(
            CesRating.conversation_id,
            CesRating.answered_at,
            CesRating.score,
            CesRating.handoff_id,
            CesRating.after,
        )
        .where(store.in_ids(session, CesRating.conversation_id, ids), CesRating.score.is_not(None))
        .order_by(CesRating.answered_at)
    )
    for cid, answered, score, hid, after in rrows:
        if answered is not None and score is not None:
            ratings[cid].append((answered, int(score), hid, str(after)))

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
            left_at=conv.left_at if conv else None,
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
                    ratings=ratings.get(cid, []),
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
                    ratings=[r for r in ratings.get(cid, []) if r[2] == ho.id],
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
                    store.in_ids(session, AnalyticsSession.customer_key, chunk),
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


def _utterance_rows(row: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for u in row["details"]["failed_utterances"]:
        text = u["text"][:2000]
        out.append(
            {
                "session_key": row["session_key"],
                "conversation_id": row["conversation_id"],
                "day": row["day"],
                "language": row["language"],
                "task": row["task"],
                "kind": u["kind"],
                "text": text,
                "text_norm": " ".join(text.lower().split())[:200],
                "intent": u["intent"],
                "likely_intent": u["likely_intent"],
                "confidence": u["confidence"],
                "at": datetime.fromtimestamp(u["at"], row["started_at"].tzinfo),
            }
        )
    return out


async def _write(
    session: AsyncSession, ids: Sequence[str], rows: list[dict[str, Any]], stats: ComputeStats
) -> set[str]:
    """Write only rows that differ, in bulk: one SELECT of the stored rows, one DELETE of the
    changed/stale ones, one multi-row INSERT (sessions and utterances)."""
    table = cast(Table, AnalyticsSession.__table__)
    columns = [table.c[name] for name in ROW_FIELDS]
    existing: dict[str, Any] = {}
    for start in range(0, len(ids), CHUNK):
        result = await session.execute(
            select(*columns).where(
                store.in_ids(session, table.c.conversation_id, ids[start : start + CHUNK])
            )
        )
        existing.update({r.session_key: r for r in result})
    now = utcnow()
    fresh: list[dict[str, Any]] = []
    produced = set()
    for row in rows:
        produced.add(row["session_key"])
        current = existing.get(row["session_key"])
        if current is not None and all(_same(getattr(current, f), row[f]) for f in ROW_FIELDS):
            stats.sessions_unchanged += 1
            continue
        fresh.append({**row, "computed_at": now})
    stale = [key for key in existing if key not in produced]
    replaced = [r["session_key"] for r in fresh if r["session_key"] in existing]
    gone = stale + replaced
    for start in range(0, len(gone), CHUNK):
        chunk = gone[start : start + CHUNK]
        await session.execute(
            delete(table).where(store.in_ids(session, table.c.session_key, chunk))
        )
    utterance_keys = gone + [r["session_key"] for r in fresh if r["session_key"] not in existing]
    if existing:
        u = cast(Table, AnalyticsUtterance.__table__)
        for start in range(0, len(utterance_keys), CHUNK):
            chunk = utterance_keys[start : start + CHUNK]
            await session.execute(delete(u).where(store.in_ids(session, u.c.session_key, chunk)))
    stats.sessions_deleted += len(stale)
    stats.sessions_written += len(fresh)
    await store.bulk_insert(session, table, fresh)
    touched = {r["day"] for r in fresh} | {existing[key].day for key in gone}
    utterances = [u for row in fresh for u in _utterance_rows(row)]
    await store.bulk_insert(session, cast(Table, AnalyticsUtterance.__table__), utterances)
    return touched


async def _update_state(
    session: AsyncSession, ids: Sequence[str], rows: list[dict[str, Any]], fetch_ok: set[str]
) -> None:
    """One upsert of the bookkeeping rows of the batch."""
    convs: dict[str, Any] = {}
    he: dict[str, Any] = {}
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        convs.update(
            (
                await session.execute(
                    select(Conversation.id, Conversation.updated_at).where(
                        store.in_ids(session, Conversation.id, chunk)
                    )
                )
            ).all()
        )
        he.update(
            (
                await session.execute(
                    select(HandoffEvent.conversation_id, func.max(HandoffEvent.id))
                    .where(store.in_ids(session, HandoffEvent.conversation_id, chunk))
                    .group_by(HandoffEvent.conversation_id)
                )
            ).all()
        )
    open_ids = {r["conversation_id"] for r in rows if r["outcome"] == "open"}
    counts: dict[str, int] = defaultdict(int)
    for r in rows:
        counts[r["conversation_id"]] += 1
    now = utcnow()
    values = [
        {
            "conversation_id": cid,
            "dirty": cid not in fetch_ok,
            "has_open": cid in open_ids,
            "seen_updated_at": convs.get(cid),
            "seen_events": counts.get(cid, 0),
            "seen_handoff_event_id": int(he.get(cid) or 0),
            "computed_at": now,
        }
        for cid in ids
    ]
    for start in range(0, len(values), CHUNK):
        stmt = store.dialect_insert(session, AnalyticsConversationState)
        stmt = stmt.on_conflict_do_update(
            index_elements=["conversation_id"],
            set_={
                name: stmt.excluded[name]
                for name in (
                    "dirty",
                    "has_open",
                    "seen_updated_at",
                    "seen_events",
                    "seen_handoff_event_id",
                    "computed_at",
                )
            },
        )
        await session.execute(stmt, values[start : start + CHUNK])


async def _daily_missing(session: AsyncSession) -> bool:
    """The log has sessions but no daily figures (e.g. right after the migration)."""
    has_daily = await session.scalar(select(AnalyticsDaily.id).limit(1))
    if has_daily is not None:
        return False
    return await session.scalar(select(AnalyticsSession.id).limit(1)) is not None


async def mark_all_dirty(db: Database) -> int:
    """Make the next run recompute every conversation (a full recompute)."""
    async with db.session() as session:
        ids = [r[0] for r in await session.execute(select(Conversation.id))]
        ids += [
            r[0] for r in await session.execute(select(AnalyticsEvent.conversation_id).distinct())
        ]
        await store.mark_dirty(session, ids)
    return len(set(ids))


Heartbeat = Callable[[], Awaitable[bool]]


async def compute(
    db: Database,
    source: EventSource,
    *,
    rules: Rules | None = None,
    now: datetime | None = None,
    batch_size: int = 200,
    progress: bool = False,
    full: bool = False,
    heartbeat: Heartbeat | None = None,
) -> ComputeStats:
    """Compute the changed conversations (all of them with `full`). `heartbeat` is awaited
    after every batch (the live loop renews its lease there); when it returns False the run
    stops and leaves the rest for the next one."""
    rules = rules or Rules()
    now = now or utcnow()
    stats = ComputeStats()
    if full:
        await mark_all_dirty(db)
    async with db.session() as session:
        fetch_ids, recompute_ids = await changed_conversations(session)
    work = [(cid, True) for cid in fetch_ids] + [(cid, False) for cid in recompute_ids]
    touched: set[str] = set()
    stats.conversations = len(work)
    bar = Progress(len(work), "analytics compute", enabled=progress)
    for start in range(0, len(work), batch_size):
        part = work[start : start + batch_size]
        batch = [cid for cid, _ in part]
        to_fetch = [cid for cid, fetch in part if fetch]
        fetched = await source.fetch(to_fetch) if to_fetch else {}
        failures = getattr(source, "failures", {})
        fetch_ok = {cid for cid in batch if cid not in failures}
        stats.fetch_failures.extend(cid for cid in to_fetch if cid in failures)
        async with db.session() as session:
            if fetched:
                stats.events_stored += await store.store_events(session, fetched, source.name)
            events = await store.load_events(session, batch)
            inputs = await _inputs(session, batch, events)
            rows = [analyse(inp, rules, now) for inp in inputs]
            changed_others = await _link(session, rows, set(batch))
            stats.sessions_written += len(changed_others)
            touched.update(o.day for o in changed_others)
            touched.update(await _write(session, batch, rows, stats))
            await _update_state(session, batch, rows, fetch_ok)
        bar.advance(len(batch))
        if heartbeat is not None and not await heartbeat():
            log.warning("analytics compute stopped: the lease was lost")
            break
    bar.close()
    async with db.session() as session:
        if full or await _daily_missing(session):
            touched.update(
                r[0] for r in await session.execute(select(AnalyticsSession.day).distinct())
            )
        stats.days_refreshed = await daily.refresh(session, touched)
    log.info("analytics computed", extra=stats.as_dict())
    return stats
