"""The agents' side of the dashboard: per agent and per team, the queue wait distribution and
abandonment in the queue — all from the pre-aggregated daily figures."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import case, func
from sqlalchemy.ext.asyncio import AsyncSession

from handoff.analytics.filters import Filters
from handoff.analytics.query_common import (
    SECONDS_METRICS,
    WAIT_BUCKETS,
    D,
    N,
    Timer,
    V,
    _agent_names,
    _daily,
    _medians,
    _rate,
    exact_medians,
)

__all__ = ["WAIT_BUCKETS", "agents"]


async def _histograms(
    session: AsyncSession,
    t: Timer,
    f: Filters,
    prefix: str,
    keys: tuple[Any, Any],
    metrics: tuple[str, ...],
) -> tuple[dict[str, dict[Any, float | None]], dict[Any, tuple[int, int]]]:
    """Medians per key of each figure, and the CES after a human (count, sum) per key. `keys`:
    the key's column in the histogram rows and in the value lists."""
    medians: dict[str, dict[Any, float | None]] = {}
    ces: dict[Any, tuple[int, int]] = {}
    key, values_key = keys
    for metric in metrics:
        if metric in SECONDS_METRICS:
            found = await exact_medians(
                session, t, f"{prefix}s_{metric}", f, f"{prefix}:{metric}", values_key
            )
            medians[metric] = {k: median for k, (_, median) in found.items()}
            continue
        rows = await t.run(
            f"{prefix}s_{metric}",
            session,
            _daily(f, f"{prefix}:{metric}", key, D.k2, N).group_by(key, D.k2),
        )
        medians[metric] = _medians(rows)
        if metric == "agent_ces_score":
            for k, value, n in rows:
                count, total = ces.get(k, (0, 0))
                ces[k] = (count + int(n), total + int(n) * int(value))
    return medians, ces


async def _per_agent(session: AsyncSession, t: Timer, f: Filters) -> list[dict[str, Any]]:
    backs = func.sum(case((D.k2 == 1, D.n), else_=0))
    per_agent = await t.run(
        "agents",
        session,
        _daily(f, "agent", D.agent_id, N, backs).group_by(D.agent_id),
    )
    hist, ces_sums = await _histograms(
        session,
        t,
        f,
        "agent",
        (D.agent_id, V.agent_id),
        ("first_response_seconds", "handoff_handling_seconds", "agent_ces_score"),
    )
    transfers = {
        int(k1): int(moved or 0)
        for k1, moved in await t.run(
            "agents_transfers",
            session,
            _daily(f, "transfers", D.k1, func.sum(D.total)).group_by(D.k1),
        )
    }
    names = await _agent_names(session, sorted({int(r[0]) for r in per_agent} | set(transfers)))
    rows = []
    for agent_id, handled, handed in per_agent:
        n_ces, sum_ces = ces_sums.get(agent_id, (0, 0))
        rows.append(
            {
                "agent_id": agent_id,
                "name": names.get(agent_id, f"agent {agent_id}"),
                "handled": int(handled),
                "first_response_median_s": hist["first_response_seconds"].get(agent_id),
                "handling_median_s": hist["handoff_handling_seconds"].get(agent_id),
                "handed_back": int(handed or 0),
                "transfers": transfers.get(agent_id, 0),
                "ces_after_human_n": n_ces,
                "ces_after_human_mean": round(sum_ces / n_ces, 2) if n_ces else None,
                "ces_after_human_median": hist["agent_ces_score"].get(agent_id),
            }
        )
    rows.sort(key=lambda r: (-r["handled"], r["name"]))
    return rows


async def _per_team(session: AsyncSession, t: Timer, f: Filters) -> list[dict[str, Any]]:
    claimed = D.agent_id != 0
    per_team = await t.run(
        "teams",
        session,
        _daily(f, "team", D.k1, D.k2, claimed, N, func.sum(D.total)).group_by(D.k1, D.k2, claimed),
    )
    teams: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for team, flags, was_claimed, n, moved in per_team:
        row = teams[team]
        row["handoffs"] += int(n)
        row["handled"] += int(n) if was_claimed else 0
        row["left"] += int(n) if int(flags) & 1 else 0
        row["backs"] += int(n) if int(flags) & 2 else 0
        row["moved"] += int(moved or 0)
    hist, team_ces = await _histograms(
        session,
        t,
        f,
        "team",
        (D.k1, V.k1),
        (
            "handoff_wait_seconds",
            "first_response_seconds",
            "handoff_handling_seconds",
            "agent_ces_score",
        ),
    )
    rows = []
    for team in sorted(teams):
        row = teams[team]
        n_ces, sum_ces = team_ces.get(team, (0, 0))
        rows.append(
            {
                "team": team,
                "handoffs": row["handoffs"],
                "handled": row["handled"],
                "abandoned_in_queue": row["left"],
                "queue_abandonment_rate": _rate(row["left"], row["handoffs"]),
                "queue_wait_median_s": hist["handoff_wait_seconds"].get(team),
                "first_response_median_s": hist["first_response_seconds"].get(team),
                "handling_median_s": hist["handoff_handling_seconds"].get(team),
                "handed_back": row["backs"],
                "transfers": row["moved"],
                "ces_after_human_n": n_ces,
                "ces_after_human_mean": round(sum_ces / n_ces, 2) if n_ces else None,
            }
        )
    return rows


async def _queue_wait(session: AsyncSession, t: Timer, f: Filters) -> list[dict[str, Any]]:
    waits = await t.run(
        "queue_wait", session, _daily(f, "wait", D.k1, D.k2, N).group_by(D.k1, D.k2)
    )
    dist = {label: {"answered": 0, "abandoned": 0} for label, _, _ in WAIT_BUCKETS}
    for kind, seconds, n in waits:
        label = next(
            name for name, _lo, upper in WAIT_BUCKETS if upper is None or int(seconds) < upper
        )
        dist[label]["abandoned" if kind == "abandoned" else "answered"] += int(n)
    return [{"bucket": label, **counts} for label, counts in dist.items()]


async def agents(session: AsyncSession, f: Filters) -> dict[str, Any]:
    """The agents' side: per agent and per team (the handoff's language queue, the skill group
    agents are routed by), the queue wait distribution and abandonment in the queue. Over
    closed sessions with a handoff, with the dashboard's filters."""
    t = Timer()
    return {
        "agents": await _per_agent(session, t, f),
        "teams": await _per_team(session, t, f),
        "team_basis": "language queue",
        "queue_wait": await _queue_wait(session, t, f),
        "agent_query_ms": t.timings,
    }
