"""Fixtures: a real temporary database, a real fake-Rasa HTTP server, a real handoff server."""

from __future__ import annotations

import asyncio
import json
import os
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from handoff_fake_rasa import FakeRasa
from handoff_served import Served, free_port
from websockets.asyncio.client import ClientConnection, connect

from handoff.accounts import create_user
from handoff.app import create_app
from handoff.config import Settings
from handoff.hub import Hub


@pytest.fixture
async def fake_rasa() -> AsyncIterator[tuple[FakeRasa, str]]:
    fake = FakeRasa()
    served = Served(fake.app, free_port())
    await served.start()
    yield fake, served.url
    await served.stop()


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


@pytest.fixture
async def service_factory(tmp_path: Path, fake_rasa: tuple[FakeRasa, str]):  # type: ignore[no-untyped-def]
    started: list[tuple[Served, httpx.AsyncClient]] = []

    async def make(**overrides: Any) -> Service:
        fake, rasa_url = fake_rasa
        settings = base_settings(tmp_path, overrides.pop("rasa_url", rasa_url), **overrides)
        app = create_app(settings, name=f"handoff-{uuid.uuid4().hex[:8]}")
        served = Served(app, free_port())
        await served.start()
        client = httpx.AsyncClient(base_url=served.url, timeout=10)
        started.append((served, client))
        return Service(served.url, app.ctx.hub, client, fake)

    yield make
    for served, client in started:
        await client.aclose()
        await served.stop()


@pytest.fixture
async def service(service_factory) -> Service:  # type: ignore[no-untyped-def]
    return await service_factory()


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


os.environ.setdefault("HANDOFF_LOG_FORMAT", "text")


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
