"""The dashboard's seconds figures (medians of wait, first response, handling, time to resolution
or handoff; the queue wait distribution) come from pre-aggregated daily rows: they must equal the
same figures computed from the containment log itself, with every filter."""

from __future__ import annotations

import statistics
from collections import defaultdict
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bench.analytics_data import NOW
from bench.analytics_scale import generate
from handoff.analytics.analysis import Rules
from handoff.analytics.filters import Filters, where_filters
from handoff.analytics.models import AnalyticsSession
from handoff.analytics.pipeline import compute
from handoff.analytics.queries import OUTCOMES, WAIT_BUCKETS, agents, dashboard
from handoff.analytics.sources import BrokerSource
from handoff.store.db import Database

S = AnalyticsSession
FILTERS = (
    Filters(),
    Filters(language="ko"),
    Filters(since=(NOW - timedelta(days=20)).date()),
    Filters(task="cancel_order", since=(NOW - timedelta(days=40)).date()),
    Filters(agent=1),
)


@pytest.fixture
async def generated(db: Database) -> Database:
    await generate(db, 3000, seed=11)
    await compute(db, BrokerSource(), rules=Rules(), now=NOW, batch_size=1000)
    return db


async def _raw(db: Database, f: Filters, key: Any, column: Any) -> dict[Any, list[int]]:
    """The values of `column` per `key` in the log's closed substantive sessions."""
    query = where_filters(select(key, column, S.outcome), f).where(
        S.outcome.in_(OUTCOMES), column.is_not(None)
    )
    found: dict[Any, list[int]] = defaultdict(list)
    async with db.session() as session:
        for k, value, _ in await session.execute(query):
            if k is not None:
                found[k].append(int(value))
    return found


def _medians(found: dict[Any, list[int]]) -> dict[Any, float]:
    return {k: statistics.median(values) for k, values in found.items()}


@pytest.mark.parametrize("f", FILTERS, ids=lambda f: str(f.as_dict()))
async def test_seconds_figures_equal_the_log(generated: Database, f: Filters) -> None:
    db = generated
    async with db.session() as session:
        data = await dashboard(session, f)
        data.update(await agents(session, f))
    assert data["agents"], "the generated data has handoffs"

    for name, column in (
        ("first_response_median_s", S.first_response_seconds),
        ("handling_median_s", S.handoff_handling_seconds),
    ):
        raw = _medians(await _raw(db, f, S.agent_id, column))
        shown = {a["agent_id"]: a[name] for a in data["agents"] if a[name] is not None}
        assert shown == raw, name
    for name, column in (
        ("queue_wait_median_s", S.handoff_wait_seconds),
        ("first_response_median_s", S.first_response_seconds),
        ("handling_median_s", S.handoff_handling_seconds),
    ):
        raw = _medians(await _raw(db, f, S.team, column))
        shown = {t["team"]: t[name] for t in data["teams"] if t[name] is not None}
        assert shown == raw, name

    for metric in (
        "seconds_to_resolution",
        "seconds_to_handoff",
        "handoff_wait_seconds",
        "handoff_handling_seconds",
    ):
        by_outcome = await _raw(db, f, S.outcome, getattr(S, metric))
        every = [v for values in by_outcome.values() for v in values]
        figure = data["effort"][metric]
        assert figure["n"] == len(every), metric
        assert figure["median"] == (statistics.median(every) if every else None), metric
        for outcome in OUTCOMES:
            values = by_outcome.get(outcome)
            assert figure[outcome] == (statistics.median(values) if values else None), metric

    waits = await _raw(db, f, S.abandoned_in_queue, S.handoff_wait_seconds)
    teams = await _raw(db, f, S.team, S.handoff_wait_seconds)
    assert sum(len(v) for v in teams.values()) == sum(len(v) for v in waits.values())
    expected = {label: {"answered": 0, "abandoned": 0} for label, _, _ in WAIT_BUCKETS}
    for left, values in waits.items():
        for seconds in values:
            label = next(
                n for n, lo, up in WAIT_BUCKETS if lo <= seconds and (up is None or seconds < up)
            )
            expected[label]["abandoned" if left else "answered"] += 1
    assert {
        row["bucket"]: {k: row[k] for k in ("answered", "abandoned")} for row in data["queue_wait"]
    } == expected


async def test_a_run_holds_the_write_lock_for_a_few_statements_at_a_time(db: Database) -> None:
    """On SQLite every write transaction holds the only write lock, and the customers' messages
    wait behind it (issue 16): a computation reads and analyses outside its write transactions,
    which are a few bulk statements each (the daily figures too: read, then swapped in)."""
    from sqlalchemy import event

    await generate(db, 300, seed=5)
    lock = db.write_lock
    assert lock is not None
    per_hold: list[int] = []
    statements = [0]

    @event.listens_for(db.engine.sync_engine, "before_cursor_execute")
    def _count(*_args: Any) -> None:
        if lock.holder is not None:
            statements[0] += 1

    record = lock.holds.record

    def _record(kind: str, seconds: float) -> None:
        per_hold.append(statements[0])
        statements[0] = 0
        record(kind, seconds)

    lock.holds.record = _record  # type: ignore[method-assign]
    stats = await compute(db, BrokerSource(), rules=Rules(), now=NOW, batch_size=1000)
    assert stats.days_refreshed > 0 and stats.sessions_written > 0
    assert per_hold and max(per_hold) <= 10, per_hold
