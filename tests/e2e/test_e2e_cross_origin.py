"""The widget on a shop page served from another origin (a plain http.server on another port):
the browser enforces CORS for real, so this fails if the customer API does not allow the shop."""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from bench.stack import Stack, http_json
from tests.support.e2e_pages import Admin, conversation_id, widget_open, widget_send


@pytest.fixture
def shop_origin(tmp_path: Path, service: Stack) -> Iterator[str]:
    page = (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Other shop</title>"
        "</head><body><h1>Another shop</h1>"
        f"<script src='{service.handoff_url}/widget.js' data-server='{service.handoff_url}'"
        " async></script>"
        "</body></html>"
    )
    (tmp_path / "shop.html").write_text(page, encoding="utf-8")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    handler.log_message = lambda *args: None  # type: ignore[attr-defined]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_widget_chats_from_another_origin(
    service: Stack, admin: Admin, shop_origin: str, new_context: Any
) -> None:
    assert shop_origin.rsplit(":", 1)[1] != service.handoff_url.rsplit(":", 1)[1]
    customer = new_context().new_page()
    failures: list[str] = []
    customer.on("requestfailed", lambda request: failures.append(request.url))
    customer.goto(f"{shop_origin}/shop.html")
    assert customer.evaluate("() => location.origin") == shop_origin
    widget_open(customer)
    widget_send(customer, "Hello from another shop")
    log = customer.locator(".log")
    expect(log.locator(".msg.customer:not(.pending)")).to_have_count(1)
    expect(log).to_contain_text("No colleague is online right now")

    handoff = admin.handoff_for(conversation_id(customer))
    agent = service.users["agent"]
    status, login = http_json(
        "POST",
        f"{service.handoff_url}/api/auth/login",
        {"email": agent["email"], "password": agent["password"]},
    )
    assert status == 200, login
    token = login["token"]
    status, data = http_json(
        "POST", f"{service.handoff_url}/api/handoffs/{handoff['id']}/claim", {}, token=token
    )
    assert status == 200, data
    expect(log.locator(".notice").last).to_contain_text(f"{agent['name']} has joined")
    status, data = http_json(
        "POST",
        f"{service.handoff_url}/api/handoffs/{handoff['id']}/messages",
        {"text": "Hi, Sam here. How can I help?"},
        token=token,
    )
    assert status == 201, data
    expect(log.locator(".msg.agent .body")).to_have_text("Hi, Sam here. How can I help?")
    widget_send(customer, "Thanks, my parcel is late")
    expect(log.locator(".msg.customer:not(.pending)")).to_have_count(2)
    status, data = http_json(
        "GET", f"{service.handoff_url}/api/handoffs/{handoff['id']}/messages", token=token
    )
    texts = [m["text"] for m in data["messages"] if m["role"] == "customer"]
    assert texts == ["Hello from another shop", "Thanks, my parcel is late"]
    # The agent signs out: the widget says so by name and shows the queue again.
    status, data = http_json("POST", f"{service.handoff_url}/api/auth/logout", {}, token=token)
    assert status == 200 and data["released"] == [handoff["id"]], data
    expect(log.locator('.notice[data-event="agent_left"]')).to_contain_text(
        f"{agent['name']} had to leave the conversation"
    )
    expect(customer.locator("header .status")).to_contain_text("No colleague is online")
    # Leave the shared queue empty for the other tests.
    for action in ("claim", "resolve"):
        status, data = http_json(
            "POST",
            f"{service.handoff_url}/api/handoffs/{handoff['id']}/{action}",
            {},
            token=admin.token,
        )
        assert status == 200, data
    expect(customer.locator("header .status")).to_contain_text("Conversation closed")
    assert not [url for url in failures if url.startswith(service.handoff_url + "/api/")], failures
