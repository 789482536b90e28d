"""Two agents for the production check, through HAProxy (REST, polling once a second).

Each takes the next handoff from the queue, answers every customer message, passes every third
conversation to the other agent after its first answer (so those are handled by both), and
resolves a conversation once the customer has finished and nothing is left unanswered. Calls
that fail while an instance dies are simply tried again on the next round.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from dataclasses import dataclass, field
from typing import Any

import httpx

from bench.prod.drive import Customer

log = logging.getLogger(__name__)

POLL_S = 1.0
CLAIMS_PER_ROUND = 10
_ids = itertools.count(1)


@dataclass
class Agent:
    email: str
    password: str
    customers: dict[str, Customer]
    id: int | None = None
    token: str | None = None
    peer: Agent | None = None
    claimed: int = 0
    replies: int = 0
    transferred: int = 0
    resolved: int = 0
    errors: int = 0
    _replied_to: dict[int, int] = field(default_factory=dict)  # handoff → last answered seq
    _passed: set[str] = field(default_factory=set)

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    async def _login(self, http: httpx.AsyncClient) -> None:
        response = await http.post(
            "/api/auth/login", json={"email": self.email, "password": self.password}
        )
        response.raise_for_status()
        data = response.json()
        self.token, self.id = data["token"], int(data["user"]["id"])
        await http.put("/api/agent/status", json={"available": True}, headers=self.auth)

    async def _post(self, http: httpx.AsyncClient, path: str, body: dict[str, Any]) -> Any:
        response = await http.post(path, json=body, headers=self.auth)
        if response.status_code == 401:
            self.token = None
        response.raise_for_status()
        return response.json()

    async def _mine(self, http: httpx.AsyncClient) -> list[dict[str, Any]]:
        response = await http.get(
            "/api/handoffs", params={"status": "claimed", "mine": 1}, headers=self.auth
        )
        if response.status_code == 401:
            self.token = None
        response.raise_for_status()
        return list(response.json().get("handoffs") or [])

    def _quiet(self, conversation: str) -> bool:
        """Nothing to do for now, as far as the customer (same process) can tell: their last
        message has its answer, they are still talking, and no transfer is due. Saves polling
        every transcript every second; what counts is still read from the store."""
        customer = self.customers.get(conversation)
        if customer is None or customer.finished or not customer.sent:
            return False
        last = customer.sent[-1]
        transfer_due = customer.index % 3 == 0 and conversation not in self._passed
        return last.seq is not None and customer.answered(last) and not transfer_due

    async def _serve(self, http: httpx.AsyncClient, summary: dict[str, Any]) -> None:
        hid, conversation = int(summary["id"]), str(summary["conversation_id"])
        if self._quiet(conversation):
            return
        response = await http.get(f"/api/handoffs/{hid}/messages", headers=self.auth)
        response.raise_for_status()
        messages = response.json().get("messages") or []
        waiting = None
        for message in messages:
            if message.get("role") == "customer":
                waiting = message
            elif message.get("role") == "agent":
                waiting = None
        customer = self.customers.get(conversation)
        if waiting is not None:
            seq = int(waiting["seq"])
            await self._post(
                http,
                f"/api/handoffs/{hid}/messages",
                {
                    "text": f"Sorry to hear that. I'm on it ({seq}).",
                    "client_message_id": f"agent-{self.id}-{hid}-{seq}",
                },
            )
            self.replies += 1
            self._replied_to[hid] = seq
            return
        answered_once = any(m.get("role") == "agent" for m in messages)
        if (
            customer is not None
            and customer.index % 3 == 0
            and answered_once
            and conversation not in self._passed
            and self.peer is not None
            and self.peer.id is not None
            and not customer.finished
        ):
            self._passed.add(conversation)
            if self.peer is not None:
                self.peer._passed.add(conversation)
            await self._post(
                http,
                f"/api/handoffs/{hid}/transfer",
                {"agent_id": self.peer.id, "note": "passing this one on"},
            )
            self.transferred += 1
            return
        if customer is None or customer.finished:
            await self._post(http, f"/api/handoffs/{hid}/resolve", {"note": "done"})
            self.resolved += 1

    async def round(self, http: httpx.AsyncClient) -> int:
        """One poll: take every handoff waiting in the queue (at most `CLAIMS_PER_ROUND`),
        serve every claimed one at once; how many are open."""
        if self.token is None:
            await self._login(http)
        took = 0
        for _ in range(CLAIMS_PER_ROUND):
            response = await http.post("/api/queue/next", json={}, headers=self.auth)
            if response.status_code == 401:
                self.token = None
            if response.status_code != 200:
                break
            self.claimed += 1
            took += 1
        mine = await self._mine(http)
        results = await asyncio.gather(
            *(self._serve(http, summary) for summary in mine), return_exceptions=True
        )
        self.errors += sum(1 for r in results if isinstance(r, Exception))
        return len(mine) + took

    async def run(self, http: httpx.AsyncClient, stop: asyncio.Event, linger: float = 120) -> None:
        """Serve until `stop` is set and nothing has been open for three rounds (or `linger`
        seconds after `stop`)."""
        idle_rounds, stopped_at = 0, None
        while True:
            try:
                open_now = await self.round(http)
            except (httpx.HTTPError, ValueError, KeyError) as exc:
                open_now = 1
                self.errors += 1
                log.debug("agent %s: %r", self.email, exc)
            if stop.is_set():
                stopped_at = stopped_at or asyncio.get_running_loop().time()
                idle_rounds = idle_rounds + 1 if open_now == 0 else 0
                if idle_rounds >= 3 or asyncio.get_running_loop().time() - stopped_at > linger:
                    return
            await asyncio.sleep(POLL_S)

    def figures(self) -> dict[str, int]:
        return {
            "claimed": self.claimed,
            "replies": self.replies,
            "transferred": self.transferred,
            "resolved": self.resolved,
            "errors": self.errors,
        }
