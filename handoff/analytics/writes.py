"""Writing a computed batch: cross-session links over the batch and the same customers'
stored sessions, the rows that differ (one SELECT, one DELETE, one COPY per table), and the
per-conversation bookkeeping (one upsert)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, not_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from handoff.analytics import store
from handoff.analytics.inputs import BatchFacts
from handoff.analytics.linking import LINK_FIELDS, REPEAT_WINDOW, apply_links
from handoff.analytics.models import (
    AnalyticsConversationState,
    AnalyticsSession,
    AnalyticsUtterance,
)
from handoff.store.models import utcnow

CHUNK = 500
ROW_FIELDS = [
    c.name for c in AnalyticsSession.__table__.columns if c.name not in ("id", "computed_at")
]
SESSIONS = cast(Table, AnalyticsSession.__table__)
UTTERANCES = cast(Table, AnalyticsUtterance.__table__)
STATE_FIELDS = (
    "dirty",
    "has_open",
    "seen_updated_at",
    "seen_events",
    "seen_handoff_event_id",
    "computed_at",
)


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


def same(a: Any, b: Any) -> bool:
    if isinstance(a, datetime) and isinstance(b, datetime):
        return abs((a - b).total_seconds()) < 1e-3
    return bool(a == b)


async def _same_customers(
    session: AsyncSession, rows: list[dict[str, Any]], ids: Sequence[str]
) -> list[dict[str, Any]]:
    """Stored sessions of the batch's known customers in other conversations, recent enough
    to be linked with the batch's sessions."""
    keys = sorted({r["customer_key"] for r in rows if not r["customer_key"].startswith("v:")})
    if not keys:
        return []
    earliest = min(r["started_at"] for r in rows) - REPEAT_WINDOW
    columns = [SESSIONS.c[name] for name in ROW_FIELDS]
    others: list[dict[str, Any]] = []
    for start in range(0, len(keys), CHUNK):
        found = await store.rows(
            session,
            select(*columns).where(
                store.in_ids(session, SESSIONS.c.customer_key, keys[start : start + CHUNK]),
                not_(store.in_ids(session, SESSIONS.c.conversation_id, ids)),
                SESSIONS.c.started_at >= earliest,
            ),
        )
        for row in found:
            values = dict(row._mapping)
            values["details"] = dict(values["details"] or {})
            others.append(values)
    return others


async def links(
    session: AsyncSession, rows: list[dict[str, Any]], ids: Sequence[str]
) -> list[dict[str, Any]]:
    """Apply cross-session rules over the batch + the same customers' stored sessions (reads
    only). Returns the stored rows outside the batch whose link fields changed (for
    `write_links`)."""
    others = await _same_customers(session, rows, ids)
    before = [{f: o[f] for f in LINK_FIELDS} for o in others]
    apply_links([*rows, *others])
    return [
        o
        for o, old in zip(others, before, strict=True)
        if any(not same(old[f], o[f]) for f in LINK_FIELDS)
    ]


async def write_links(session: AsyncSession, changed: list[dict[str, Any]]) -> None:
    if not changed:
        return
    now = utcnow()
    stmt = (
        update(SESSIONS)
        .where(SESSIONS.c.session_key == bindparam("key"))
        .values({f: bindparam(f"v_{f}") for f in (*LINK_FIELDS, "details", "computed_at")})
    )
    await session.execute(
        stmt,
        [
            {
                "key": o["session_key"],
                "v_computed_at": now,
                **{f"v_{f}": o[f] for f in (*LINK_FIELDS, "details")},
            }
            for o in changed
        ],
    )


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
                "agent_id": row["agent_id"],
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


async def _stored(session: AsyncSession, ids: Sequence[str]) -> dict[str, Any]:
    columns = [SESSIONS.c[name] for name in ROW_FIELDS]
    existing: dict[str, Any] = {}
    for start in range(0, len(ids), CHUNK):
        result = await store.rows(
            session,
            select(*columns).where(
                store.in_ids(session, SESSIONS.c.conversation_id, ids[start : start + CHUNK])
            ),
        )
        existing.update({r.session_key: r for r in result})
    return existing


async def _delete(session: AsyncSession, table: Table, keys: list[str]) -> None:
    for start in range(0, len(keys), CHUNK):
        chunk = keys[start : start + CHUNK]
        await session.execute(
            delete(table).where(store.in_ids(session, table.c.session_key, chunk))
        )


@dataclass
class Plan:
    """What `write` changes: the rows to insert and the session keys to delete."""

    fresh: list[dict[str, Any]]
    gone: list[str]
    replace_utterances: bool
    days: set[str]


async def plan_write(
    session: AsyncSession, ids: Sequence[str], rows: list[dict[str, Any]], stats: ComputeStats
) -> Plan:
    """Only rows that differ (one SELECT of the stored rows; reads only)."""
    existing = await _stored(session, ids)
    now = utcnow()
    fresh: list[dict[str, Any]] = []
    produced = set()
    for row in rows:
        produced.add(row["session_key"])
        current = existing.get(row["session_key"])
        if current is not None and all(same(getattr(current, f), row[f]) for f in ROW_FIELDS):
            stats.sessions_unchanged += 1
            continue
        fresh.append({**row, "computed_at": now})
    stale = [key for key in existing if key not in produced]
    gone = stale + [r["session_key"] for r in fresh if r["session_key"] in existing]
    stats.sessions_deleted += len(stale)
    stats.sessions_written += len(fresh)
    days = {r["day"] for r in fresh} | {existing[key].day for key in gone}
    return Plan(fresh, gone, bool(existing), days)


async def apply_write(session: AsyncSession, plan: Plan) -> set[str]:
    """In bulk: one DELETE of the changed/stale rows, one COPY (PostgreSQL) or multi-row INSERT
    per table. Returns the days touched."""
    await _delete(session, SESSIONS, plan.gone)
    if plan.replace_utterances:
        await _delete(session, UTTERANCES, plan.gone)
    await store.bulk_insert(session, SESSIONS, plan.fresh)
    utterances = [u for row in plan.fresh for u in _utterance_rows(row)]
    await store.bulk_insert(session, UTTERANCES, utterances)
    return plan.days


async def update_state(
    session: AsyncSession,
    ids: Sequence[str],
    rows: list[dict[str, Any]],
    fetch_ok: set[str],
    facts: BatchFacts,
) -> None:
    """One upsert of the bookkeeping rows of the batch."""
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
            "seen_updated_at": facts.updated_at.get(cid),
            "seen_events": counts.get(cid, 0),
            "seen_handoff_event_id": facts.last_handoff_event.get(cid, 0),
            "computed_at": now,
        }
        for cid in ids
    ]
    for start in range(0, len(values), CHUNK):
        stmt = store.dialect_insert(session, AnalyticsConversationState)
        stmt = stmt.on_conflict_do_update(
            index_elements=["conversation_id"],
            set_={name: stmt.excluded[name] for name in STATE_FIELDS},
        )
        await session.execute(stmt, values[start : start + CHUNK])
