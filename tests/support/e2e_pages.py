"""Page and API helpers for the browser tests (the widget, the console, an admin's API view)."""

from __future__ import annotations

import json
from typing import Any

from playwright.sync_api import Page, Route

from bench.stack import Stack, http_json

MOBILE = {"width": 375, "height": 740}
CES_TEXT = "Lumen made it easy for me to handle my issue."


class Admin:
    """The API as an admin sees it (for looking up handoff ids in assertions)."""

    def __init__(self, stack: Stack) -> None:
        self.url = stack.handoff_url
        admin = stack.users["admin"]
        self.token = stack.login(admin["email"], admin["password"])["token"]

    def get(self, path: str) -> Any:
        status, data = http_json("GET", self.url + path, token=self.token)
        assert status == 200, (path, status, data)
        return data

    def handoff_for(self, conversation_id: str) -> dict[str, Any]:
        for item in self.get("/api/handoffs?status=all")["handoffs"]:
            if item["conversation_id"] == conversation_id:
                return dict(item)
        raise AssertionError(f"no handoff for {conversation_id}")


def widget_open(page: Page) -> None:
    page.locator("#effortless-chat-widget").wait_for(state="attached")
    launcher = page.locator(".launcher")
    if launcher.is_visible():
        launcher.click()
    page.locator("#effortless-input").wait_for(state="visible")


def widget_send(page: Page, text: str) -> None:
    page.locator("#effortless-input").fill(text)
    page.locator("#effortless-input").press("Enter")


def stored_conversation(page: Page) -> dict[str, str]:
    """The widget's stored conversation (id, token, customerId), once it has one."""
    page.wait_for_function(
        "() => Object.keys(localStorage).some(k => k.startsWith('effortless:conversation:')"
        " && !k.endsWith(':open'))"
    )
    value = page.evaluate(
        "() => { const k = Object.keys(localStorage).find(k => "
        "k.startsWith('effortless:conversation:') && !k.endsWith(':open'));"
        " return JSON.parse(localStorage.getItem(k)); }"
    )
    return dict(value)


def conversation_id(page: Page) -> str:
    return str(stored_conversation(page)["id"])


def console_login(page: Page, base: str, user: dict[str, Any]) -> None:
    page.goto(f"{base}/console")
    page.locator("#login-email").fill(user["email"])
    page.locator("#login-password").fill(user["password"])
    page.locator("#login-form button[type=submit]").click()
    page.locator("#app-view").wait_for(state="visible")


def start_with_bot_message(page: Page, service: Stack, buttons: list[dict[str, str]]) -> str:
    status, created = http_json(
        "POST", f"{service.handoff_url}/api/conversations", {"language": "en"}
    )
    assert status == 201
    conv = created["conversation_id"]
    injected = {
        "seq": 0,
        "role": "bot",
        "text": "Did that help?" if len(buttons) < 7 else CES_TEXT,
        "buttons": buttons,
        "custom": None,
        "client_message_id": None,
        "agent_name": None,
        "created_at": "2026-01-01T00:00:00Z",
    }

    def history(route: Route) -> None:
        response = route.fetch()
        data = response.json()
        data["messages"] = [injected, *data["messages"]]
        route.fulfill(response=response, body=json.dumps(data))

    page.route(f"{service.handoff_url}/api/conversations/{conv}/messages?after=0", history)
    page.goto(f"{service.handoff_url}/demo")
    page.evaluate(
        "([key, value]) => { localStorage.setItem(key, value);"
        " localStorage.setItem(key + ':open', 'true'); }",
        [
            f"effortless:conversation:{service.handoff_url}",
            json.dumps({"id": conv, "token": created["token"], "customerId": None}),
        ],
    )
    page.reload()
    widget_open(page)
    return str(conv)
