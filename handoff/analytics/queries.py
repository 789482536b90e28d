"""Dashboard and report figures. Every figure uses docs/metrics.md's definitions:
rates are over closed, substantive sessions (outcome contained, escalated or abandoned)."""

from __future__ import annotations

import re
import time
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from handoff.analytics.models import AnalyticsSession, AnalyticsUtterance
from handoff.errors import BadRequest
from handoff.pii import mask_text

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
SINCE_RE = re.compile(r"^(\d{1,4})([dw])$")
NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")


@dataclass(frozen=True)
class Filters:
    since: date | None = None
    until: date | None = None
    language: str | None = None
    task: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat() if self.until else None,
            "language": self.language,
            "task": self.task,
        }


def parse_since(value: str, *, today: date | None = None) -> date:
    """`7d`, `4w` or an ISO date."""
    today = today or datetime.now(UTC).date()
    match = SINCE_RE.match(value.strip())
    if match:
        n = int(match.group(1)) * (7 if match.group(2) == "w" else 1)
        return today - timedelta(days=n)
    try:
        return date.fromisoformat(value.strip())
    except ValueError as exc:
        raise BadRequest(
            "since must look like 7d, 4w or 2026-11-01", field="since", value=value
        ) from exc


def parse_filters(args: Mapping[str, str | None], *, today: date | None = None) -> Filters:
    since = args.get("since") or None
    until = args.get("until") or None
    language = args.get("language") or None
    task = args.get("task") or None
    parsed_until = None
    if until:
        try:
            parsed_until = date.fromisoformat(until)
        except ValueError as exc:
            raise BadRequest("until must be an ISO date like 2026-11-30", field="until") from exc
    for name, value in (("language", language), ("task", task)):
        if value is not None and not NAME_RE.match(value):
            raise BadRequest(f"{name} must be a short name", field=name)
    filters = Filters(
        since=parse_since(since, today=today) if since else None,
        until=parsed_until,
        language=language,
        task=task,
    )
    if filters.since and filters.until and filters.since > filters.until:
        raise BadRequest("since must not be after until", field="since")
    return filters


def _where(query: Any, f: Filters, model: Any = AnalyticsSession) -> Any:
    if f.since:
        query = query.where(model.day >= f.since.isoformat())
    if f.until:
        query = query.where(model.day <= f.until.isoformat())
    if f.language:
        query = query.where(model.language == f.language)
    if f.task:
        query = query.where(model.task == f.task)
    return query


def _decided(query: Any, f: Filters) -> Any:
    return _where(query, f).where(AnalyticsSession.outcome.in_(OUTCOMES))


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


async def dashboard(session: AsyncSession, f: Filters) -> dict[str, Any]:
    t = Timer()
    s = AnalyticsSession
    # totals and rates over time ------------------------------------------------------------
    per_day = await t.run(
        "rates_over_time",
        session,
        _where(select(s.day, s.outcome, func.count()), f).group_by(s.day, s.outcome),
    )
    days: dict[str, dict[str, int]] = defaultdict(
        lambda: dict.fromkeys((*OUTCOMES, "open", "excluded"), 0)
    )
    totals: dict[str, int] = dict.fromkeys((*OUTCOMES, "open", "excluded"), 0)
    for day, outcome, n in per_day:
        days[day][outcome] = days[day].get(outcome, 0) + n
        totals[outcome] = totals.get(outcome, 0) + n
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
    # CES ------------------------------------------------------------------------------------
    ces_outcome = await t.run(
        "ces_by_outcome",
        session,
        _decided(select(s.outcome, s.ces_score, func.count()), f)
        .where(s.ces_score.is_not(None))
        .group_by(s.outcome, s.ces_score),
    )
    ces_task = await t.run(
        "ces_by_task",
        session,
        _decided(select(s.task, s.ces_score, func.count()), f)
        .where(s.ces_score.is_not(None))
        .group_by(s.task, s.ces_score),
    )
    # handoff reasons --------------------------------------------------------------------------
    reasons = await t.run(
        "handoff_reasons",
        session,
        _decided(select(s.handoff_reason, func.count()), f)
        .where(s.outcome == "escalated")
        .group_by(s.handoff_reason)
        .order_by(func.count().desc()),
    )
    # effort medians ---------------------------------------------------------------------------
    effort: dict[str, Any] = {}
    for metric in (*EFFORT_METRICS, "ces_score"):
        column = getattr(s, metric)
        hist_rows = await t.run(
            f"effort_{metric}",
            session,
            _decided(select(s.outcome, column, func.count()), f)
            .where(column.is_not(None))
            .group_by(s.outcome, column),
        )
        overall: dict[int, int] = defaultdict(int)
        by_outcome: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
        for outcome, value, n in hist_rows:
            overall[int(value)] += n
            by_outcome[outcome][int(value)] += n
        effort[metric] = {
            "median": median_from_histogram(overall),
            "n": sum(overall.values()),
            **{o: median_from_histogram(by_outcome.get(o, {})) for o in OUTCOMES},
        }
    asked = await t.run(
        "asked_twice_sessions",
        session,
        _decided(select(func.count()), f).where(s.asked_twice > 0),
    )
    # failing intents and fallback utterances --------------------------------------------------
    failing = await t.run(
        "failing_intents",
        session,
        _decided(
            select(
                s.topic,
                func.count(),
                func.sum(case((s.outcome != "contained", 1), else_=0)),
                func.sum(s.fallbacks),
            ),
            f,
        )
        .where(s.topic.is_not(None))
        .group_by(s.topic)
        .order_by(func.sum(case((s.outcome != "contained", 1), else_=0)).desc(), s.topic)
        .limit(10),
    )
    u = AnalyticsUtterance
    utterances = await t.run(
        "fallback_utterances",
        session,
        _where(select(u.text_norm, func.count(), func.max(u.likely_intent)), f, u)
        .where(u.kind == "fallback")
        .group_by(u.text_norm)
        .order_by(func.count().desc(), u.text_norm)
        .limit(20),
    )
    return {
        "filters": f.as_dict(),
        "summary": summary,
        "over_time": over_time,
        "ces_by_outcome": _ces_table(ces_outcome),
        "ces_by_task": _ces_table(ces_task),
        "handoff_reasons": [{"reason": r or "unknown", "sessions": n} for r, n in reasons],
        "effort": effort,
        "asked_twice_sessions": int(asked[0][0]) if asked else 0,
        "failing_intents": [
            {
                "intent": topic,
                "sessions": total,
                "not_contained": int(bad or 0),
                "failure_rate": _rate(int(bad or 0), total),
                "fallbacks": int(fb or 0),
            }
            for topic, total, bad, fb in failing
        ],
        "fallback_utterances": [
            {"text": mask_text(text), "count": n, "likely_intent": likely}
            for text, n, likely in utterances
        ],
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


async def filter_options(session: AsyncSession) -> dict[str, list[str]]:
    s = AnalyticsSession
    languages = [r[0] for r in await session.execute(select(s.language).distinct()) if r[0]]
    tasks = [r[0] for r in await session.execute(select(s.task).distinct()) if r[0]]
    return {"languages": sorted(languages), "tasks": sorted(tasks)}
