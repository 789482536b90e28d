"""CORS: the customer API and the widget script work from a shop's origin; the agent API does
not; production refuses `*`."""

from __future__ import annotations

import pytest

from handoff.config import Settings, SettingsError
from tests.support.handoff_service import auth

SHOP = "https://shop.example.com"
EVIL = "https://evil.example.net"


def test_origins_setting() -> None:
    dev = Settings.from_env({})
    assert dev.allowed_origins == ("*",)
    listed = Settings.from_env(
        {"HANDOFF_ALLOWED_ORIGINS": " https://Shop.example.com/ , http://localhost:3000"}
    )
    assert listed.allowed_origins == ("https://shop.example.com", "http://localhost:3000")
    with pytest.raises(SettingsError, match="HANDOFF_ALLOWED_ORIGINS"):
        Settings.from_env({"HANDOFF_ALLOWED_ORIGINS": "shop.example.com"})
    with pytest.raises(SettingsError, match="HANDOFF_ALLOWED_ORIGINS"):
        Settings.from_env({"HANDOFF_ALLOWED_ORIGINS": "https://shop.example.com/path"})
    prod = {
        "HANDOFF_ENV": "production",
        "HANDOFF_SECRET": "x" * 40,
        "HANDOFF_SHOP_SECRET": "y" * 40,
        "RASA_TOKEN": "z" * 20,
    }
    with pytest.raises(SettingsError, match="HANDOFF_ALLOWED_ORIGINS"):
        Settings.from_env(prod)  # no default in production
    with pytest.raises(SettingsError, match="refused"):
        Settings.from_env({**prod, "HANDOFF_ALLOWED_ORIGINS": "*"})
    with pytest.raises(SettingsError, match="refused"):
        Settings.from_env({**prod, "HANDOFF_ALLOWED_ORIGINS": f"{SHOP},*"})
    ok = Settings.from_env({**prod, "HANDOFF_ALLOWED_ORIGINS": SHOP})
    assert ok.allowed_origins == (SHOP,)


async def test_preflight_and_actual_requests_from_an_allowed_origin(service_factory) -> None:  # type: ignore[no-untyped-def]
    service = await service_factory(allowed_origins=(SHOP,))
    r = await service.http.options(
        "/api/conversations",
        headers={
            "Origin": SHOP,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert r.status_code == 204
    assert r.headers["access-control-allow-origin"] == SHOP
    assert "POST" in r.headers["access-control-allow-methods"]
    assert "Authorization" in r.headers["access-control-allow-headers"]
    assert "Content-Type" in r.headers["access-control-allow-headers"]

    r = await service.http.post("/api/conversations", json={}, headers={"Origin": SHOP})
    assert r.status_code == 201
    assert r.headers["access-control-allow-origin"] == SHOP
    assert "Origin" in r.headers["vary"]
    conv = r.json()
    path = f"/api/conversations/{conv['conversation_id']}/messages"
    r = await service.http.options(
        path, headers={"Origin": SHOP, "Access-Control-Request-Method": "GET"}
    )
    assert r.status_code == 204 and r.headers["access-control-allow-origin"] == SHOP
    r = await service.http.get(path, headers={"Origin": SHOP, **auth(conv["token"])})
    assert r.status_code == 200 and r.headers["access-control-allow-origin"] == SHOP
    # Error responses carry the header too, so the widget can read the JSON error.
    r = await service.http.get(path, headers={"Origin": SHOP, **auth("bad.token")})
    assert r.status_code == 401 and r.headers["access-control-allow-origin"] == SHOP
    assert r.json()["code"] == "unauthorized"

    r = await service.http.get("/widget.js", headers={"Origin": SHOP})
    assert r.status_code == 200 and r.headers["access-control-allow-origin"] == SHOP
    assert r.headers["cross-origin-resource-policy"] == "cross-origin"
    r = await service.http.get("/widget.js")  # a plain <script> tag sends no Origin
    assert r.status_code == 200 and "access-control-allow-origin" not in r.headers


async def test_foreign_origins_are_refused(service_factory) -> None:  # type: ignore[no-untyped-def]
    service = await service_factory(allowed_origins=(SHOP,))
    r = await service.http.options(
        "/api/conversations", headers={"Origin": EVIL, "Access-Control-Request-Method": "POST"}
    )
    assert r.status_code == 403 and r.json()["code"] == "origin_not_allowed"
    assert "access-control-allow-origin" not in r.headers
    r = await service.http.post("/api/conversations", json={}, headers={"Origin": EVIL})
    assert r.status_code == 403 and r.json()["code"] == "origin_not_allowed"
    assert "access-control-allow-origin" not in r.headers
    # The service's own pages (demo page) are same-origin and always allowed.
    own = service.url
    r = await service.http.post("/api/conversations", json={}, headers={"Origin": own})
    assert r.status_code == 201


async def test_any_origin_in_development(service) -> None:  # type: ignore[no-untyped-def]
    r = await service.http.post("/api/conversations", json={}, headers={"Origin": EVIL})
    assert r.status_code == 201 and r.headers["access-control-allow-origin"] == EVIL


async def test_agent_api_stays_same_origin(service) -> None:  # type: ignore[no-untyped-def]
    agent = await service.user("cors-agent@example.com")
    r = await service.http.get("/api/auth/me", headers={"Origin": SHOP, **auth(agent["token"])})
    assert r.status_code == 200 and "access-control-allow-origin" not in r.headers
    r = await service.http.options(
        "/api/auth/login", headers={"Origin": SHOP, "Access-Control-Request-Method": "POST"}
    )
    assert "access-control-allow-origin" not in r.headers
    assert r.status_code in (404, 405)
    r = await service.http.options(
        "/api/queue", headers={"Origin": SHOP, "Access-Control-Request-Method": "GET"}
    )
    assert "access-control-allow-origin" not in r.headers
