"""The dashboard's filters (period, language, task, agent): parsing request arguments and
applying them to a query on the containment log or the utterances."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from handoff.analytics.models import AnalyticsSession
from handoff.errors import BadRequest

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


where_filters = _where
