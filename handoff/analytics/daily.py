"""Pre-aggregated daily figures (`analytics_daily`): every dashboard figure is a count (and a
sum) per day, language, task and agent, so the dashboard reads a few thousand rows instead of
scanning the containment log. Figures in seconds (wait, first response, handling, time to
resolution or handoff) would give almost one histogram row per session: their values are kept
as lists per day, language, task, agent, key and bucket (`analytics_daily_values`; a bucket is
one second below a minute, then one minute), so a median reads the counts per bucket and then
only the values of the bucket holding the middle — exact over any filter. The queue wait
distribution is counted per bucket. Rebuilt for the days a computation touched, from the log
itself — the same rows a full rebuild gives: one SELECT per figure, outside any write, then the
days' rows swapped in one short write transaction."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import Integer, String, case, cast, delete, func, insert, literal_column, select
from sqlalchemy.ext.asyncio import AsyncSession

from handoff.analytics.models import (
    AnalyticsDaily,
    AnalyticsDailyValues,
    AnalyticsSession,
    AnalyticsUtterance,
    AnalyticsUtteranceDaily,
)
from handoff.analytics.query_common import (
    EFFORT_METRICS,
    OUTCOMES,
    SECONDS_BUCKET,
    SECONDS_METRICS,
    WAIT_BUCKETS,
)
from handoff.store.db import Database
from handoff.store.models import utcnow

S = AnalyticsSession
# Days whose figures are swapped in one write transaction (a live run touches one or two).
DAYS_PER_WRITE = 7
EFFORT = (*EFFORT_METRICS, "ces_score")


def _flag(column: Any) -> Any:
    return case((column.is_(True), literal_column("1")), else_=literal_column("0"))


@dataclass(frozen=True)
class Figure:
    metric: str
    where: Any  # a condition on the log, or None (every row)
    k1: Any  # a string expression, or None
    k2: Any  # an integer expression, or None
    total: Any = None  # an integer expression summed per group

    @property
    def as_values(self) -> bool:
        """Seconds: stored as value lists (analytics_daily_values), not histogram rows."""
        return self.metric.split(":")[-1] in SECONDS_METRICS


def _wait_bucket(seconds: Any) -> Any:
    """The lower bound of the queue wait bucket (WAIT_BUCKETS) of `seconds`."""
    whens: list[tuple[Any, Any]] = [
        (seconds < upper, literal_column(str(lower))) for _, lower, upper in WAIT_BUCKETS if upper
    ]
    return case(*whens, else_=literal_column(str(WAIT_BUCKETS[-1][1])))


def figures() -> list[Figure]:
    decided = S.outcome.in_(OUTCOMES)
    found = [
        Figure("outcome", None, S.outcome, None),
        Figure("reason", decided & (S.outcome == "escalated"), S.handoff_reason, None),
        Figure(
            "failing",
            decided & S.topic.is_not(None),
            S.topic,
            case((S.outcome != "contained", literal_column("1")), else_=literal_column("0")),
            S.fallbacks,
        ),
        Figure("agent", decided & S.agent_id.is_not(None), None, _flag(S.handed_back)),
        Figure(
            "transfers",
            decided & S.first_agent_id.is_not(None),
            cast(S.first_agent_id, String),
            None,
            S.transfers,
        ),
        Figure(
            "team",
            decided & S.team.is_not(None),
            S.team,
            _flag(S.abandoned_in_queue) + 2 * _flag(S.handed_back),
            S.transfers,
        ),
        Figure(
            "wait",
            decided & S.team.is_not(None) & S.handoff_wait_seconds.is_not(None),
            case(
                (S.abandoned_in_queue.is_(True), literal_column("'abandoned'")),
                else_=literal_column("'answered'"),
            ),
            _wait_bucket(S.handoff_wait_seconds),
        ),
    ]
    for name in EFFORT:  # per outcome (ces_score also serves the CES tables)
        column = getattr(S, name)
        found.append(Figure(f"effort:{name}", decided & column.is_not(None), S.outcome, column))
    for name in ("first_response_seconds", "handoff_handling_seconds", "agent_ces_score"):
        column = getattr(S, name)
        found.append(
            Figure(
                f"agent:{name}",
                decided & S.agent_id.is_not(None) & column.is_not(None),
                None,
                column,
            )
        )
    for name in (
        "handoff_wait_seconds",
        "first_response_seconds",
        "handoff_handling_seconds",
        "agent_ces_score",
    ):
        column = getattr(S, name)
        found.append(
            Figure(
                f"team:{name}", decided & S.team.is_not(None) & column.is_not(None), S.team, column
            )
        )
    return found


def _keys(figure: Figure) -> list[Any]:
    return [
        S.day.label("day"),
        S.language.label("language"),
        func.coalesce(S.task, literal_column("''")).label("task"),
        func.coalesce(S.agent_id, literal_column("0")).label("agent_id"),
        (
            func.coalesce(figure.k1, literal_column("''"))
            if figure.k1 is not None
            else literal_column("''")
        ).label("k1"),
    ]


def _grouped(figure: Figure, days: list[str], key: Any, inner: list[Any], outer: Any) -> Any:
    """The figure's rows of the log on these days, grouped by day, language, task, agent, k1
    and `key` (a labelled expression); `inner`: more labelled expressions, `outer(sub)`: the
    aggregates over them."""
    rows = select(*_keys(figure), key, *inner).where(S.day.in_(days))
    if figure.where is not None:
        rows = rows.where(figure.where)
    sub = rows.subquery()
    groups = [sub.c.day, sub.c.language, sub.c.task, sub.c.agent_id, sub.c.k1, sub.c[key.name]]
    metric: Any = literal_column(f"'{figure.metric}'")
    return select(*groups[:4], metric, *groups[4:], *outer(sub)).group_by(*groups)


def _select_values(figure: Figure, days: list[str], dialect: str) -> Any:
    """One row per day, language, task, agent, k1 and bucket: how many values, and the list."""
    bucket = case(
        (figure.k2 < SECONDS_BUCKET, figure.k2),
        else_=(figure.k2 // SECONDS_BUCKET) * SECONDS_BUCKET,
    ).label("bucket")
    as_list = func.json_agg if dialect == "postgresql" else func.json_group_array
    return _grouped(
        figure, days, bucket, [figure.k2.label("v")], lambda sub: [func.count(), as_list(sub.c.v)]
    )


def _select(figure: Figure, days: list[str]) -> Any:
    k2 = func.coalesce(figure.k2, literal_column("-1")) if figure.k2 is not None else None
    key = cast(k2 if k2 is not None else literal_column("-1"), Integer).label("k2")
    total = (figure.total if figure.total is not None else literal_column("0")).label("t")
    return _grouped(
        figure,
        days,
        key,
        [total],
        lambda sub: [func.count(), func.coalesce(func.sum(sub.c.t), literal_column("0"))],
    )


def _utterances(days: list[str]) -> Any:
    u = AnalyticsUtterance
    return (
        select(u.day, u.language, u.kind, u.text_norm, func.max(u.likely_intent), func.count())
        .where(u.day.in_(days))
        .group_by(u.day, u.language, u.kind, u.text_norm)
    )


@dataclass
class DayFigures:
    """The daily figures of some days, computed from the log (to be written in one go)."""

    daily: list[dict[str, Any]]
    values: list[dict[str, Any]]
    utterances: list[dict[str, Any]]


DAILY_COLUMNS = ["day", "language", "task", "agent_id", "metric", "k1", "k2", "n", "total"]
VALUES_COLUMNS = ["day", "language", "task", "agent_id", "metric", "k1", "bucket", "n", "vals"]
UTTERANCE_COLUMNS = ["day", "language", "kind", "text_norm", "likely_intent", "n"]


async def _rows(session: AsyncSession, query: Any, columns: list[str]) -> list[dict[str, Any]]:
    return [dict(zip(columns, row, strict=True)) for row in await session.execute(query)]


async def compute_days(session: AsyncSession, days: list[str]) -> DayFigures:
    """Read the figures of these days from the containment log (SELECTs only)."""
    dialect = session.get_bind().dialect.name
    found = DayFigures([], [], [])
    for figure in figures():
        if figure.as_values:
            rows = await _rows(session, _select_values(figure, days, dialect), VALUES_COLUMNS)
            for row in rows:  # a JSON array as text (SQLite, asyncpg): the column takes a list
                if isinstance(row["vals"], str):
                    row["vals"] = json.loads(row["vals"])
            found.values += rows
        else:
            found.daily += await _rows(session, _select(figure, days), DAILY_COLUMNS)
    found.utterances = await _rows(session, _utterances(days), UTTERANCE_COLUMNS)
    return found


async def replace_days(session: AsyncSession, days: list[str], found: DayFigures) -> None:
    """Swap the stored figures of these days for `found`: three DELETEs and three bulk INSERTs."""
    ud = AnalyticsUtteranceDaily
    await session.execute(delete(AnalyticsDaily).where(AnalyticsDaily.day.in_(days)))
    await session.execute(delete(AnalyticsDailyValues).where(AnalyticsDailyValues.day.in_(days)))
    await session.execute(delete(ud).where(ud.day.in_(days)))
    for model, rows in (
        (AnalyticsDaily, found.daily),
        (AnalyticsDailyValues, found.values),
        (ud, found.utterances),
    ):
        if rows:
            await session.execute(insert(model), rows)


async def refresh(db: Database, days: Iterable[str], *, chunk: int = DAYS_PER_WRITE) -> int:
    """Rebuild the daily figures of these days from the containment log.

    The figures are read first, outside any write, and then swapped in with one short write
    transaction per `chunk` of days: on SQLite a write transaction holds the only write lock,
    and every customer message waits behind it (27 INSERT … SELECT statements in the batch's
    transaction held it 60-130 ms under 100 live chats; issue 16). Only the analytics
    computation writes the log (one holder of the lease), so what was read is still current.
    """
    wanted = sorted({d for d in days if d})
    for start in range(0, len(wanted), chunk):
        part = wanted[start : start + chunk]
        async with db.session() as session:
            found = await compute_days(session, part)
        async with db.session() as session:
            await replace_days(session, part, found)
    return len(wanted)


async def recently_computed_days(db: Database, *, hours: float = 6.0) -> list[str]:
    """The days of the sessions computed in the last `hours`: their figures are refreshed once
    when the live loop starts, in case a process died between a batch and its figures."""
    since = utcnow() - timedelta(hours=hours)
    async with db.session() as session:
        rows = await session.execute(select(S.day).where(S.computed_at >= since).distinct())
        return [str(r[0]) for r in rows if r[0]]
