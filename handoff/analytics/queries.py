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

from handoff.analytics.models import AnalyticsDaily, AnalyticsSession, AnalyticsUtterance
from handoff.errors import BadRequest
from handoff.pii import mask_text
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
SINCE_RE = re.compile(r"^(\d{1,4})([dw])$")
NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")


@dataclass(frozen=True)
class Filters:
    since: date | None = None
    until: date | None = None
    language: str | None = None
    task: str | None = None
    agent: int | None = None  # the agent who handled the session (agent_id)

    def as_dict(self) -> dict[str, Any]:
        return {
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat() if self.until else None,
            "language": self.language,
            "task": self.task,
            "agent": self.agent,
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
    agent_raw = args.get("agent") or None
    agent = None
    if agent_raw is not None:
        if not agent_raw.isdigit() or len(agent_raw) > 9:
            raise BadRequest("agent must be an agent's numeric id", field="agent")
        agent = int(agent_raw)
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
        agent=agent,
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
    if f.agent is not None and hasattr(model, "agent_id"):
        query = query.where(model.agent_id == f.agent)
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


D = AnalyticsDaily


def _daily(f: Filters, metric: str, *columns: Any) -> Any:
    """The pre-aggregated rows of one figure with the filters (see analytics/daily.py)."""
    query = select(*columns).where(D.metric == metric)
    if f.since:
        query = query.where(D.day >= f.since.isoformat())
    if f.until:
        query = query.where(D.day <= f.until.isoformat())
    if f.language:
        query = query.where(D.language == f.language)
    if f.task:
        query = query.where(D.task == f.task)
    if f.agent is not None:
        query = query.where(D.agent_id == f.agent)
    return query


N = func.sum(D.n)


async def dashboard(session: AsyncSession, f: Filters) -> dict[str, Any]:
    t = Timer()
    # totals and rates over time ------------------------------------------------------------
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
    # CES ------------------------------------------------------------------------------------
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
    # handoff reasons --------------------------------------------------------------------------
    reasons = await t.run(
        "handoff_reasons",
        session,
        _daily(f, "reason", D.k1, N).group_by(D.k1).order_by(N.desc(), D.k1),
    )
    # effort medians ---------------------------------------------------------------------------
    effort: dict[str, Any] = {}
    asked_sessions = 0
    for metric in (*EFFORT_METRICS, "ces_score"):
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
    # failing intents and fallback utterances --------------------------------------------------
    bad = func.sum(case((D.k2 == 1, D.n), else_=0))
    failing = await t.run(
        "failing_intents",
        session,
        _daily(f, "failing", D.k1, N, bad, func.sum(D.total))
        .group_by(D.k1)
        .order_by(bad.desc(), D.k1)
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
        "handoff_reasons": [{"reason": r or "unknown", "sessions": int(n)} for r, n in reasons],
        "effort": effort,
        "asked_twice_sessions": asked_sessions,
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


async def _agent_names(session: AsyncSession, ids: list[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = await session.execute(select(User.id, User.name).where(User.id.in_(ids)))
    return {int(i): str(n) for i, n in rows}


# Queue wait buckets (seconds, upper bound exclusive; None = no upper bound).
WAIT_BUCKETS: tuple[tuple[str, int, int | None], ...] = (
    ("< 30 s", 0, 30),
    ("30 s – 1 min", 30, 60),
    ("1 – 2 min", 60, 120),
    ("2 – 5 min", 120, 300),
    ("5 – 10 min", 300, 600),
    ("≥ 10 min", 600, None),
)


def _medians(rows: list[Any]) -> dict[Any, float | None]:
    hist: dict[Any, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for key, value, n in rows:
        hist[key][int(value)] += int(n)
    return {key: median_from_histogram(h) for key, h in hist.items()}


async def agents(session: AsyncSession, f: Filters) -> dict[str, Any]:
    """The agents' side: per agent and per team (the handoff's language queue, the skill group
    agents are routed by), the queue wait distribution and abandonment in the queue. Over
    closed sessions with a handoff, with the dashboard's filters."""
    t = Timer()
    backs = func.sum(case((D.k2 == 1, D.n), else_=0))
    per_agent = await t.run(
        "agents",
        session,
        _daily(f, "agent", D.agent_id, N, backs).group_by(D.agent_id),
    )
    agent_hist: dict[str, dict[Any, float | None]] = {}
    ces_sums: dict[Any, tuple[int, int]] = {}
    for metric in ("first_response_seconds", "handoff_handling_seconds", "agent_ces_score"):
        rows = await t.run(
            f"agents_{metric}",
            session,
            _daily(f, f"agent:{metric}", D.agent_id, D.k2, N).group_by(D.agent_id, D.k2),
        )
        agent_hist[metric] = _medians(rows)
        if metric == "agent_ces_score":
            for agent_id, value, n in rows:
                count, total = ces_sums.get(agent_id, (0, 0))
                ces_sums[agent_id] = (count + int(n), total + int(n) * int(value))
    transfers = {
        int(k1): int(moved or 0)
        for k1, moved in await t.run(
            "agents_transfers",
            session,
            _daily(f, "transfers", D.k1, func.sum(D.total)).group_by(D.k1),
        )
    }
    names = await _agent_names(session, sorted({int(r[0]) for r in per_agent} | set(transfers)))
    agent_rows = []
    for agent_id, handled, handed in per_agent:
        n_ces, sum_ces = ces_sums.get(agent_id, (0, 0))
        agent_rows.append(
            {
                "agent_id": agent_id,
                "name": names.get(agent_id, f"agent {agent_id}"),
                "handled": int(handled),
                "first_response_median_s": agent_hist["first_response_seconds"].get(agent_id),
                "handling_median_s": agent_hist["handoff_handling_seconds"].get(agent_id),
                "handed_back": int(handed or 0),
                "transfers": transfers.get(agent_id, 0),
                "ces_after_human_n": n_ces,
                "ces_after_human_mean": round(sum_ces / n_ces, 2) if n_ces else None,
                "ces_after_human_median": agent_hist["agent_ces_score"].get(agent_id),
            }
        )
    agent_rows.sort(key=lambda r: (-r["handled"], r["name"]))
    # teams --------------------------------------------------------------------------------
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
    team_hist: dict[str, dict[Any, float | None]] = {}
    team_ces: dict[Any, tuple[int, int]] = {}
    for metric in (
        "handoff_wait_seconds",
        "first_response_seconds",
        "handoff_handling_seconds",
        "agent_ces_score",
    ):
        rows = await t.run(
            f"teams_{metric}",
            session,
            _daily(f, f"team:{metric}", D.k1, D.k2, N).group_by(D.k1, D.k2),
        )
        team_hist[metric] = _medians(rows)
        if metric == "agent_ces_score":
            for team, value, n in rows:
                count, total = team_ces.get(team, (0, 0))
                team_ces[team] = (count + int(n), total + int(n) * int(value))
    team_rows = []
    for team in sorted(teams):
        row = teams[team]
        n_ces, sum_ces = team_ces.get(team, (0, 0))
        team_rows.append(
            {
                "team": team,
                "handoffs": row["handoffs"],
                "handled": row["handled"],
                "abandoned_in_queue": row["left"],
                "queue_abandonment_rate": _rate(row["left"], row["handoffs"]),
                "queue_wait_median_s": team_hist["handoff_wait_seconds"].get(team),
                "first_response_median_s": team_hist["first_response_seconds"].get(team),
                "handling_median_s": team_hist["handoff_handling_seconds"].get(team),
                "handed_back": row["backs"],
                "transfers": row["moved"],
                "ces_after_human_n": n_ces,
                "ces_after_human_mean": round(sum_ces / n_ces, 2) if n_ces else None,
            }
        )
    # queue wait distribution ----------------------------------------------------------------
    waits = await t.run(
        "queue_wait", session, _daily(f, "wait", D.k1, D.k2, N).group_by(D.k1, D.k2)
    )
    dist = {label: {"answered": 0, "abandoned": 0} for label, _, _ in WAIT_BUCKETS}
    for kind, seconds, n in waits:
        label = next(
            name for name, _lo, upper in WAIT_BUCKETS if upper is None or int(seconds) < upper
        )
        dist[label]["abandoned" if kind == "abandoned" else "answered"] += int(n)
    return {
        "agents": agent_rows,
        "teams": team_rows,
        "team_basis": "language queue",
        "queue_wait": [{"bucket": label, **counts} for label, counts in dist.items()],
        "agent_query_ms": t.timings,
    }
