"""Exports: the containment log as CSV/JSONL (PII masked unless an admin asks for raw data),
and fallback / low-confidence utterances as Rasa NLU YAML for review and retraining."""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from collections.abc import AsyncIterator
from typing import IO, Any

import yaml
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from handoff.analytics.filters import Filters, where_filters
from handoff.analytics.models import AnalyticsSession, AnalyticsUtterance
from handoff.analytics.services import session_view
from handoff.errors import Forbidden
from handoff.pii import mask_text
from handoff.store.models import User

EXPORT_FIELDS = [
    c.name for c in AnalyticsSession.__table__.columns if c.name not in ("id", "details")
] + ["failed_utterances"]


async def require_admin(session: AsyncSession, email: str | None) -> User:
    """`--raw` needs `--as <email>` of an active admin in the users table."""
    if not email:
        raise Forbidden("--raw needs --as <admin email>")
    user = await session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None or not user.active or user.role != "admin":
        raise Forbidden(f"{email} is not an active admin; raw data refused")
    return user


async def iter_rows(
    session: AsyncSession, filters: Filters, *, raw: bool
) -> AsyncIterator[dict[str, Any]]:
    query = where_filters(select(AnalyticsSession), filters).order_by(AnalyticsSession.started_at)
    result = await session.stream_scalars(query.execution_options(yield_per=1000))
    async for row in result:
        view = session_view(row, raw=raw)
        details = view.pop("details") or {}
        view["failed_utterances"] = [u.get("text") for u in details.get("failed_utterances", [])]
        yield {k: view.get(k) for k in EXPORT_FIELDS}


async def export(
    session: AsyncSession, filters: Filters, out: IO[str], *, fmt: str, raw: bool
) -> int:
    count = 0
    writer = None
    if fmt == "csv":
        writer = csv.DictWriter(out, fieldnames=EXPORT_FIELDS)
        writer.writeheader()
    async for row in iter_rows(session, filters, raw=raw):
        if writer is not None:
            writer.writerow(
                {
                    k: json.dumps(v, ensure_ascii=False) if isinstance(v, (list, dict)) else v
                    for k, v in row.items()
                }
            )
        else:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
        count += 1
    return count


async def nlu_review(session: AsyncSession, filters: Filters) -> tuple[str, int]:
    """Rasa NLU YAML (version 3.1): utterances grouped by their most likely intent."""
    u = AnalyticsUtterance
    rows = await session.execute(
        where_filters(select(u.text, u.likely_intent, u.kind, u.confidence), filters, u).order_by(
            u.likely_intent, u.text
        )
    )
    groups: dict[str, dict[str, None]] = defaultdict(dict)
    for text, likely, _kind, _conf in rows:
        masked = " ".join((mask_text(text) or "").split())
        if masked:
            groups[likely or "unknown"][masked] = None
    nlu = [
        {"intent": intent, "examples": "".join(f"- {t}\n" for t in texts)}
        for intent, texts in sorted(groups.items())
    ]
    header = (
        "# Fallback and low-confidence utterances, grouped by the most likely intent.\n"
        "# Review each example (move, fix or delete it) before adding it to data/nlu/.\n"
        "# Personal data is masked ([email], [phone], [card], [address]).\n"
    )

    class _Literal(str):
        pass

    def _literal(dumper: yaml.SafeDumper, value: _Literal) -> yaml.Node:
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")

    yaml.SafeDumper.add_representer(_Literal, _literal)
    for entry in nlu:
        entry["examples"] = _Literal(entry["examples"])
    body = yaml.safe_dump(
        {"version": "3.1", "nlu": nlu}, allow_unicode=True, sort_keys=False, width=1000
    )
    return header + body, sum(len(t) for t in groups.values())
