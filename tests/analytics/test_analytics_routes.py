"""The dashboard page and JSON API against a real server and a real SQLite store."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio

from handoff.accounts import create_user
from handoff.analytics.pipeline import compute
from handoff.analytics.sources import StoredTrackerSource
from handoff.app import create_app
from handoff.config import Settings
from tests.support.analytics_fixtures import NOW
from tests.support.analytics_scenarios import build
from tests.support.served import Served

PASSWORD = "correct horse battery"


pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def api(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[dict[str, Any]]:
    """One server and store for the module (logins hash passwords with argon2: slow)."""
    tmp_path = tmp_path_factory.mktemp("analytics-routes")
    settings = Settings(
        environment="test",
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'h.db'}",
        rasa_url="http://127.0.0.1:9",
        log_format="text",
        analytics_live_seconds=0,  # figures at the fixed clock NOW (the loop uses the real one)
    )
    app = create_app(settings, name=f"analytics-{uuid.uuid4().hex[:8]}")
    served = Served(app)
    await served.start()
    hub = app.ctx.hub
    trackers = await build(hub.db)
    await compute(hub.db, StoredTrackerSource(trackers), now=NOW)
    tokens: dict[str, str] = {}
    async with httpx.AsyncClient(base_url=served.url, timeout=10) as client:
        for role in ("analyst", "agent", "admin", "supervisor"):
            async with hub.db.session() as session:
                await create_user(
                    session=session,
                    email=f"{role}@example.com",
                    name=role,
                    role=role,
                    password=PASSWORD,
                )
            r = await client.post(
                "/api/auth/login", json={"email": f"{role}@example.com", "password": PASSWORD}
            )
            tokens[role] = r.json()["token"]
        client.cookies.clear()
        yield {"client": client, "tokens": tokens}
    await served.stop()


def h(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_roles(api: dict[str, Any]) -> None:
    client, tokens = api["client"], api["tokens"]
    r = await client.get("/api/analytics/summary")
    assert r.status_code == 401 and r.json()["code"] == "unauthorized"
    r = await client.get("/api/analytics/summary", headers=h(tokens["agent"]))
    assert r.status_code == 403 and r.json()["code"] == "forbidden"
    for role in ("analyst", "supervisor", "admin"):
        r = await client.get("/api/analytics/summary", headers=h(tokens[role]))
        assert r.status_code == 200, r.text


async def test_summary_figures(api: dict[str, Any]) -> None:
    client, token = api["client"], api["tokens"]["analyst"]
    r = await client.get("/api/analytics/summary", params={"since": "2026-11-01"}, headers=h(token))
    data = r.json()
    s = data["summary"]
    # 16 closed substantive: 8 contained, 4 escalated, 4 abandoned (see scenarios.EXPECTED)
    assert (s["contained"], s["escalated"], s["abandoned"]) == (8, 4, 4)
    assert s["contained_rate"] == 0.5 and s["escalated_rate"] == 0.25
    assert s["open"] == 1 and s["excluded"] == 1
    reasons = {r["reason"]: r["sessions"] for r in data["handoff_reasons"]}
    assert reasons == {"customer_request": 2, "repeated_fallback": 1, "bot_unavailable": 1}
    ces = {g["group"]: g for g in data["ces_by_outcome"]}
    assert ces["contained"]["distribution"]["6"] == 1 and ces["contained"]["n"] == 3
    assert data["effort"]["fallbacks"]["median"] == 0
    assert data["asked_twice_sessions"] == 1
    texts = [u["text"] for u in data["fallback_utterances"]]
    assert any("[phone]" in t and "[card]" in t for t in texts), texts
    assert not any("4111" in t for t in texts)
    assert data["failing_intents"][0]["not_contained"] >= 1
    assert set(data["options"]["languages"]) == {"en", "ko"}
    assert all(ms < 1000 for ms in data["query_ms"].values())


async def test_filters(api: dict[str, Any]) -> None:
    client, token = api["client"], api["tokens"]["analyst"]
    r = await client.get("/api/analytics/summary", params={"language": "ko"}, headers=h(token))
    assert r.json()["summary"]["abandoned"] == 1 and r.json()["summary"]["contained"] == 0
    r = await client.get(
        "/api/analytics/summary", params={"task": "cancel_order"}, headers=h(token)
    )
    assert r.json()["summary"]["substantive_closed"] == 2
    r = await client.get(
        "/api/analytics/summary",
        params={"since": "2026-11-25", "until": "2026-11-28"},
        headers=h(token),
    )
    assert r.json()["summary"]["substantive_closed"] == 0
    for params in (
        {"since": "yesterday"},
        {"until": "x"},
        {"language": "en;drop"},
        {"since": "2026-12-01", "until": "2026-11-01"},
    ):
        r = await client.get("/api/analytics/summary", params=params, headers=h(token))
        assert r.status_code == 400 and "message" in r.json(), params


async def test_drill_down(api: dict[str, Any]) -> None:
    client, tokens = api["client"], api["tokens"]
    r = await client.get(
        "/api/analytics/sessions", params={"outcome": "escalated"}, headers=h(tokens["analyst"])
    )
    keys = [s["session_key"] for s in r.json()["sessions"]]
    assert "c-fallback:0" in keys and len(keys) == 4
    r = await client.get("/api/analytics/sessions/c-spoiled:0", headers=h(tokens["analyst"]))
    data = r.json()
    assert data["session"]["outcome"] == "abandoned"
    texts = " ".join(m["text"] for m in data["transcript"])
    assert "[card]" in texts and "4111" not in texts
    r = await client.get(
        "/api/analytics/sessions/c-spoiled:0", params={"raw": "1"}, headers=h(tokens["analyst"])
    )
    assert r.status_code == 403
    r = await client.get(
        "/api/analytics/sessions/c-spoiled:0", params={"raw": "1"}, headers=h(tokens["admin"])
    )
    assert "4111" in " ".join(m["text"] for m in r.json()["transcript"])
    r = await client.get("/api/analytics/sessions/nope:0", headers=h(tokens["analyst"]))
    assert r.status_code == 404 and r.json()["code"] == "session_not_found"
    r = await client.get(
        "/api/analytics/sessions", params={"outcome": "bogus"}, headers=h(tokens["analyst"])
    )
    assert r.status_code == 400


async def test_page_and_assets(api: dict[str, Any]) -> None:
    client = api["client"]
    r = await client.get("/analytics")
    assert r.status_code == 200 and "Containment and effort" in r.text
    assert "script-src 'self'" in r.headers["content-security-policy"]
    r = await client.get("/analytics/assets/analytics.js")
    assert r.status_code == 200 and "javascript" in r.headers["content-type"]
    r = await client.get("/analytics/assets/../routes.py")
    assert r.status_code == 404
    chart = Path(__file__).parents[2] / "handoff/static/analytics/vendor/chart.umd.min.js"
    r = await client.get("/analytics/assets/vendor/chart.umd.min.js")
    assert r.status_code == (200 if chart.is_file() else 404)
