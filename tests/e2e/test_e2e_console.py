"""The agent console as agents use it every day, at 1280×800 and at 390×844 (issue 14): the
composer stays on screen, the context sits in a side panel (behind a button on a phone), a queued
conversation can be previewed before claiming, canned replies keep the draft, button answers and
reasons read as words, internal slots never show, notifications never cover a control, the tab
title counts what is unread, and an anonymous chat the customer ended leaves the queue.

The bot is down in this stack (closed Rasa port). What the assistant did before the handoff (its
messages with buttons, the customer's button answers, the tracker's slots and task results) is
written into the service's own database with the service's own store code, then built into the
handoff context by the service's own `build_context`, as a real tracker would have been."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect

from bench.stack import Stack, http_json
from tests.support.e2e_console import (
    RAW,
    SIZES,
    Console,
    admin_close,
    agent_page,
    customer_api,
    customer_says,
    handed_over_after_a_failed_cancel,
    inside_viewport,
    loaded_images,
    log_out,
    overlapping_controls,
    page_does_not_scroll,
    panel_text,
    sign_in,
)
from tests.support.e2e_pages import Admin, conversation_id, widget_open, widget_send


@pytest.fixture(autouse=True)
def clean_queue(service: Stack, admin: Admin) -> Iterator[list[str]]:
    """Page errors collected by `agent_page`; afterwards (even after a failure) the console agent
    is signed out (not online for the next tests) and every open handoff is closed."""
    errors: list[str] = []
    yield errors
    user = service.users["console"]
    token = service.login(user["email"], user["password"])["token"]
    http_json("POST", f"{service.handoff_url}/api/auth/logout", {}, token=token)
    for item in admin.get("/api/handoffs?status=open")["handoffs"]:
        admin_close(service, admin, int(item["id"]))
    assert errors == [], errors


@pytest.fixture
def console(service: Stack, new_context: Any, clean_queue: list[str]) -> Console:
    return Console(service, new_context, clean_queue)


@pytest.mark.parametrize("size", list(SIZES))
def test_preview_claim_composer_canned_and_a_readable_context(
    service: Stack, admin: Admin, console: Console, screenshots: Path, size: str
) -> None:
    hid = handed_over_after_a_failed_cancel(service, admin)
    agent = console.signed_in(size)
    item = agent.locator(f'#queue li[data-handoff-id="{hid}"]')
    # Reasons and priorities in words.
    expect(item).to_contain_text("Task failed")
    expect(item).to_contain_text("Priority: high · Repeat contact")
    assert "repeat_contact" not in item.inner_text()

    # Preview before claiming: context and transcript, a Claim button, no composer.
    item.get_by_role("button", name="Preview").click()
    panel = agent.locator(f"#panel-{hid}")
    expect(panel).to_be_visible()
    expect(panel.locator(".preview-bar")).to_contain_text("read only")
    expect(panel.locator("textarea.reply-input")).to_have_count(0)
    expect(panel.locator("textarea[id^=note-]")).to_have_count(0)
    expect(panel.get_by_role("button", name="Resolve")).to_have_count(0)
    transcript = panel.locator(".transcript")
    expect(transcript).to_contain_text("Then I'd like to talk to a person, please")

    # Readable button answers, with the label of the button the bot offered.
    answers = panel.locator(".m.customer .text.answer")
    expect(answers).to_have_text(
        ["gave order number EF-100001", "rated 6 of 7", "chose: Yes, go ahead"]
    )
    side_toggle = panel.locator("button.toggle-context")
    context = panel.locator(".context")
    if size == "mobile":
        # A phone shows the transcript; the context is one tap away.
        expect(context).to_be_hidden()
        expect(side_toggle).to_have_text("Show context")
        agent.screenshot(path=str(screenshots / "console-mobile-preview.png"))
        side_toggle.click()
    expect(context).to_be_visible()
    _context_reads_as_words(agent, panel, context, hid)
    if size == "desktop":
        agent.screenshot(path=str(screenshots / "console-desktop-preview.png"))
    else:
        agent.screenshot(path=str(screenshots / "console-mobile-context.png"))
        side_toggle.click()
        expect(context).to_be_hidden()

    reply = _claim_from_the_preview(agent, panel, context, size)
    _canned_replies_keep_the_draft(
        agent, panel, reply, screenshots / f"console-{size}-conversation.png"
    )
    panel.get_by_role("button", name="Resolve").click()
    expect(panel.locator(".tag.status")).to_have_text("Resolved")
    log_out(agent)


def _context_reads_as_words(agent: Page, panel: Locator, context: Locator, hid: int) -> None:
    # Sections in a fixed order: who, why, what the bot did, orders, history.
    order = context.evaluate(
        "c => [...c.querySelectorAll('.ctx-section')].map(s => s.classList[1])"
    )
    assert order == ["who", "why", "bot", "orders", "history"]
    expect(context.locator(".who")).to_contain_text("Alice Example")
    expect(context.locator(".who")).to_contain_text("signed in")
    expect(context.locator(".why")).to_contain_text("Task failed")
    expect(context.locator(".why")).to_contain_text("Repeat contact")
    expect(context.locator(".bot")).to_contain_text(
        "Cancel an order · EF-100001 — refused: already shipped"
    )
    expect(context.locator(".bot")).to_contain_text("Order status, Cancel an order")
    expect(context.locator(".bot dl").last).to_contain_text("Order numberEF-100001")
    expect(context.locator(".orders")).to_contain_text("Trail shoes")
    # The customer's photo: a thumbnail in the context and in the transcript, for agents only.
    expect(context.locator(".why")).to_contain_text("Photos from the customer (1)")
    photos = panel.locator(".attachments img")
    expect(photos).to_have_count(2)
    expect(photos.first).to_have_attribute("alt", "Photo: crushed box.jpg")
    agent.wait_for_function(
        "id => [...document.querySelectorAll(`#panel-${id} .attachments img`)]"
        ".every(i => i.complete && i.naturalWidth > 0)",
        arg=hid,
    )
    assert all(width > 0 for width in loaded_images(photos))
    # Previous contact with a date and a topic.
    history = context.locator(".history li").first
    expect(history).to_contain_text(re.compile(r"\d{1,2} [A-Z][a-z]{2} \d{4}, \d{2}:\d{2}"))
    expect(history).to_contain_text("“Where is my refund for EF-100002?”")
    expect(history).to_contain_text("handed to a colleague (Bot unavailable)")
    # No raw payloads, slot names or codes anywhere in the conversation.
    text = panel_text(agent, hid)
    for raw in RAW:
        assert raw not in text, raw


def _claim_from_the_preview(agent: Page, panel: Locator, context: Locator, size: str) -> Locator:
    side_toggle = panel.locator("button.toggle-context")
    transcript = panel.locator(".transcript")
    # Claim from the preview: the composer is on screen at once, the page itself never scrolls.
    panel.locator(".preview-bar").get_by_role("button", name="Claim this conversation").click()
    reply = panel.locator("textarea.reply-input")
    expect(reply).to_be_visible()
    inside_viewport(agent, reply)
    inside_viewport(agent, panel.get_by_role("button", name="Send"))
    inside_viewport(agent, panel.get_by_role("button", name="Resolve"))
    page_does_not_scroll(agent)
    # The transcript scrolls between the head and the composer, showing the latest message.
    last = transcript.locator(".m").last
    expect(last).to_be_in_viewport()
    if size == "desktop":
        expect(context).to_be_visible()  # the side panel stays open next to the transcript
        side_toggle.click()
        expect(context).to_be_hidden()
        side_toggle.click()
    else:
        side_toggle.click()  # the context opens over the transcript; the composer stays
        expect(context).to_be_visible()
        inside_viewport(agent, reply)
        side_toggle.click()

    return reply


def _canned_replies_keep_the_draft(
    agent: Page, panel: Locator, reply: Locator, screenshot: Path
) -> None:
    transcript = panel.locator(".transcript")
    # A canned reply is inserted at the cursor and keeps the draft.
    reply.fill("Hello Alice, see below.")
    reply.evaluate("r => r.setSelectionRange('Hello Alice,'.length, 'Hello Alice,'.length)")
    panel.locator("select.canned").select_option(label="Checking")
    expect(reply).to_have_value(
        "Hello Alice, Thanks for waiting — I'm checking EF-100001 for you right now. see below."
    )
    expect(reply).to_be_focused()
    reply.press("Control+End")
    panel.locator("select.canned").select_option(label="Done")
    expect(reply).to_have_value(
        "Hello Alice, Thanks for waiting — I'm checking EF-100001 for you right now. see below. "
        "That's done for you. Is there anything else I can help with?"
    )
    agent.screenshot(path=str(screenshot))
    reply.press("Enter")
    expect(transcript.locator(".m.agent")).to_have_count(1)
    expect(reply).to_have_value("")
    inside_viewport(agent, reply)


@pytest.mark.parametrize("size", list(SIZES))
def test_notifications_never_cover_controls_and_the_title_counts_unread(
    service: Stack, admin: Admin, console: Console, screenshots: Path, size: str
) -> None:
    first = customer_api(service, signed_in=False)
    customer_says(service, first, "My parcel EF-100003 is damaged", "n1")
    first_id = int(admin.handoff_for(first["conversation_id"])["id"])
    agent = console.signed_in(size)
    agent.locator(f'#queue li[data-handoff-id="{first_id}"] button.claim').click()
    panel = agent.locator(f"#panel-{first_id}")
    expect(panel.locator("textarea.reply-input")).to_be_visible()
    expect(agent).to_have_title("Agent console — effortless")

    # Two new handoffs: notifications in their own row, the title counts them.
    others = []
    for n in range(2):
        conv = customer_api(service, signed_in=False)
        customer_says(service, conv, f"Second question {n}", f"o{n}")
        others.append(conv)
    expect(agent.locator("#toasts .toast.new")).to_have_count(2)
    expect(agent.locator("#toasts")).to_contain_text("New handoff")
    expect(agent).to_have_title("(2) Agent console — effortless")
    assert overlapping_controls(agent) == []
    inside_viewport(agent, panel.locator("textarea.reply-input"))
    inside_viewport(agent, panel.get_by_role("button", name="Resolve"))
    page_does_not_scroll(agent)
    agent.screenshot(path=str(screenshots / f"console-{size}-notifications.png"))

    # Opening one (preview) counts it as seen.
    other_ids = [int(admin.handoff_for(c["conversation_id"])["id"]) for c in others]
    if size == "mobile":
        agent.locator("#show-queue").click()
    agent.locator(f'#queue li[data-handoff-id="{other_ids[0]}"] button.preview').click()
    expect(agent.locator(f"#panel-{other_ids[0]} .preview-bar")).to_be_visible()
    expect(agent).to_have_title("(1) Agent console — effortless")

    # Messages in a conversation the agent is not looking at are unread.
    customer_says(service, first, "Hello? Anyone there?", "n2")
    customer_says(service, first, "The box was crushed", "n3")
    expect(agent).to_have_title("(3) Agent console — effortless")
    expect(agent.locator("#toasts")).to_contain_text("New message from")
    assert overlapping_controls(agent) == []
    # Looking at the conversation reads them.
    agent.locator(f"#tab-{first_id}").click()
    expect(panel.locator(".transcript")).to_contain_text("The box was crushed")
    expect(agent).to_have_title("(1) Agent console — effortless")
    # Dismissing a notification is a control of its own.
    count = agent.locator("#toasts .toast").count()
    agent.locator("#toasts .toast").first.get_by_role("button", name="Dismiss notification").click()
    expect(agent.locator("#toasts .toast")).to_have_count(count - 1)

    panel.get_by_role("button", name="Resolve").click()
    expect(panel.locator(".tag.status")).to_have_text("Resolved")
    for hid in other_ids:
        admin_close(service, admin, hid)
    log_out(agent)


@pytest.mark.parametrize("size", list(SIZES))
def test_an_anonymous_chat_the_customer_ended_leaves_the_queue(
    service: Stack, admin: Admin, new_context: Any, size: str, clean_queue: list[str]
) -> None:
    customer = new_context().new_page()
    customer.goto(f"{service.handoff_url}/demo")
    widget_open(customer)
    widget_send(customer, "Is anyone there? I have a question about sizes")
    expect(customer.locator(".log")).to_contain_text("colleague")
    hid = int(admin.handoff_for(conversation_id(customer))["id"])

    agent = agent_page(service, new_context, size, clean_queue)
    item = agent.locator(f'#queue li[data-handoff-id="{hid}"]')
    expect(item).to_be_visible()
    item.get_by_role("button", name="Preview").click()
    panel = agent.locator(f"#panel-{hid}")
    expect(panel.locator(".preview-bar")).to_be_visible()

    # The customer ends the chat (and confirms).
    customer.locator("button.end").click()
    customer.locator(".confirm button.yes").click()
    expect(agent.locator(f'#queue li[data-handoff-id="{hid}"]')).to_have_count(0)
    # The open preview says so and offers nothing to claim.
    expect(panel.locator(".tag.status")).to_have_text("Ended by the customer")
    expect(panel.get_by_role("button", name="Claim")).to_have_count(0)
    assert admin.get(f"/api/handoffs/{hid}")["status"] == "abandoned"
    assert hid not in [h["id"] for h in admin.get("/api/queue")["handoffs"]]
    log_out(agent)


ENGLISH_UI = [
    "Agent console",
    "Log out",
    "Available",
    "Take next",
    "Queue",
    "Preview",
    "Claim",
    "read only",
    "Show context",
    "Hide context",
    "Context",
    "What the bot did",
    "History",
    "Task failed",
    "Repeat contact",
    "Priority",
    "chose:",
    "gave order number",
    "rated 6 of 7",
    "Customer",
    "Assistant",
    "Photos from",
]


@pytest.mark.parametrize("size", list(SIZES))
def test_every_console_text_in_korean(
    service: Stack, admin: Admin, console: Console, screenshots: Path, size: str
) -> None:
    hid = handed_over_after_a_failed_cancel(service, admin)
    mobile = size == "mobile"
    agent = console.login_page(size)
    # The agent picks the console's language on the login page; it is remembered.
    agent.locator("#login-lang").select_option("ko")
    expect(agent.locator("#login-form button[type=submit]")).to_have_text("로그인")
    expect(agent.locator("html")).to_have_attribute("lang", "ko")
    sign_in(agent, service)
    expect(agent.locator("#app-view")).to_be_visible()
    expect(agent).to_have_title("상담원 콘솔 — effortless")
    item = agent.locator(f'#queue li[data-handoff-id="{hid}"]')
    expect(item).to_contain_text("작업 실패")
    expect(item).to_contain_text("우선순위: 높음 · 재문의")
    item.get_by_role("button", name="미리 보기").click()
    panel = agent.locator(f"#panel-{hid}")
    expect(panel.locator(".preview-bar")).to_contain_text("읽기 전용")
    expect(panel.locator(".m.customer .text.answer")).to_have_text(
        ["주문번호 EF-100001 입력", "7점 중 6점으로 평가", "선택: Yes, go ahead"]
    )
    if mobile:
        panel.get_by_role("button", name="상담 정보 보기").click()
    context = panel.locator(".context")
    expect(context.locator("h4")).to_have_text(
        ["고객", "연결 이유", "상담 봇이 한 일", "주문", "이전 문의"]
    )
    expect(context.locator(".bot")).to_contain_text("주문 취소 · EF-100001 — 거절됨: 이미 발송됨")
    expect(context.locator(".why")).to_contain_text("고객이 보낸 사진 (1장)")
    agent.screenshot(path=str(screenshots / f"console-{size}-korean.png"))
    # The console's own words are all Korean (customer and bot messages stay as written).
    shown = str(
        agent.evaluate(
            "() => [...document.querySelectorAll('#app-view *')]"
            ".filter(n => !n.closest('.m .text, .summary') && n.offsetParent !== null)"
            ".flatMap(n => [...n.childNodes].filter(c => c.nodeType === 3).map(c => c.data))"
            ".join(' | ')"
        )
    )
    for english in ENGLISH_UI:
        assert english not in shown, english
    panel.locator(".preview-bar").get_by_role("button", name="이 상담 받기").click()
    expect(panel.get_by_role("button", name="상담 종료")).to_be_visible()
    expect(panel.locator("textarea.reply-input")).to_have_attribute(
        "placeholder", re.compile("고객에게 답장")
    )
    panel.get_by_role("button", name="상담 종료").click()
    expect(panel.locator(".tag.status")).to_have_text("종료됨")
    agent.locator("#logout").click()
    expect(agent.locator("#login-view")).to_be_visible()
