"""Session listing and drill-down (plain async functions, keyword-only session, no Sanic)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from handoff.analytics.filters import Filters, where_filters
from handoff.analytics.models import AnalyticsSession
from handoff.analytics.queries import OUTCOMES
from handoff.errors import BadRequest, NotFound
from handoff.pii import mask_text, mask_value
from handoff.store.models import Message, User
from handoff.views import iso

LIST_FIELDS = (
    "session_key",
    "conversation_id",
    "outcome",
    "outcome_reason",
    "task",
    "topic",
    "language",
    "customer_turns",
    "fallbacks",
    "ces_score",
    "explanation",
    "closed_by",
    "agent_id",
    "team",
    "handoff_reason",
    "agent_ces_score",
)


def session_view(row: AnalyticsSession, *, raw: bool = False) -> dict[str, Any]:
    data: dict[str, Any] = {
        c.name: getattr(row, c.name) for c in AnalyticsSession.__table__.columns if c.name != "id"
    }
    for key in ("started_at", "ended_at", "computed_at"):
        data[key] = iso(data[key])
    if not raw:
        data["explanation"] = mask_text(data["explanation"])
        data["details"] = mask_value(data["details"])
    return data


async def list_sessions(
    *, session: AsyncSession, filters: Filters, outcome: str | None, limit: int, offset: int
) -> list[dict[str, Any]]:
    if outcome is not None and outcome not in (*OUTCOMES, "open", "excluded"):
        raise BadRequest("outcome is not one of the known outcomes", field="outcome")
    query = where_filters(select(AnalyticsSession), filters)
    if outcome:
        query = query.where(AnalyticsSession.outcome == outcome)
    query = query.order_by(AnalyticsSession.started_at.desc(), AnalyticsSession.id.desc())
    rows = list(await session.scalars(query.limit(limit).offset(offset)))
    ids = sorted({r.agent_id for r in rows if r.agent_id is not None})
    names = dict((await session.execute(select(User.id, User.name).where(User.id.in_(ids)))).all())
    result = []
    for row in rows:
        item = {k: getattr(row, k) for k in LIST_FIELDS}
        item["explanation"] = mask_text(item["explanation"])
        item["started_at"] = iso(row.started_at)
        item["agent_name"] = names.get(row.agent_id) if row.agent_id is not None else None
        result.append(item)
    return result


async def session_detail(*, session: AsyncSession, key: str, raw: bool) -> dict[str, Any]:
    row = await session.scalar(select(AnalyticsSession).where(AnalyticsSession.session_key == key))
    if row is None:
        raise NotFound("No such session.", code="session_not_found")
    messages = await session.scalars(
        select(Message)
        .where(
            Message.conversation_id == row.conversation_id,
            Message.created_at >= row.started_at - timedelta(seconds=5),
            Message.created_at <= row.ended_at + timedelta(seconds=5),
        )
        .order_by(Message.seq)
    )
    transcript = [
        {
            "seq": m.seq,
            "role": m.role,
            "text": m.text if raw else mask_text(m.text),
            "at": iso(m.created_at),
        }
        for m in messages
    ]
    return {"session": session_view(row, raw=raw), "transcript": transcript, "raw": raw}
