"""Clients for the public handoff service (docs/api.md), as the widget and console use it."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from itertools import count, takewhile
from typing import Any

import httpx

_ids = count(1)
PENDING_WAIT_S = 30.0


def is_still_checking(message: dict[str, Any]) -> bool:
    return (message.get("custom") or {}).get("event") == "still_checking"


def unanswered(
    history: list[dict[str, Any]], is_answer: Callable[[dict[str, Any]], bool]
) -> list[dict[str, Any]]:
    """The customer messages of a conversation's history that nothing answers before the
    customer's next message."""
    found = []
    for index, message in enumerate(history):
        if message["role"] != "customer":
            continue
        following = takewhile(lambda m: m["role"] != "customer", history[index + 1 :])
        if not any(is_answer(m) for m in following):
            found.append(message)
    return found


async def processed_twice(rasa: httpx.AsyncClient, conversation_id: str, token: str) -> int:
    """How many times Rasa's tracker holds a user message of the same handoff message again
    (0 if the tracker cannot be read)."""
    tracker = await rasa.get(f"/conversations/{conversation_id}/tracker", params={"token": token})
    if tracker.status_code != 200:
        return 0
    ids = Counter(
        (e.get("metadata") or {}).get("handoff_message_id")
        for e in tracker.json().get("events") or []
        if e.get("event") == "user"
    )
    return sum(n - 1 for key, n in ids.items() if key is not None and n > 1)


class ApiError(RuntimeError):
    def __init__(self, status: int, body: str) -> None:
        super().__init__(f"HTTP {status}: {body[:300]}")
        self.status = status


@dataclass
class Conversation:
    id: str
    token: str
    language: str
    customer: dict[str, Any] | None

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def ws_url(http_base: str) -> str:
    return "ws" + http_base.removeprefix("http")


class CustomerClient:
    """Customer API: create a conversation, send messages (REST), read state."""

    def __init__(self, base_url: str, http: httpx.AsyncClient | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.http = http or httpx.AsyncClient(timeout=30)

    async def _check(self, response: httpx.Response) -> Any:
        if response.status_code >= 400:
            raise ApiError(response.status_code, response.text)
        return response.json()

    async def create(self, language: str = "en", token: str | None = None) -> Conversation:
        body: dict[str, Any] = {"language": language}
        if token:
            body["customer_token"] = token
        data = await self._check(
            await self.http.post(f"{self.base_url}/api/conversations", json=body)
        )
        return Conversation(
            data["conversation_id"],
            data["token"],
            data.get("language", language),
            data.get("customer"),
        )

    async def send(
        self, conv: Conversation, text: str, *, follow: float = PENDING_WAIT_S
    ) -> dict[str, Any]:
        """POST a message; returns ``{"message", "replies", "duplicate", "pending"}``. When the
        service answered ``pending: true`` (the bot is slow: "still checking"), the rest of the
        turn is fetched from ``GET …/messages`` (every 0.1 s, for up to `follow` seconds) and
        added to ``replies``, as the widget shows it; ``pending`` then says whether it came."""
        body = {"client_message_id": f"b-{next(_ids)}-{time.monotonic_ns()}", "text": text}
        data = dict(
            await self._check(
                await self.http.post(
                    f"{self.base_url}/api/conversations/{conv.id}/messages",
                    json=body,
                    headers=conv.auth,
                )
            )
        )
        if data.get("pending") and follow > 0:
            data["replies"], data["pending"] = await self._follow(conv, data, follow)
        return data

    async def _follow(
        self, conv: Conversation, data: dict[str, Any], limit: float
    ) -> tuple[list[dict[str, Any]], bool]:
        seq = int(data["message"]["seq"])
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            await asyncio.sleep(0.1)
            later = list(
                takewhile(lambda m: m["role"] != "customer", await self.messages(conv, seq))
            )
            if any(not is_still_checking(m) for m in later):
                return later, False
        return list(data.get("replies") or []), True

    async def messages(self, conv: Conversation, after: int = 0) -> list[dict[str, Any]]:
        data = await self._check(
            await self.http.get(
                f"{self.base_url}/api/conversations/{conv.id}/messages",
                params={"after": after},
                headers=conv.auth,
            )
        )
        return list(data.get("messages") or [])

    async def state(self, conv: Conversation) -> dict[str, Any]:
        return dict(
            await self._check(
                await self.http.get(
                    f"{self.base_url}/api/conversations/{conv.id}", headers=conv.auth
                )
            )
        )

    async def leave(self, conv: Conversation) -> None:
        await self.http.post(
            f"{self.base_url}/api/conversations/{conv.id}/leave", headers=conv.auth
        )


class AgentClient:
    """Agent API: log in, list/claim handoffs, look up handoff reasons."""

    def __init__(self, base_url: str, http: httpx.AsyncClient | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.http = http or httpx.AsyncClient(timeout=30)
        self.token: str | None = None

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    async def login(self, email: str, password: str) -> dict[str, Any]:
        response = await self.http.post(
            f"{self.base_url}/api/auth/login", json={"email": email, "password": password}
        )
        if response.status_code != 200:
            raise ApiError(response.status_code, response.text)
        data = response.json()
        self.token = data["token"]
        return dict(data["user"])

    async def get(self, path: str, **params: Any) -> Any:
        response = await self.http.get(f"{self.base_url}{path}", params=params, headers=self.auth)
        if response.status_code >= 400:
            raise ApiError(response.status_code, response.text)
        return response.json()

    async def post(self, path: str, body: dict[str, Any] | None = None) -> Any:
        response = await self.http.post(
            f"{self.base_url}{path}", json=body or {}, headers=self.auth
        )
        if response.status_code >= 400:
            raise ApiError(response.status_code, response.text)
        return response.json()

    async def handoff_for(self, conversation_id: str) -> dict[str, Any] | None:
        data = await self.get("/api/handoffs", status="all")
        for summary in data.get("handoffs") or []:
            if summary.get("conversation_id") == conversation_id:
                return dict(summary)
        return None

    def ws_url(self) -> str:
        return f"{ws_url(self.base_url)}/ws/agent"

    def ws_headers(self) -> dict[str, str]:
        """Session tokens go in the Authorization header, never in the URL."""
        return {"Authorization": f"Bearer {self.token}"}


async def set_faults(
    shop_url: str, api_key: str, error_rate: float = 0.0, latency_ms: float = 0.0
) -> dict[str, Any]:
    """PUT /v1/admin/faults on the demo order API (needs SHOP_ALLOW_FAULTS=1)."""
    async with httpx.AsyncClient(timeout=10) as http:
        response = await http.put(
            f"{shop_url.rstrip('/')}/v1/admin/faults",
            json={"error_rate": error_rate, "latency_ms": int(latency_ms)},
            headers={"X-API-Key": api_key},
        )
    if response.status_code != 200:
        raise ApiError(response.status_code, response.text)
    return dict(response.json())
