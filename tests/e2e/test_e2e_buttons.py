"""Quick replies and the CES 1–7 scale. Without Rasa the service cannot produce bot buttons, so
the bot message is injected into the history response (the only stubbed piece); the click goes
to the real service, which stores exactly the payload."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from bench.stack import Stack, http_json
from tests.support.e2e_pages import CES_TEXT, Admin, start_with_bot_message


def customer_texts(service: Stack, admin: Admin, conv: str) -> list[str]:
    deadline = time.monotonic() + 10
    while True:
        try:
            handoff = admin.handoff_for(conv)
        except AssertionError:
            handoff = None
        if handoff is not None or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert handoff is not None
    messages = admin.get(f"/api/handoffs/{handoff['id']}/messages")["messages"]
    http_json(
        "POST", f"{service.handoff_url}/api/handoffs/{handoff['id']}/claim", {}, token=admin.token
    )
    http_json(
        "POST", f"{service.handoff_url}/api/handoffs/{handoff['id']}/resolve", {}, token=admin.token
    )
    return [m["text"] for m in messages if m["role"] == "customer"]


def test_quick_replies_send_the_payload_and_show_the_title(
    service: Stack, admin: Admin, new_context: Any
) -> None:
    page = new_context().new_page()
    conv = start_with_bot_message(
        page, service, [{"title": "Yes", "payload": "/affirm"}, {"title": "No", "payload": "/deny"}]
    )
    group = page.get_by_role("group", name="Suggested replies")
    expect(group.get_by_role("button")).to_have_count(2)
    group.get_by_role("button", name="Yes").click()
    expect(page.locator(".msg.customer .body")).to_have_text("Yes")
    expect(group).to_have_count(0)
    assert customer_texts(service, admin, conv) == ["/affirm"]


def test_ces_scale_is_a_labelled_group_usable_by_keyboard(
    service: Stack, admin: Admin, new_context: Any, screenshots: Path
) -> None:
    page = new_context().new_page()
    buttons = [{"title": str(n), "payload": f'/ces{{"ces_score": {n}}}'} for n in range(1, 8)]
    conv = start_with_bot_message(page, service, buttons)
    scale = page.locator(".ces")
    expect(scale.get_by_role("button")).to_have_count(7)
    expect(scale.get_by_role("button", name="1 – Strongly disagree")).to_be_visible()
    expect(scale.get_by_role("button", name="7 – Strongly agree")).to_be_visible()
    expect(page.get_by_role("group", name=CES_TEXT, exact=False)).to_be_visible()
    page.screenshot(path=str(screenshots / "widget-ces.png"))
    scale.get_by_role("button", name="6", exact=True).focus()
    page.keyboard.press("Enter")
    expect(page.locator(".msg.customer .body")).to_have_text("6")
    assert customer_texts(service, admin, conv) == ['/ces{"ces_score": 6}']
