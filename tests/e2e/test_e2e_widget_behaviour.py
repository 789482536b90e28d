"""Widget behaviour in a real browser: payloads render as text, keyboard-only use, accessibility
attributes, resending unacknowledged messages without duplicates, signed-in customers."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, Route, expect

from bench.stack import Stack, http_json
from handoff.security import shop_customer_token
from tests.support.e2e_pages import Admin, console_login, conversation_id, widget_open, widget_send
from tests.support.e2e_stack import SHOP_SECRET

PAYLOADS = [
    '<img src=x onerror="window.__pwned=1">',
    "<script>window.__pwned=2</script>",
    '"><svg onload="window.__pwned=3">',
]


def host_page(page: Page, base: str, token: str) -> None:
    """A shop page on the service's origin (intercepted), embedding the widget with a token."""
    html = (
        "<!doctype html><html lang='en'><head><title>Shop</title></head><body><h1>Shop</h1>"
        f"<script src='{base}/widget.js' async data-customer-token='{token}'></script>"
        "</body></html>"
    )

    def fulfil(route: Route) -> None:
        route.fulfill(status=200, content_type="text/html", body=html)

    page.route(f"{base}/test-shop-host", fulfil)
    page.goto(f"{base}/test-shop-host")


def test_script_and_html_payloads_render_as_text(
    service: Stack, admin: Admin, new_context: Any
) -> None:
    token = shop_customer_token(
        SHOP_SECRET,
        {"sub": "C0001", "name": '<img src=x onerror="window.__pwned=4">Mallory', "exp": 2**31},
    )
    customer = new_context().new_page()
    host_page(customer, service.handoff_url, token)
    widget_open(customer)
    for payload in PAYLOADS:
        widget_send(customer, payload)
    log = customer.locator(".log")
    expect(log.locator(".msg.customer:not(.pending)")).to_have_count(len(PAYLOADS))
    assert log.locator(".msg.customer .body").all_text_contents() == PAYLOADS
    expect(log).to_contain_text("colleague")
    assert log.locator("img, script, svg").count() == 0

    handoff = admin.handoff_for(conversation_id(customer))
    xss_agent = service.users["xss"]
    agent = new_context().new_page()
    console_login(agent, service.handoff_url, xss_agent)
    item = agent.locator(f'#queue li[data-handoff-id="{handoff["id"]}"]')
    expect(item).to_contain_text('<img src=x onerror="window.__pwned=4">Mallory')
    item.locator("button.claim").click()
    panel = agent.locator(f"#panel-{handoff['id']}")
    for payload in PAYLOADS:
        expect(panel.locator(".transcript")).to_contain_text(payload)
    expect(panel.locator(".context")).to_contain_text("Mallory")
    panel.locator("textarea.reply-input").fill(PAYLOADS[0] + " from the agent")
    panel.locator("textarea.reply-input").press("Enter")
    # The agent's display name is itself a payload: the widget shows it as text.
    expect(log.locator(".msg.agent .who")).to_have_text(xss_agent["name"])
    expect(log.locator(".msg.agent .body")).to_have_text(PAYLOADS[0] + " from the agent")
    expect(log.locator(".notice").last).to_contain_text(xss_agent["name"] + " has joined")
    customer.reload()
    widget_open(customer)
    expect(log.locator(".msg.customer")).to_have_count(len(PAYLOADS))
    agent.reload()
    expect(agent.locator("#app-view")).to_be_visible()
    for page in (customer, agent):
        assert page.evaluate("() => window.__pwned") is None
        assert page.locator("img[src=x]").count() == 0
    assert customer.locator(".log img, .log script, .log svg").count() == 0
    panel.get_by_role("button", name="Resolve").click()


def test_keyboard_only_use_and_aria(service: Stack, new_context: Any, screenshots: Path) -> None:
    page = new_context().new_page()
    page.goto(f"{service.handoff_url}/demo")
    page.locator(".launcher").wait_for()
    launcher = page.locator(".launcher")
    expect(launcher).to_have_attribute("aria-expanded", "false")
    # Tab through the shop page until the launcher has focus (it is the last focusable element).
    for _ in range(30):
        page.keyboard.press("Tab")
        if page.evaluate(
            "() => document.activeElement && document.activeElement.id === "
            "'effortless-chat-widget' && document.activeElement.shadowRoot.activeElement"
            " && document.activeElement.shadowRoot.activeElement.classList.contains('launcher')"
        ):
            break
    else:
        raise AssertionError("the launcher is not reachable with Tab")
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog", name="Lumen support")
    expect(dialog).to_be_visible()
    expect(page.locator("#effortless-input")).to_be_focused()
    expect(page.get_by_role("log")).to_be_visible()
    expect(page.get_by_role("textbox", name="Your message")).to_be_visible()
    page.keyboard.type("Typed with the keyboard only")
    page.keyboard.press("Enter")
    expect(page.locator(".msg.customer .body")).to_have_text("Typed with the keyboard only")
    # New messages are announced in a polite live region.
    announcer = page.locator("[aria-live=polite][aria-atomic=true]")
    expect(announcer).to_contain_text("colleague")
    expect(page.locator("#effortless-input")).to_be_focused()
    page.screenshot(path=str(screenshots / "widget-keyboard.png"))
    # Escape closes the panel and gives focus back to the launcher.
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(launcher).to_be_focused()
    expect(launcher).to_have_attribute("aria-expanded", "false")
    # Ending the chat needs a second press (no accidental loss) and forgets the conversation.
    page.keyboard.press("Enter")
    expect(page.locator("#effortless-input")).to_be_focused()
    # Backwards: the transcript (focusable, to scroll it), minimise, end chat.
    for name in ("log", "close", "end"):
        page.keyboard.press("Shift+Tab")
        expect(page.locator(f".{name}")).to_be_focused()
    # Ending asks once, below the header (the header keeps its layout), focus on the answer.
    header_height = page.locator("#effortless-chat-widget header").bounding_box()["height"]  # type: ignore[index]
    page.keyboard.press("Enter")
    confirm = page.get_by_role("group", name="End this chat?")
    expect(confirm).to_be_visible()
    expect(page.locator("button.end")).to_have_text("End chat")
    expect(page.locator("button.end")).to_have_attribute("aria-expanded", "true")
    assert page.locator("#effortless-chat-widget header").bounding_box()["height"] == header_height  # type: ignore[index]
    expect(confirm.get_by_role("button", name="End chat")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator(".log")).to_contain_text("You ended the chat")
    expect(confirm).to_be_hidden()
    # The transcript stays readable after ending.
    expect(page.locator(".msg.customer .body")).to_have_text("Typed with the keyboard only")
    expect(page.locator("#effortless-input")).to_be_focused()
    assert (
        page.evaluate(
            "() => Object.keys(localStorage).filter(k => k.startsWith('effortless:conversation:')"
            " && !k.endsWith(':open')).length"
        )
        == 0
    )


