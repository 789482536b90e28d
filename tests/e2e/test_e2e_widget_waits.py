"""The widget while the customer waits (issue 14), at 1280×800 and 390×844: an offline
customer's e-mail gets the agent's reply, waits are said with the right plural in both
languages, and each event is announced once. E-mail goes to a real local SMTP server."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, Route, expect

from bench.stack import Stack, http_json
from tests.support.e2e_pages import (
    stored_conversation,
    widget_open,
    widget_send,
)
from tests.support.e2e_widget import (
    LANGUAGE,
    VIEWPORTS,
    AgentApi,
    customer_page,
    shot,
    typed,
)
from tests.support.smtp_inbox import Inbox, text_of


def test_offline_customer_gets_the_agents_reply_by_email(
    stack: Stack, inbox: tuple[Inbox, int], new_context: Any, size: str, screenshots: Path
) -> None:
    box, _ = inbox
    ko = LANGUAGE[size] == "ko"
    page = customer_page(new_context, stack, size)
    widget_send(page, typed(size, "Can I change the size of my order?"))
    form = page.locator(".mailform.reply")
    expect(form).to_be_visible()
    expect(form).to_contain_text("이메일 주소를 남겨 주시면" if ko else "Leave your e-mail address")
    to = f"offline.{size}@example.com"
    form.locator("input[type=email]").fill(to)
    form.get_by_role("button").click()
    expect(page.locator(".log")).to_contain_text(to)
    shot(page, screenshots, "offline-email", size)
    conv = stored_conversation(page)
    page.close()  # the customer leaves
    agent_api = AgentApi(stack)
    hid = agent_api.handoff_id(conv["id"])
    time.sleep(2.5)  # the leave grace (1 s) passes: the customer is not connected
    agent_api.call("POST", f"/api/handoffs/{hid}/claim", {})
    agent_api.call(
        "POST", f"/api/handoffs/{hid}/messages", {"text": "Yes: size M is on its way instead."}
    )
    mail = box.wait_for(to)
    assert "Yes: size M is on its way instead." in text_of(mail)
    assert mail["Subject"] == (
        "Lumen에서 답변을 보냈습니다" if ko else "Lumen replied to your message"
    )
    agent_api.call("POST", f"/api/handoffs/{hid}/resolve", {})


def test_wait_plurals_in_both_languages(
    stack: Stack, new_context: Any, size: str, screenshots: Path
) -> None:
    """The status line says "about 1 minute" / "about 3 minutes" / "약 1분": the queue numbers
    in the state answer are set by the test (the only stubbed piece); the words are the widget's."""
    page: Page = new_context(viewport=VIEWPORTS[size]).new_page()
    status, created = http_json(
        "POST", f"{stack.handoff_url}/api/conversations", {"language": LANGUAGE[size]}
    )
    assert status == 201
    conv = created["conversation_id"]
    wait = {"seconds": 60}

    def state(route: Route) -> None:
        response = route.fetch()
        data = response.json()
        data["mode"] = "queued"
        data["queue"] = {
            "position": 2,
            "estimated_wait_seconds": wait["seconds"],
            "agents_online": 1,
        }
        route.fulfill(response=response, json=data)

    page.route(f"{stack.handoff_url}/api/conversations/{conv}", state)
    # The socket is answered by the test (silently): the state comes from the REST answer only.
    page.route_web_socket(re.compile(r"/ws/conversations/"), lambda ws: None)
    page.goto(f"{stack.handoff_url}/demo?lang={LANGUAGE[size]}")
    page.evaluate(
        "([key, value]) => { localStorage.setItem(key, value);"
        " localStorage.setItem(key + ':open', 'true'); }",
        [
            f"effortless:conversation:{stack.handoff_url}",
            f'{{"id": "{conv}", "token": "{created["token"]}", "customerId": null}}',
        ],
    )
    expected = {
        "en": {60: "you are number 2, about 1 minute", 180: "you are number 2, about 3 minutes"},
        "ko": {60: "대기 순서 2번째, 약 1분", 180: "대기 순서 2번째, 약 3분"},
    }[LANGUAGE[size]]
    for seconds, text in expected.items():
        wait["seconds"] = seconds
        page.reload()
        widget_open(page)
        status_line = page.locator("header .status")
        expect(status_line).to_contain_text(text)
        assert "minute(s)" not in status_line.inner_text()
        if seconds == 60:
            assert "minutes" not in status_line.inner_text()
    shot(page, screenshots, "queue-wait", size)


def test_each_event_is_announced_once(stack: Stack, new_context: Any, size: str) -> None:
    page = customer_page(new_context, stack, size)
    # Record every text the live region speaks.
    page.evaluate(
        "() => { window.__said = []; const r = document.getElementById('effortless-chat-widget')"
        ".shadowRoot.querySelector('[aria-live=polite]');"
        " new MutationObserver(() => { if (r.textContent) window.__said.push(r.textContent); })"
        ".observe(r, { childList: true, characterData: true, subtree: true }); }"
    )
    widget_send(page, typed(size, "Hello, is anyone there?"))
    notices = page.locator(".notice[data-event] .body")
    expect(notices).to_have_count(2)  # bot_unavailable, nobody_online
    page.wait_for_timeout(500)
    said = " ".join(page.evaluate("() => window.__said"))
    for text in notices.all_text_contents():
        assert said.count(text) == 1, (text, said)
    # The status line repeats the notices: it is not a live region of its own.
    status = page.locator("header .status")
    assert status.get_attribute("role") is None and status.get_attribute("aria-live") is None


def test_real_queue_wait_is_said_with_the_right_plural(
    stack: Stack, new_context: Any, size: str, screenshots: Path
) -> None:
    """Unstubbed: an available agent makes the service estimate the wait; the notice (server
    text) and the status line (widget text) both use the plural the number needs. Last in this
    module: the agent is made unavailable again at the end."""
    agent_api = AgentApi(stack)
    agent_api.call("PUT", "/api/agent/status", {"available": True})
    try:
        page = customer_page(new_context, stack, size)
        widget_send(page, typed(size, "Where is my refund?"))
        notice = page.locator('.notice[data-event="queued"] .body')
        expect(notice).to_have_count(1)
        said = notice.inner_text()
        status = page.locator("header .status").inner_text()
        if LANGUAGE[size] == "ko":
            minutes = int(re.search(r"약 (\d+)분", said).group(1))  # type: ignore[union-attr]
            assert f"약 {minutes}분" in status
        else:
            match = re.search(r"about (\d+) minutes?\.", said)
            assert match is not None, said
            minutes = int(match.group(1))
            word = "minute" if minutes == 1 else "minutes"
            assert f"about {minutes} {word}." in said and f"about {minutes} {word}" in status
            if minutes == 1:
                assert "1 minutes" not in said + status
        assert "(s)" not in said + status
        shot(page, screenshots, "queued-real-wait", size)
    finally:
        agent_api.call("PUT", "/api/agent/status", {"available": False})
