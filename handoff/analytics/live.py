"""Keep the containment log current inside the service: a background task started in the
app's startup listener computes the conversations that changed, every
`ANALYTICS_LIVE_SECONDS` (default 30; 0 = off).

Several instances may share one database: a lease row (`analytics_lease`, name `compute`)
names the instance allowed to compute until it expires. The holder renews it after every batch
and every run; the others skip their turn, and take over when the holder stops (it releases the
lease on shutdown) or dies (the lease expires after a few intervals). The row also records
when the last run finished: the dashboard's "last updated".
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import uuid
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from handoff.analytics import daily, store
from handoff.analytics.analysis import Rules
from handoff.analytics.models import AnalyticsLease
from handoff.analytics.pipeline import ComputeStats, compute
from handoff.analytics.sources import BrokerSource, EventSource, RasaHttpSource
from handoff.config import Settings
from handoff.store.db import Database
from handoff.store.models import utcnow

log = logging.getLogger(__name__)
LEASE = "compute"


def holder_id() -> str:
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


async def acquire(db: Database, holder: str, ttl: float, *, name: str = LEASE) -> bool:
    """Take or renew the lease; False when another live holder has it."""
    now = utcnow()
    lease = cast(Table, AnalyticsLease.__table__)
    async with db.session() as session:
        stmt = store.dialect_insert(session, AnalyticsLease).on_conflict_do_nothing(
            index_elements=["name"]
        )
        await session.execute(stmt, [{"name": name, "holder": None, "expires_at": None}])
        result = await session.execute(
            update(lease)
            .where(
                lease.c.name == name,
                or_(
                    lease.c.holder.is_(None),
                    lease.c.holder == holder,
                    lease.c.expires_at.is_(None),
                    lease.c.expires_at < now,
                ),
            )
            .values(holder=holder, expires_at=now + timedelta(seconds=ttl))
        )
        return bool(getattr(result, "rowcount", 0) == 1)


async def release(db: Database, holder: str, *, name: str = LEASE) -> None:
    lease = cast(Table, AnalyticsLease.__table__)
    async with db.session() as session:
        await session.execute(
            update(lease)
            .where(lease.c.name == name, lease.c.holder == holder)
            .values(holder=None, expires_at=None)
        )


async def record_run(
    db: Database, started: datetime, stats: ComputeStats, *, name: str = LEASE
) -> None:
    """Remember when the figures were last brought up to date (also after a CLI run)."""
    lease = cast(Table, AnalyticsLease.__table__)
    async with db.session() as session:
        stmt = store.dialect_insert(session, AnalyticsLease).on_conflict_do_nothing(
            index_elements=["name"]
        )
        await session.execute(stmt, [{"name": name}])
        await session.execute(
            update(lease)
            .where(lease.c.name == name)
            .values(
                last_started_at=started,
                last_finished_at=utcnow(),
                last_stats={k: v for k, v in stats.as_dict().items() if k != "fetch_failures"}
                | {"fetch_failures": len(stats.fetch_failures)},
            )
        )


async def last_update(session: AsyncSession, *, name: str = LEASE) -> dict[str, Any]:
    row = await session.scalar(select(AnalyticsLease).where(AnalyticsLease.name == name))
    if row is None or row.last_finished_at is None:
        return {"updated_at": None, "last_run": None}
    return {
        "updated_at": row.last_finished_at.isoformat().replace("+00:00", "Z"),
        "last_run": row.last_stats,
    }


def make_source(settings: Settings) -> EventSource:
    if settings.analytics_live_source == "broker":
        return BrokerSource()
    return RasaHttpSource(
        settings.rasa_url, settings.rasa_token, timeout=settings.rasa_timeout, concurrency=4
    )


class LiveComputer:
    """The background loop (one per service instance)."""

    def __init__(
        self,
        db: Database,
        settings: Settings,
        *,
        source: EventSource | None = None,
        holder: str | None = None,
    ) -> None:
        self.db = db
        self.interval = settings.analytics_live_seconds
        self.ttl = max(3 * self.interval, 30.0)
        self.rules = Rules(settings.analytics_inactivity_seconds, settings.low_confidence)
        self.source = source or make_source(settings)
        self.holder = holder or holder_id()
        self.runs = 0
        self.skipped = 0
        self._stop = asyncio.Event()

    async def run_once(self) -> ComputeStats | None:
        """One turn: compute if this instance holds the lease, else skip (None)."""
        if not await acquire(self.db, self.holder, self.ttl):
            self.skipped += 1
            return None
        started = utcnow()

        async def renew() -> bool:
            return await acquire(self.db, self.holder, self.ttl)

        if self.runs == 0:
            await daily.refresh(self.db, await daily.recently_computed_days(self.db))
        stats = await compute(self.db, self.source, rules=self.rules, heartbeat=renew)
        await record_run(self.db, started, stats)
        self.runs += 1
        return stats

    async def run(self, *, first_delay: float = 1.0) -> None:
        try:
            await self._sleep(first_delay)
            while not self._stop.is_set():
                try:
                    await self.run_once()
                except Exception:
                    log.exception("live analytics run failed; retrying next interval")
                await self._sleep(self.interval)
        finally:
            with contextlib.suppress(Exception):
                await release(self.db, self.holder)
            await self.source.close()

    async def _sleep(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stop.wait(), timeout=seconds)

    def stop(self) -> None:
        self._stop.set()
