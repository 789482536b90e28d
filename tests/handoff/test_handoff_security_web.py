"""Issue 13, first reproductions: `/demo` in production, CSRF on the agent API, cross-site
WebSockets, the session cookie's flags. Each test replays the attack and shows it now fails."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.exceptions import ConnectionClosed

from handoff.accounts import create_user
from handoff.app import create_app
from handoff.config import Settings, SettingsError
from launcher import free_port
from tests.support.handoff_service import Service, auth, recv_until, ws_connect
from tests.support.served import Served

EVIL = "http://evil.example"
SHOP = "https://shop.example.com"
PASSWORD = "correct horse battery"
ROOT = Path(__file__).resolve().parents[2]


def production_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    return {
        "HANDOFF_ENV": "production",
        "HANDOFF_SECRET": "s" * 40,
        "HANDOFF_SHOP_SECRET": "k" * 40,
        "RASA_TOKEN": "r" * 24,
        "HANDOFF_ALLOWED_ORIGINS": SHOP,
        "HANDOFF_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'prod.db'}",
        "RASA_URL": f"http://127.0.0.1:{free_port()}",
        "HANDOFF_LOG_FORMAT": "text",
        **extra,
    }


@pytest.fixture
async def production(tmp_path: Path) -> AsyncIterator[tuple[str, httpx.AsyncClient, Any]]:
    """A service started from a production environment (real secrets, explicit origins)."""
    settings = Settings.from_env(production_env(tmp_path))
    app = create_app(settings, name=f"prod-{uuid.uuid4().hex[:8]}")
    served = Served(app, free_port())
    await served.start()
    client = httpx.AsyncClient(base_url=served.url, timeout=10)
    yield served.url, client, app.ctx.hub
    await client.aclose()
    await served.stop()


# --- /demo ---------------------------------------------------------------------------------


async def test_demo_page_does_not_exist_in_production(production: Any) -> None:
    _, client, _ = production
    r = await client.get("/demo", params={"as": "C0002"})
    assert r.status_code == 404
    assert r.json()["code"] == "not_found"
    assert "data-customer-token" not in r.text


async def test_demo_page_still_serves_development(service: Service) -> None:
    r = await service.http.get("/demo", params={"as": "C0002"})
    assert r.status_code == 200 and 'data-customer-token="ey' in r.text


def test_production_refuses_to_start_with_demo_minting(tmp_path: Path) -> None:
    assert not Settings.from_env(production_env(tmp_path)).demo_enabled
    assert Settings.from_env({}).demo_enabled  # development keeps the demo
    with pytest.raises(SettingsError, match="HANDOFF_DEMO"):
        Settings.from_env(production_env(tmp_path, HANDOFF_DEMO="1"))
    # The real process exits before serving anything.
    proc = subprocess.run(
        [sys.executable, "-m", "handoff"],
        env={**os.environ, **production_env(tmp_path, HANDOFF_DEMO="1")},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2
    assert "HANDOFF_DEMO" in proc.stderr


def test_production_cookie_is_secure_and_cannot_be_switched_off(tmp_path: Path) -> None:
    assert Settings.from_env(production_env(tmp_path)).cookie_secure
    assert not Settings.from_env({}).cookie_secure
    with pytest.raises(SettingsError, match="HANDOFF_COOKIE_SECURE"):
        Settings.from_env(production_env(tmp_path, HANDOFF_COOKIE_SECURE="0"))
    with pytest.raises(SettingsError, match="HANDOFF_SHOP_SECRET"):
        Settings.from_env(production_env(tmp_path, HANDOFF_SHOP_SECRET="short"))


async def test_production_session_cookie_flags(production: Any) -> None:
    _, client, hub = production
    async with hub.db.session() as session:
        await create_user(
            session=session, email="a@example.com", name="A", role="agent", password=PASSWORD
        )
    r = await client.post("/api/auth/login", json={"email": "a@example.com", "password": PASSWORD})
    assert r.status_code == 200
    cookie = r.headers["set-cookie"].lower()
    assert "secure" in cookie and "httponly" in cookie and "samesite=strict" in cookie


# --- CSRF ----------------------------------------------------------------------------------


async def _admin_cookie_client(service: Service) -> tuple[dict[str, Any], httpx.AsyncClient]:
    admin = await service.user(f"admin-{uuid.uuid4().hex[:6]}@example.com", role="admin")
    # A browser's request: the cookie only, no Authorization header.
    client = httpx.AsyncClient(
        base_url=service.url, timeout=10, headers={"Cookie": f"handoff_session={admin['token']}"}
    )
    return admin, client


def _new_user(email: str) -> dict[str, str]:
    return {"email": email, "name": "Mallory", "role": "admin", "password": "pw-12345678"}


async def _user_exists(service: Service, email: str, admin: dict[str, Any]) -> bool:
    r = await service.http.get("/api/agents", headers=auth(admin["token"]))
    return any(a.get("email") == email for a in r.json()["agents"])


async def test_cross_site_form_post_cannot_create_an_admin(service: Service) -> None:
    admin, client = await _admin_cookie_client(service)
    async with client:
        # The reproduction: text/plain body, foreign Origin, cookie only → was 201.
        r = await client.post(
            "/api/users",
            content=json.dumps(_new_user("mallory@example.com")),
            headers={"Content-Type": "text/plain", "Origin": EVIL},
        )
        assert r.status_code == 403 and r.json()["code"] == "origin_not_allowed"
        # JSON from the foreign origin is refused too (no CORS for this API, but defence in depth).
        r = await client.post(
            "/api/users", json=_new_user("m2@example.com"), headers={"Origin": EVIL}
        )
        assert r.status_code == 403
        # No Origin (older browser) and no X-Requested-With: refused.
        r = await client.post("/api/users", json=_new_user("m3@example.com"))
        assert r.status_code == 403 and r.json()["code"] == "csrf_check_failed"
        # A same-origin page that sends a form-like body: refused as not JSON.
        r = await client.post(
            "/api/users",
            content="email=m4@example.com",
            headers={"Content-Type": "application/x-www-form-urlencoded", "Origin": service.url},
        )
        assert r.status_code == 415 and r.json()["code"] == "json_required"
        for email in ("mallory@example.com", "m2@example.com", "m3@example.com", "m4@example.com"):
            assert not await _user_exists(service, email, admin)
        # The console itself (same origin, JSON) still works, and so does X-Requested-With.
        r = await client.post(
            "/api/users", json=_new_user("ok1@example.com"), headers={"Origin": service.url}
        )
        assert r.status_code == 201, r.text
        r = await client.post(
            "/api/users", json=_new_user("ok2@example.com"), headers={"X-Requested-With": "fetch"}
        )
        assert r.status_code == 201, r.text


async def test_bearer_token_requests_are_exempt(service: Service) -> None:
    admin = await service.user("root@example.com", role="admin")
    async with httpx.AsyncClient(base_url=service.url, timeout=10) as client:  # no cookie jar
        r = await client.post(
            "/api/users", json=_new_user("scripted@example.com"), headers=auth(admin["token"])
        )
        assert r.status_code == 201


async def test_cross_site_agent_actions_and_logout_are_refused(service: Service) -> None:
    agent = await service.user("sam@example.com")
    conv = await service.conversation(language="en")
    cid = conv["conversation_id"]
    r = await service.http.post(
        f"/api/conversations/{cid}/messages",
        json={"client_message_id": "m1", "text": "I want to talk to a human please"},
        headers=auth(conv["token"]),
    )
    assert r.status_code == 201
    handoff = (await service.http.get("/api/handoffs", headers=auth(agent["token"]))).json()
    handoff_id = handoff["handoffs"][0]["id"]
    async with httpx.AsyncClient(
        base_url=service.url, timeout=10, headers={"Cookie": f"handoff_session={agent['token']}"}
    ) as browser:
        for path, body in (
            (f"/api/handoffs/{handoff_id}/claim", {}),
            (f"/api/handoffs/{handoff_id}/messages", {"text": "phish"}),
            (f"/api/handoffs/{handoff_id}/notes", {"text": "note"}),
            ("/api/auth/logout", {}),
        ):
            r = await browser.post(
                path, content=str(body), headers={"Content-Type": "text/plain", "Origin": EVIL}
            )
            assert r.status_code == 403, (path, r.text)
        r = await browser.put(
            "/api/agent/status", json={"available": True}, headers={"Origin": EVIL}
        )
        assert r.status_code == 403
        # Nothing happened: still logged in, the handoff is unclaimed.
        assert (await browser.get("/api/auth/me")).status_code == 200
        detail = (await browser.get(f"/api/handoffs/{handoff_id}")).json()
        assert detail["status"] == "queued"
        # The console's own request goes through.
        r = await browser.post(
            f"/api/handoffs/{handoff_id}/claim", json={}, headers={"Origin": service.url}
        )
        assert r.status_code == 200, r.text


async def test_cross_site_login_is_refused(service: Service) -> None:
    await service.user("kim@example.com")
    body = {"email": "kim@example.com", "password": PASSWORD}
    async with httpx.AsyncClient(base_url=service.url, timeout=10) as client:
        r = await client.post("/api/auth/login", json=body, headers={"Origin": EVIL})
        assert r.status_code == 403
        r = await client.post(
            "/api/auth/login",
            content=f"email={body['email']}",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        assert r.status_code == 415


# --- WebSockets ----------------------------------------------------------------------------


async def _refusal(url: str, **headers: str) -> tuple[dict[str, Any], int]:
    async with ws_connect(url, headers=headers) as ws:
        frame = await recv_until(ws, lambda f: True)
        with pytest.raises(ConnectionClosed) as closed:
            await ws.recv()
    assert closed.value.rcvd is not None
    return frame, closed.value.rcvd.code


async def test_agent_socket_checks_origin(service: Service) -> None:
    agent = await service.user("sam@example.com")
    cookie = f"handoff_session={agent['token']}"
    frame, code = await _refusal(f"{service.ws_url}/ws/agent", Cookie=cookie, Origin=EVIL)
    assert code == 4403 and frame["code"] == "origin_not_allowed"
    async with ws_connect(
        f"{service.ws_url}/ws/agent", headers={"Cookie": cookie, "Origin": service.url}
    ) as ws:
        assert (await recv_until(ws, lambda f: True))["type"] == "hello"


async def test_customer_socket_checks_allowed_origins(service_factory: Any) -> None:
    service: Service = await service_factory(allowed_origins=(SHOP,))
    conv = await service.conversation(language="en")
    url = f"{service.ws_url}/ws/conversations/{conv['conversation_id']}?token={conv['token']}"
    frame, code = await _refusal(url, Origin=EVIL)
    assert code == 4403 and frame["code"] == "origin_not_allowed"
    async with ws_connect(url, headers={"Origin": SHOP}) as ws:
        assert (await recv_until(ws, lambda f: True))["type"] == "hello"