def test_unacknowledged_messages_are_resent_once(
    service: Stack, admin: Admin, new_context: Any
) -> None:
    context = new_context()
    page = context.new_page()
    page.goto(f"{service.handoff_url}/demo")
    widget_open(page)
    widget_send(page, "first message")
    expect(page.locator(".msg.customer:not(.pending)")).to_have_count(1)
    conv = conversation_id(page)
    acked_id = page.locator(".msg.customer").first.get_attribute("data-client-id")
    assert acked_id
    # The network goes away: the socket drops, a message waits in the outbox ("Sending…").
    context.set_offline(True)
    page.evaluate("() => window.__effortlessWidget.ws && window.__effortlessWidget.ws.close()")
    expect(page.locator(".conn")).to_be_visible()
    widget_send(page, "sent while offline")
    pending = page.locator(".msg.customer.pending")
    expect(pending).to_have_count(1)
    expect(pending).to_contain_text("Sending")
    # Simulate a lost ack too: the already-stored first message is still in the outbox.
    page.evaluate(
        """([conv, cid]) => {
            const key = 'effortless:outbox:' + conv;
            const items = JSON.parse(localStorage.getItem(key) || '[]');
            items.unshift({client_message_id: cid, text: 'first message', display: null});
            localStorage.setItem(key, JSON.stringify(items));
        }""",
        [conv, acked_id],
    )
    context.set_offline(False)
    page.evaluate("() => window.dispatchEvent(new Event('online'))")
    expect(page.locator(".msg.customer.pending")).to_have_count(0, timeout=20_000)
    expect(page.locator(".conn")).to_be_hidden()
    assert page.locator(".msg.customer .body").all_text_contents() == [
        "first message",
        "sent while offline",
    ]
    # The server stored each message exactly once; the outbox is empty.
    handoff = admin.handoff_for(conv)
    deadline = time.monotonic() + 5
    while True:
        texts = [
            m["text"]
            for m in admin.get(f"/api/handoffs/{handoff['id']}/messages")["messages"]
            if m["role"] == "customer"
        ]
        if len(texts) >= 2 or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert texts == ["first message", "sent while offline"]
    assert page.evaluate(f"() => localStorage.getItem('effortless:outbox:{conv}')") is None
    # A second tab shows the same conversation (shared localStorage) and receives live messages.
    other = context.new_page()
    other.goto(f"{service.handoff_url}/demo")
    widget_open(other)
    expect(other.locator(".msg.customer")).to_have_count(2)
    widget_send(page, "from the first tab")
    expect(other.locator(".msg.customer")).to_have_count(3)
    agent = new_context().new_page()
    console_login(agent, service.handoff_url, service.users["agent"])
    agent.locator(f'#queue li[data-handoff-id="{handoff["id"]}"] button.claim').click()
    agent.locator(f"#panel-{handoff['id']}").get_by_role("button", name="Resolve").click()


def test_signed_in_customer_from_the_demo_toggle(
    service: Stack, admin: Admin, new_context: Any
) -> None:
    page = new_context().new_page()
    page.goto(f"{service.handoff_url}/demo")
    widget_open(page)
    widget_send(page, "anonymous question")
    expect(page.locator(".msg.customer:not(.pending)")).to_have_count(1)
    anonymous = conversation_id(page)
    page.get_by_role("link", name="Sign in as Alice (C0001)").click()
    expect(page.locator(".signed-in")).to_contain_text("Alice Example")
    widget_open(page)
    # Another customer: the anonymous conversation is not shown to the signed-in one.
    expect(page.locator(".msg")).to_have_count(0)
    widget_send(page, "signed-in question")
    expect(page.locator(".msg.customer:not(.pending)")).to_have_count(1)
    signed = conversation_id(page)
    assert signed != anonymous
    # The handoff exists once the customer is told about the queue (the bot turn runs after
    # the message is acknowledged).
    expect(page.locator(".notice[data-event]").first).to_be_visible()
    handoff = admin.handoff_for(signed)
    assert handoff["customer"]["id"] == "C0001"
    assert handoff["customer"]["name"] == "Alice Example"
    for conv in (anonymous, signed):
        agent_id = admin.handoff_for(conv)["id"]
        admin_claim_and_resolve(service, admin, agent_id)


def admin_claim_and_resolve(service: Stack, admin: Admin, handoff_id: int) -> None:
    http_json(
        "POST", f"{service.handoff_url}/api/handoffs/{handoff_id}/claim", {}, token=admin.token
    )
    http_json(
        "POST", f"{service.handoff_url}/api/handoffs/{handoff_id}/resolve", {}, token=admin.token
    )
