"""Where tracker events come from. The computation is the same for every source:
sources only add events to `analytics_events`; the log is computed from that table.

- `StoredTrackerSource`: tracker JSON documents already at hand (tests, imports).
- `RasaHttpSource`: Rasa's HTTP API, `GET /conversations/{id}/tracker?token=`.
- `BrokerSource`: events that the RabbitMQ consumer (handoff.analytics.broker) already stored.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

import httpx

log = logging.getLogger(__name__)


class EventSource(Protocol):
    name: str

    async def fetch(self, conversation_ids: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
        """Events per conversation to add (may repeat stored ones; they are deduplicated).
        Conversations missing from the answer keep the events already stored."""
        ...

    async def close(self) -> None: ...


def tracker_events(tracker: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [e for e in tracker.get("events") or [] if isinstance(e, dict) and e.get("event")]


class StoredTrackerSource:
    name = "stored"

    def __init__(self, trackers: Mapping[str, Mapping[str, Any]]) -> None:
        self.trackers = dict(trackers)

    async def fetch(self, conversation_ids: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
        return {
            cid: tracker_events(self.trackers[cid])
            for cid in conversation_ids
            if cid in self.trackers
        }

    async def close(self) -> None:
        return None


class RasaHttpSource:
    name = "rasa_http"

    def __init__(
        self, base_url: str, token: str, *, timeout: float = 10.0, concurrency: int = 8
    ) -> None:
        self._token = token
        self._client = httpx.AsyncClient(base_url=base_url.rstrip("/"), timeout=timeout)
        self._limit = asyncio.Semaphore(concurrency)
        self.failures: dict[str, str] = {}

    async def _one(self, cid: str) -> list[dict[str, Any]] | None:
        async with self._limit:
            try:
                response = await self._client.get(
                    f"/conversations/{cid}/tracker", params={"token": self._token}
                )
                response.raise_for_status()
                data = response.json()
            except (httpx.HTTPError, ValueError) as exc:
                self.failures[cid] = repr(exc)
                log.warning(
                    "tracker fetch failed", extra={"conversation_id": cid, "error": repr(exc)}
                )
                return None
        if not isinstance(data, dict):
            return None
        events = tracker_events(data)
        if not any(e.get("event") == "user" for e in events):
            # Nothing of the customer's yet. For a conversation it has not saved (unknown, or
            # its first message still being processed) Rasa's tracker endpoint runs
            # `action_session_start` on the spot and answers with that made-up session, which it
            # never saves: stored, its `session_started` would later cut the real first session
            # in two (issue 15). A tracker without a user message has no session to analyse.
            return None
        return events

    async def fetch(self, conversation_ids: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
        results = await asyncio.gather(*(self._one(cid) for cid in conversation_ids))
        return {
            cid: ev for cid, ev in zip(conversation_ids, results, strict=True) if ev is not None
        }

    async def close(self) -> None:
        await self._client.aclose()


class BrokerSource:
    """The RabbitMQ consumer stores events as they happen; nothing to fetch."""

    name = "broker"

    async def fetch(self, conversation_ids: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
        return {}

    async def close(self) -> None:
        return None
