"""Shared pieces of the dashboard queries: histogram medians, rates, query timing, and the
filtered read of the pre-aggregated daily figures."""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from sqlalchemy import func, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from handoff.analytics.filters import Filters, _where
from handoff.analytics.models import AnalyticsDaily, AnalyticsDailyValues
from handoff.store.models import User

OUTCOMES = ("contained", "escalated", "abandoned")
EFFORT_METRICS = (
    "customer_turns",
    "fallbacks",
    "rephrasings",
    "asked_twice",
    "seconds_to_resolution",
    "seconds_to_handoff",
    "handoff_wait_seconds",
    "handoff_handling_seconds",
)
# Figures in seconds: their values are stored as lists per day and minute bucket
# (analytics_daily_values), not as histogram rows — almost every session has its own number of
# seconds.
SECONDS_BUCKET = 60  # analytics_daily_values: one bucket per second below, per minute above
SECONDS_METRICS = (
    "seconds_to_resolution",
    "seconds_to_handoff",
    "handoff_wait_seconds",
    "handoff_handling_seconds",
    "first_response_seconds",
)
# Queue wait buckets (seconds, upper bound exclusive; None = no upper bound).
WAIT_BUCKETS: tuple[tuple[str, int, int | None], ...] = (
    ("< 30 s", 0, 30),
    ("30 s – 1 min", 30, 60),
    ("1 – 2 min", 60, 120),
    ("2 – 5 min", 120, 300),
    ("5 – 10 min", 300, 600),
    ("≥ 10 min", 600, None),
)


def median_from_histogram(hist: Mapping[int, int]) -> float | None:
    total = sum(hist.values())
    if total == 0:
        return None
    values = sorted(hist)
    lower_rank, upper_rank = (total - 1) // 2, total // 2
    seen = 0
    lower = upper = None
    for value in values:
        seen += hist[value]
        if lower is None and seen > lower_rank:
            lower = value
        if upper is None and seen > upper_rank:
            upper = value
            break
    assert lower is not None and upper is not None
    return (lower + upper) / 2


def _rate(n: int, total: int) -> float | None:
    return round(n / total, 4) if total else None


class Timer:
    def __init__(self) -> None:
        self.timings: dict[str, float] = {}

    async def run(self, name: str, session: AsyncSession, query: Any) -> list[Any]:
        started = time.perf_counter()
        rows = list((await session.execute(query)).all())
        self.timings[name] = round((time.perf_counter() - started) * 1000, 1)
        return rows


D = AnalyticsDaily
V = AnalyticsDailyValues


def _daily(f: Filters, metric: str, *columns: Any) -> Any:
    """The pre-aggregated rows of one figure with the filters (see analytics/daily.py)."""
    return _where(select(*columns).where(D.metric == metric), f, D)


N = func.sum(D.n)


async def _agent_names(session: AsyncSession, ids: list[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = await session.execute(select(User.id, User.name).where(User.id.in_(ids)))
    return {int(i): str(n) for i, n in rows}


def _medians(rows: list[Any]) -> dict[Any, float | None]:
    hist: dict[Any, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for key, value, n in rows:
        hist[key][int(value)] += int(n)
    return {key: median_from_histogram(h) for key, h in hist.items()}


def _rank_buckets(counts: Mapping[int, int]) -> tuple[int, list[tuple[int, int, int]]]:
    """For a histogram of buckets: the total, and (rank, bucket, values before the bucket) for
    the two middle ranks of the median."""
    total = sum(counts.values())
    wanted = sorted({(total - 1) // 2, total // 2}) if total else []
    found: list[tuple[int, int, int]] = []
    seen = 0
    for bucket in sorted(counts):
        while wanted and wanted[0] < seen + counts[bucket]:
            found.append((wanted.pop(0), bucket, seen))
        seen += counts[bucket]
    return total, found


async def exact_medians(
    session: AsyncSession,
    t: Timer,
    name: str,
    f: Filters,
    metric: str,
    key: Any,
    *,
    overall: bool = False,
) -> dict[Any, tuple[int, float | None]]:
    """(n, median) per key of a seconds figure with the filters, exactly as over the log; with
    `overall`, also over every key, under the key None.

    Two reads of `analytics_daily_values` (timed as `name` and `name:values`, the latter with
    merging the lists): the counts per key and bucket, then only the values of the
    (minute-wide) buckets that hold the middle ranks."""
    bucket_n = func.sum(V.n)
    counts_q = select(key, V.bucket, bucket_n).where(V.metric == metric)
    counts_q = _where(counts_q, f, V).group_by(key, V.bucket)
    counts: dict[Any, dict[int, int]] = defaultdict(dict)
    for k, bucket, n in await t.run(name, session, counts_q):
        counts[k][int(bucket)] = int(n)
    keys = {k: [k] for k in counts}
    if overall:
        every: dict[int, int] = defaultdict(int)
        for per_key in counts.values():
            for bucket, n in per_key.items():
                every[bucket] += n
        counts[None] = every
        keys[None] = [k for k in counts if k is not None]
    ranks = {k: _rank_buckets(c) for k, c in counts.items()}
    # a bucket below a minute holds one value (itself); the others are read
    pairs = sorted(
        {
            (part, b)
            for k, (_, found) in ranks.items()
            for _, b, _ in found
            if b >= SECONDS_BUCKET
            for part in keys[k]
            if b in counts[part]
        }
    )
    values: dict[tuple[Any, int], list[int]] = defaultdict(list)
    if pairs:
        started = time.perf_counter()
        values_q = select(key, V.bucket, V.vals).where(V.metric == metric)
        values_q = _where(values_q, f, V).where(tuple_(key, V.bucket).in_(pairs))
        for k, bucket, vals in await t.run(f"{name}:values", session, values_q):
            values[(k, int(bucket))].extend(vals)
        if overall:  # the overall middle buckets: every key's values in them
            for _, bucket, _ in ranks[None][1]:
                if bucket >= SECONDS_BUCKET and (None, bucket) not in values:
                    for k in keys[None]:
                        values[(None, bucket)].extend(values.get((k, bucket), []))
        for found_values in values.values():
            found_values.sort()
        t.timings[f"{name}:values"] = round((time.perf_counter() - started) * 1000, 1)
    medians: dict[Any, tuple[int, float | None]] = {}
    for k, (total, found) in ranks.items():
        middle = [
            values[(k, bucket)][rank - before] if bucket >= SECONDS_BUCKET else bucket
            for rank, bucket, before in found
        ]
        medians[k] = (total, (middle[0] + middle[-1]) / 2 if middle else None)
    return medians
