"""Shared pieces of the dashboard queries: histogram medians, rates, query timing, and the
filtered read of the pre-aggregated daily figures."""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from handoff.analytics.filters import Filters, _where
from handoff.analytics.models import AnalyticsDaily
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
