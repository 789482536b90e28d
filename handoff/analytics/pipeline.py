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
from collections.abc import Awaitable, Callable
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from handoff.analytics import daily, store
from handoff.analytics.analysis import Rules, analyse
from handoff.analytics.inputs import load_facts, session_inputs
from handoff.analytics.models import (
    AnalyticsConversationState,
    AnalyticsDaily,
    AnalyticsEvent,
    AnalyticsSession,
)
from handoff.analytics.progress import Progress
from handoff.analytics.sources import EventSource
from handoff.analytics.writes import (
    ComputeStats,
    apply_write,
    links,
    plan_write,
    update_state,
    write_links,
)
from handoff.store.db import Database
from handoff.store.models import CesRating, Conversation, HandoffEvent, utcnow

__all__ = ["ComputeStats", "changed_conversations", "compute", "mark_all_dirty"]

log = logging.getLogger(__name__)


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


async def _batch(
    db: Database,
    source: EventSource,
    part: list[tuple[str, bool]],
    rules: Rules,
    now: datetime,
    stats: ComputeStats,
) -> set[str]:
    """Fetch, analyse and write one batch; returns the days it touched.

    The new events are stored first (a short transaction of their own: stored events are only
    input, and a batch that fails after it is computed again next time). Then everything is
    read and analysed before the first write, so the writes (the log, the links, the
    bookkeeping) run back to back in one short transaction: on SQLite a write transaction holds
    the only write lock, and every customer message waits behind it."""
    batch = [cid for cid, _ in part]
    to_fetch = [cid for cid, fetch in part if fetch]
    fetched = await source.fetch(to_fetch) if to_fetch else {}
    failures = getattr(source, "failures", {})
    fetch_ok = {cid for cid in batch if cid not in failures}
    stats.fetch_failures.extend(cid for cid in to_fetch if cid in failures)
    if fetched:
        async with db.session() as session:
            stats.events_stored += await store.store_events(session, fetched, source.name)
    async with db.session() as session:
        events = await store.load_events(session, batch)
        facts = await load_facts(session, batch)
        rows = [
            analyse(inp, rules, now)
            for cid in batch
            for inp in session_inputs(cid, events.get(cid, []), facts)
        ]
        changed_others = await links(session, rows, batch)
        plan = await plan_write(session, batch, rows, stats)
        # the writes, back to back
        await write_links(session, changed_others)
        stats.sessions_written += len(changed_others)
        touched = {o["day"] for o in changed_others} | await apply_write(session, plan)
        await update_state(session, batch, rows, fetch_ok, facts)
    return touched


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
    stats.conversations = len(work)
    # The daily figures of every touched day once, at the end (read, then swapped in short
    # write transactions: daily.refresh).
    touched: set[str] = set()
    bar = Progress(len(work), "analytics compute", enabled=progress)
    for start in range(0, len(work), batch_size):
        part = work[start : start + batch_size]
        touched |= await _batch(db, source, part, rules, now, stats)
        bar.advance(len(part))
        if heartbeat is not None and not await heartbeat():
            log.warning("analytics compute stopped: the lease was lost")
            break
    bar.close()
    async with db.session() as session:
        if full or await _daily_missing(session):
            touched.update(
                r[0] for r in await session.execute(select(AnalyticsSession.day).distinct())
            )
    stats.days_refreshed = await daily.refresh(db, touched)
    log.info("analytics computed", extra=stats.as_dict())
    return stats
