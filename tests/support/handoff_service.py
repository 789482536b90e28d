"""The handoff service as the tests drive it: settings on a temporary database, a running
service with an HTTP client, and helpers for tokens and WebSocket frames."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection, connect

from handoff.accounts import create_user
from handoff.config import Settings
from handoff.hub import Hub
from tests.support.fake_rasa import FakeRasa


def base_settings(tmp_path: Path, rasa_url: str, **overrides: Any) -> Settings:
    settings = Settings(
        environment="test",
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'handoff.db'}",
        rasa_url=rasa_url,
        rasa_token="rasa-token",
        rasa_timeout=2.0,
        leave_grace_seconds=0.3,
        log_format="text",
        analytics_live_seconds=0,  # the live analytics loop has its own tests (tests/analytics)
        attachments_dir=str(tmp_path / "attachments"),
    )
    return settings.replace(**overrides)


@dataclass
class Service:
    url: str
    hub: Hub
    http: httpx.AsyncClient
    fake: FakeRasa

    @property
    def ws_url(self) -> str:
        return self.url.replace("http://", "ws://")

    async def user(
        self,
        email: str,
        role: str = "agent",
        languages: list[str] | None = None,
        password: str = "correct horse battery",
    ) -> dict[str, Any]:
        async with self.hub.db.session() as session:
            user = await create_user(
                session=session,
                email=email,
                name=email.split("@")[0].title(),
                role=role,
                password=password,
                languages=languages,
            )
        r = await self.http.post("/api/auth/login", json={"email": email, "password": password})
        assert r.status_code == 200, r.text
        return {"id": user.id, "token": r.json()["token"], "name": user.name}

    async def conversation(self, **body: Any) -> dict[str, Any]:
        r = await self.http.post("/api/conversations", json=body)
        assert r.status_code == 201, r.text
        return dict(r.json())


async def post_message(
    service: Service, conv: dict[str, Any], client_message_id: str, text: str
) -> dict[str, Any]:
    """The customer sends `text` over REST (`conv` as `Service.conversation` returns it)."""
    r = await service.http.post(
        f"/api/conversations/{conv['conversation_id']}/messages",
        headers=auth(conv["token"]),
        json={"client_message_id": client_message_id, "text": text},
    )
    assert r.status_code == 201, r.text
    return dict(r.json())


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def recv_until(ws: ClientConnection, predicate: Any, timeout: float = 5.0) -> dict[str, Any]:
    """Read frames until one matches (others are skipped)."""

    async def _loop() -> dict[str, Any]:
        while True:
            frame = json.loads(await ws.recv())
            if predicate(frame):
                return dict(frame)

    return await asyncio.wait_for(_loop(), timeout)


def ws_connect(url: str, headers: dict[str, str] | None = None) -> Any:
    return connect(url, open_timeout=5, max_size=2**20, additional_headers=headers)


def is_msg(role: str | None = None, contains: str | None = None) -> Any:
    """Predicate for `recv_until`: a `message` frame by role and/or text fragment."""

    def check(frame: dict[str, Any]) -> bool:
        if frame.get("type") != "message":
            return False
        message = frame["message"]
        if role is not None and message["role"] != role:
            return False
        return contains is None or contains in (message.get("text") or "")

    return check


def frame(kind: str, **fields: Any) -> str:
    return json.dumps({"type": kind, **fields})


TEXTS_FOR_HUMAN = {"en": "I need a human", "ko": "상담원(human) 연결해 주세요"}


async def queued_conversation(service: Service, language: str = "en") -> dict[str, str]:
    conv = await service.conversation(language=language)
    r = await service.http.post(
        f"/api/conversations/{conv['conversation_id']}/messages",
        headers=auth(conv["token"]),
        # the gateway detects the language per message: a Korean customer writes Korean
        json={"client_message_id": "1", "text": TEXTS_FOR_HUMAN[language]},
    )
    assert r.status_code == 201
    return conv
