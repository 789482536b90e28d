"""The analytics dashboard in a real browser, with data the service computed by itself: no
filters before login, charts drawn, a drill-down opens a session's explanation, log-out."""

from __future__ import annotations

import time
import uuid
from typing import Any

from playwright.sync_api import expect

from bench.stack import Stack, http_json
from tests.support.e2e_pages import Admin


def escalated_and_resolved(service: Stack, admin: Admin) -> str:
    """A customer writes (the bot is down: queued as bot_unavailable); an agent claims,
    answers and resolves."""
    status, created = http_json(
        "POST", f"{service.handoff_url}/api/conversations", {"language": "en"}
    )
    assert status == 201, created
    conv = str(created["conversation_id"])
    status, data = http_json(
        "POST",
        f"{service.handoff_url}/api/conversations/{conv}/messages",
        {"text": "my parcel never arrived", "client_message_id": uuid.uuid4().hex},
        token=created["token"],
    )
    assert status in (200, 201), data
    handoff = admin.handoff_for(conv)
    for action, body in (("claim", {}), ("messages", {"text": "Let me check."}), ("resolve", {})):
        status, data = http_json(
            "POST",
            f"{service.handoff_url}/api/handoffs/{handoff['id']}/{action}",
            body,
            token=admin.token,
        )
        assert status in (200, 201), (action, data)
    return conv


def test_dashboard_with_live_data(service: Stack, admin: Admin, new_context: Any) -> None:
    conv = escalated_and_resolved(service, admin)
    deadline = time.monotonic() + 30  # the service's own loop runs every 2 s here
    found: dict[str, Any] = {}
    while time.monotonic() < deadline:
        listing = admin.get("/api/analytics/sessions?limit=500")
        found = {s["conversation_id"]: s for s in listing["sessions"]}
        if conv in found and found[conv]["outcome"] == "escalated":
            break
        time.sleep(0.5)
    assert found[conv]["outcome"] == "escalated", found.get(conv)
    assert found[conv]["agent_name"] == service.users["admin"]["name"]

    page = new_context().new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(f"{service.handoff_url}/analytics")
    expect(page.locator("#login")).to_be_visible()
    expect(page.locator("#filters")).to_be_hidden()  # no filters before login
    expect(page.locator("#logout")).to_be_hidden()
    admin_user = service.users["admin"]
    page.locator("#login-form input[name=email]").fill(admin_user["email"])
    page.locator("#login-form input[name=password]").fill(admin_user["password"])
    page.locator("#login-form button[type=submit]").click()
    expect(page.locator("#dashboard")).to_be_visible()
    expect(page.locator("#filters")).to_be_visible()
    expect(page.locator("#updated")).to_contain_text("Last updated")
    expect(page.locator("#empty")).to_be_hidden()
    # charts drawn (Chart.js instances on the canvases)
    for canvas in ("rates-chart", "reasons-chart", "wait-chart"):
        page.wait_for_function(
            "id => window.Chart && window.Chart.getChart(id) !== undefined", arg=canvas
        )
    expect(page.locator("#agents-table")).to_contain_text(admin_user["name"])
    expect(page.locator("#reasons-table")).to_contain_text("bot_unavailable")
    # drill-down: the session's explanation and transcript
    page.locator("#sessions-table tr.clickable", has_text=conv).first.click()
    expect(page.locator("#detail")).to_be_visible()
    expect(page.locator("#detail-explanation")).to_contain_text("escalated: bot_unavailable")
    expect(page.locator("#detail-transcript")).to_contain_text("my parcel never arrived")
    assert not [e for e in errors if "No such session" in e], errors
    # log out: back to the login form, filters hidden again
    page.locator("#logout").click()
    expect(page.locator("#login")).to_be_visible()
    expect(page.locator("#filters")).to_be_hidden()
    expect(page.locator("#dashboard")).to_be_hidden()
