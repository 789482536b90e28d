"""Dashboard and report figures. Every figure uses docs/metrics.md's definitions:
rates are over closed, substantive sessions (outcome contained, escalated or abandoned).
The filters live in analytics/filters.py, the agents' side in analytics/agent_queries.py."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from handoff.analytics.agent_queries import WAIT_BUCKETS, agents
from handoff.analytics.filters import Filters, _where, parse_filters, parse_since, where_filters
from handoff.analytics.models import (
    AnalyticsSession,
    AnalyticsUtterance,
    AnalyticsUtteranceDaily,
)
from handoff.analytics.query_common import (
    EFFORT_METRICS,
    OUTCOMES,
    SECONDS_METRICS,
    D,
    N,
    Timer,
    V,
    _agent_names,
    _daily,
    _rate,
    exact_medians,
    median_from_histogram,
)
from handoff.pii import mask_text

__all__ = [
    "EFFORT_METRICS",
    "OUTCOMES",
    "WAIT_BUCKETS",
    "Filters",
    "_where",
    "agents",
    "dashboard",
    "filter_options",
    "log_is_empty",
    "median_from_histogram",
    "parse_filters",
    "parse_since",
    "where_filters",
]


def _decided(query: Any, f: Filters) -> Any:
    return _where(query, f).where(AnalyticsSession.outcome.in_(OUTCOMES))


async def _rates(session: AsyncSession, t: Timer, f: Filters) -> dict[str, Any]:
    """Totals and rates over time."""
    per_day = await t.run(
        "rates_over_time", session, _daily(f, "outcome", D.day, D.k1, N).group_by(D.day, D.k1)
    )
    days: dict[str, dict[str, int]] = defaultdict(
        lambda: dict.fromkeys((*OUTCOMES, "open", "excluded"), 0)
    )
    totals: dict[str, int] = dict.fromkeys((*OUTCOMES, "open", "excluded"), 0)
    for day, outcome, n in per_day:
        days[day][outcome] = days[day].get(outcome, 0) + int(n)
        totals[outcome] = totals.get(outcome, 0) + int(n)
    substantive = sum(totals[o] for o in OUTCOMES)
    over_time = []
    for day in sorted(days):
        counts = days[day]
        decided = sum(counts[o] for o in OUTCOMES)
        over_time.append(
            {
                "day": day,
                "substantive": decided,
                **{o: counts[o] for o in OUTCOMES},
                **{f"{o}_rate": _rate(counts[o], decided) for o in OUTCOMES},
            }
        )
    summary = {
        "sessions": sum(totals.values()),
        "substantive_closed": substantive,
        "open": totals["open"],
        "excluded": totals["excluded"],
        **{o: totals[o] for o in OUTCOMES},
        **{f"{o}_rate": _rate(totals[o], substantive) for o in OUTCOMES},
    }
    return {"summary": summary, "over_time": over_time}


async def _effort(session: AsyncSession, t: Timer, f: Filters) -> tuple[dict[str, Any], int]:
    """Effort medians (overall and per outcome); the sessions where something was asked twice."""
    effort: dict[str, Any] = {}
    asked_sessions = 0
    for metric in (*EFFORT_METRICS, "ces_score"):
        if metric in SECONDS_METRICS:
            figure = f"effort:{metric}"
            per_outcome = await exact_medians(
                session, t, f"effort_{metric}", f, figure, V.k1, overall=True
            )
            n, median = per_outcome.get(None, (0, None))
            effort[metric] = {
                "median": median,
                "n": n,
                **{o: per_outcome.get(o, (0, None))[1] for o in OUTCOMES},
            }
            continue
        hist_rows = await t.run(
            f"effort_{metric}",
            session,
            _daily(f, f"effort:{metric}", D.k1, D.k2, N).group_by(D.k1, D.k2),
        )
        overall: dict[int, int] = defaultdict(int)
        by_outcome: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
        for outcome, value, n in hist_rows:
            overall[int(value)] += int(n)
            by_outcome[outcome][int(value)] += int(n)
            if metric == "asked_twice" and int(value) > 0:
                asked_sessions += int(n)
        effort[metric] = {
            "median": median_from_histogram(overall),
            "n": sum(overall.values()),
            **{o: median_from_histogram(by_outcome.get(o, {})) for o in OUTCOMES},
        }
    return effort, asked_sessions


def _utterance_query(f: Filters) -> Any:
    """The top fallback utterances. Without a task or agent filter: the daily counts
    (analytics_utterance_daily); with one: the utterances themselves, through the
    (task, day) / (agent_id, day) indexes."""
    if f.task is None and f.agent is None:
        ud = AnalyticsUtteranceDaily
        total = func.sum(ud.n)
        query = select(ud.text_norm, total, func.max(ud.likely_intent)).where(ud.kind == "fallback")
        return (
            _where(query, f, ud)
            .group_by(ud.text_norm)
            .order_by(total.desc(), ud.text_norm)
            .limit(20)
        )
    u = AnalyticsUtterance
    return (
        _where(select(u.text_norm, func.count(), func.max(u.likely_intent)), f, u)
        .where(u.kind == "fallback")
        .group_by(u.text_norm)
        .order_by(func.count().desc(), u.text_norm)
        .limit(20)
    )


async def _failing(session: AsyncSession, t: Timer, f: Filters) -> dict[str, Any]:
    """Failing intents and fallback utterances."""
    bad = func.sum(case((D.k2 == 1, D.n), else_=0))
    failing = await t.run(
        "failing_intents",
        session,
        _daily(f, "failing", D.k1, N, bad, func.sum(D.total))
        .group_by(D.k1)
        .order_by(bad.desc(), D.k1)
        .limit(10),
    )
    utterances = await t.run("fallback_utterances", session, _utterance_query(f))
    return {
        "failing_intents": [
            {
                "intent": topic,
                "sessions": int(total),
                "not_contained": int(bad_n or 0),
                "failure_rate": _rate(int(bad_n or 0), int(total)),
                "fallbacks": int(fb or 0),
            }
            for topic, total, bad_n, fb in failing
        ],
        "fallback_utterances": [
            {"text": mask_text(text), "count": int(n), "likely_intent": likely}
            for text, n, likely in utterances
        ],
    }


async def dashboard(session: AsyncSession, f: Filters) -> dict[str, Any]:
    t = Timer()
    rates = await _rates(session, t, f)
    ces_outcome = await t.run(
        "ces_by_outcome",
        session,
        _daily(f, "effort:ces_score", D.k1, D.k2, N).group_by(D.k1, D.k2),
    )
    ces_task = await t.run(
        "ces_by_task",
        session,
        _daily(f, "effort:ces_score", D.task, D.k2, N).group_by(D.task, D.k2),
    )
    reasons = await t.run(
        "handoff_reasons",
        session,
        _daily(f, "reason", D.k1, N).group_by(D.k1).order_by(N.desc(), D.k1),
    )
    effort, asked_sessions = await _effort(session, t, f)
    failing = await _failing(session, t, f)
    return {
        "filters": f.as_dict(),
        **rates,
        "ces_by_outcome": _ces_table(ces_outcome),
        "ces_by_task": _ces_table(ces_task),
        "handoff_reasons": [{"reason": r or "unknown", "sessions": int(n)} for r, n in reasons],
        "effort": effort,
        "asked_twice_sessions": asked_sessions,
        **failing,
        "query_ms": t.timings,
    }


def _ces_table(rows: list[Any]) -> list[dict[str, Any]]:
    grouped: dict[str, dict[int, int]] = defaultdict(lambda: dict.fromkeys(range(1, 8), 0))
    for key, score, n in rows:
        grouped[key or "none"][int(score)] += n
    table = []
    for key in sorted(grouped):
        hist = grouped[key]
        table.append(
            {
                "group": key,
                "distribution": {str(k): v for k, v in hist.items()},
                "n": sum(hist.values()),
                "median": median_from_histogram(hist),
            }
        )
    return table


async def log_is_empty(session: AsyncSession) -> bool:
    """No session in the containment log at all (the page's "no figures yet" state)."""
    found = await session.scalar(select(AnalyticsSession.id).limit(1))
    return found is None


async def filter_options(session: AsyncSession) -> dict[str, Any]:
    s = AnalyticsSession
    languages = [r[0] for r in await session.execute(select(s.language).distinct()) if r[0]]
    tasks = [r[0] for r in await session.execute(select(s.task).distinct()) if r[0]]
    ids = [r[0] for r in await session.execute(select(s.agent_id).distinct()) if r[0]]
    names = await _agent_names(session, ids)
    agents = [{"id": i, "name": names.get(i, f"agent {i}")} for i in sorted(ids)]
    return {"languages": sorted(languages), "tasks": sorted(tasks), "agents": agents}
