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

import asyncio
import io
import re
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from playwright.sync_api import Locator, Page, expect

from bench.stack import Stack, http_json
from handoff.conversations.context import ConversationFacts, build_context
from handoff.conversations.queue import initial_priority
from handoff.security import shop_customer_token
from handoff.store import repositories as repo
from handoff.store.db import Database
from handoff.store.models import Handoff
from tests.support.e2e_pages import Admin, conversation_id, widget_open, widget_send
from tests.support.e2e_stack import SHOP_SECRET

SIZES = {"desktop": {"width": 1280, "height": 800}, "mobile": {"width": 390, "height": 844}}
RAW = [
    '/inform{"order_number":"EF-100001"}',
    '/ces{"ces_score": 6}',
    "/affirm",
    "ces_score",
    "pending_task",
    "lookup_attempts",
    "ces_asked",
    "repeat_contact",
    "task_failed",
    "bot_unavailable",
    "already_shipped",
    "cancel_order",
]
ORDER_BUTTONS = [
    {"title": "EF-100001 · Trail shoes", "payload": '/inform{"order_number":"EF-100001"}'},
    {"title": "EF-100002 · Rain jacket", "payload": '/inform{"order_number":"EF-100002"}'},
]
CES_BUTTONS = [{"title": str(n), "payload": f'/ces{{"ces_score": {n}}}'} for n in range(1, 8)]
CONFIRM_BUTTONS = [
    {"title": "Yes, go ahead", "payload": "/affirm"},
    {"title": "No, keep it", "payload": "/deny"},
]
# The assistant's part of the conversation, as the gateway stores it (role, text, buttons).
BOT_ERA: list[tuple[str, str, list[dict[str, str]] | None]] = [
    ("customer", "Where is my order?", None),
    ("bot", "Which order do you mean?", ORDER_BUTTONS),
    ("customer", '/inform{"order_number":"EF-100001"}', None),
    ("bot", "EF-100001 is on its way with DHL and should arrive on Thursday.", None),
    ("bot", "Lumen made it easy for me to handle my issue.", CES_BUTTONS),
    ("customer", '/ces{"ces_score": 6}', None),
    ("customer", "Actually I'd rather cancel it", None),
    ("bot", "Shall I cancel EF-100001 for you?", CONFIRM_BUTTONS),
    ("customer", "/affirm", None),
    ("bot", "Sorry, EF-100001 has already shipped, so I can't cancel it any more.", None),
]
ORDER = {
    "order_number": "EF-100001",
    "customer_id": "C0001",
    "status": "shipped",
    "currency": "EUR",
    "total": "89.90",
    "items": [{"sku": "SH-1", "name": "Trail shoes", "quantity": 1}],
    "carrier": "DHL",
    "tracking_number": "00340434161234567890",
    "eta": "2026-12-03",
    "can_cancel": False,
    "can_change_address": False,
    "can_return": False,
}


def user_event(text: str, intent: str, confidence: float = 1.0) -> dict[str, Any]:
    return {
        "event": "user",
        "text": text,
        "parse_data": {"intent": {"name": intent, "confidence": confidence}},
    }


TASK = {"task": "cancel_order", "status": "failure", "code": "already_shipped"}
# What Rasa's tracker holds after BOT_ERA: business slots, and the internal ones the console hides.
TRACKER = {
    "slots": {
        "language": "en",
        "customer_id": "C0001",
        "verified": True,
        "order_number": "EF-100001",
        "email": "alice@example.com",
        "pending_task": "cancel_order",
        "pending_question": None,
        "lookup_attempts": 1,
        "ces_asked": True,
        "ces_score": 6,
        "task_result": {**TASK, "order_number": "EF-100001"},
        "order_snapshot": ORDER,
    },
    "events": [
        user_event("Where is my order?", "order_status", 0.96),
        user_event(RAW[0], "inform"),
        {"event": "slot", "name": "order_snapshot", "value": ORDER},
        user_event(RAW[1], "ces"),
        user_event("Actually I'd rather cancel it", "cancel_order", 0.93),
        user_event("/affirm", "affirm"),
        {"event": "slot", "name": "task_result", "value": {**TASK, "order_number": "EF-100001"}},
    ],
}


# ---- helpers ------------------------------------------------------------------------------


def run(coro: Any) -> Any:
    """Run store code (async) from a sync test: Playwright's loop owns this thread."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


async def _with_db(stack: Stack, work: Any) -> Any:
    db = Database(f"sqlite+aiosqlite:///{stack.workdir / 'handoff.db'}")
    try:
        async with db.session() as session:
            return await work(session)
    finally:
        await db.close()


def customer_api(stack: Stack, *, signed_in: bool) -> dict[str, Any]:
    body: dict[str, Any] = {"language": "en"}
    if signed_in:
        body["customer_token"] = shop_customer_token(
            SHOP_SECRET, {"sub": "C0001", "name": "Alice Example", "exp": int(time.time()) + 3600}
        )
    status, created = http_json("POST", f"{stack.handoff_url}/api/conversations", body)
    assert status == 201, created
    return dict(created)


def customer_says(stack: Stack, conv: dict[str, Any], text: str, client_id: str) -> None:
    status, answer = http_json(
        "POST",
        f"{stack.handoff_url}/api/conversations/{conv['conversation_id']}/messages",
        {"client_message_id": client_id, "text": text},
        token=conv["token"],
    )
    assert status in (200, 201), answer


def customer_sends_photo(stack: Stack, conv: dict[str, Any], name: str) -> None:
    """The widget's upload: the raw photo as the body of a POST with the conversation token."""
    image = Image.new("RGB", (640, 480), (190, 150, 90))
    for x in range(160, 480):
        image.putpixel((x, 240 + x % 30), (60, 30, 10))  # the crack in the box
    body = io.BytesIO()
    image.save(body, format="JPEG")
    query = urllib.parse.urlencode({"filename": name, "client_message_id": "photo-1"})
    request = urllib.request.Request(
        f"{stack.handoff_url}/api/conversations/{conv['conversation_id']}/attachments?{query}",
        data=body.getvalue(),
        method="POST",
        headers={"Authorization": f"Bearer {conv['token']}", "Content-Type": "image/jpeg"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 201


def loaded_images(locator: Locator) -> list[int]:
    """Natural widths of the images in `locator` (0 = not loaded, e.g. refused)."""
    return list(locator.evaluate_all("imgs => imgs.map(i => i.complete ? i.naturalWidth : 0)"))


def admin_close(stack: Stack, admin: Admin, handoff_id: int) -> None:
    """Leave the shared queue clean for the other browser tests."""
    url = f"{stack.handoff_url}/api/handoffs/{handoff_id}"
    status = admin.get(f"/api/handoffs/{handoff_id}")["status"]
    if status == "queued":
        http_json("POST", f"{url}/claim", {}, token=admin.token)
        status = "claimed"
    if status == "claimed":
        http_json("POST", f"{url}/resolve", {}, token=admin.token)


def handed_over_after_a_failed_cancel(stack: Stack, admin: Admin) -> int:
    """Alice (signed in) contacted us earlier; now the bot could not cancel her order and she
    asks for a person. Returns the queued handoff's id."""
    earlier = customer_api(stack, signed_in=True)
    customer_says(stack, earlier, "Where is my refund for EF-100002?", "e1")
    admin_close(stack, admin, admin.handoff_for(earlier["conversation_id"])["id"])

    conv = customer_api(stack, signed_in=True)
    cid = conv["conversation_id"]

    async def bot_era(session: Any) -> None:
        for role, text, buttons in BOT_ERA:
            payload: dict[str, Any] = {"text": text}
            if buttons:
                payload["buttons"] = buttons
            await repo.add_message(
                session, conversation_id=cid, role=role, text=text, payload=payload
            )

    run(_with_db(stack, bot_era))
    customer_says(stack, conv, "Then I'd like to talk to a person, please", "c1")
    hid = int(admin.handoff_for(cid)["id"])

    async def tracker_context(session: Any) -> None:
        handoff = await session.get(Handoff, hid)
        previous = handoff.context.get("previous_conversations") or []
        assert previous, "the earlier contact is in the context"
        facts = ConversationFacts(
            conversation_id=cid,
            language="en",
            customer_id="C0001",
            customer_name="Alice Example",
            email=None,
            previous_conversations=previous,
        )
        context = build_context(
            facts=facts, reason="task_failed", tracker=TRACKER, bot_payload=None
        )
        handoff.reason = "task_failed"
        handoff.context = context
        handoff.summary = context["summary"]
        handoff.priority, handoff.priority_reasons = initial_priority(
            reason="task_failed", context=context
        )

    run(_with_db(stack, tracker_context))
    customer_sends_photo(stack, conv, "crushed box.jpg")
    return hid


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


def agent_page(stack: Stack, new_context: Any, size: str, errors: list[str]) -> Page:
    mobile = size == "mobile"
    page: Page = new_context(
        viewport=SIZES[size], is_mobile=mobile, has_touch=mobile, locale="en-GB"
    ).new_page()
    page.on("pageerror", lambda error: errors.append(str(error)))
    user = stack.users["console"]
    page.goto(f"{stack.handoff_url}/console")
    page.locator("#login-email").fill(user["email"])
    page.locator("#login-password").fill(user["password"])
    page.locator("#login-form button[type=submit]").click()
    page.locator("#app-view").wait_for(state="visible")
    expect(page.locator("#available")).to_be_checked()
    return page


def log_out(page: Page) -> None:
    """Sign out (not just close): the agent stops counting as online for later tests."""
    if page.locator("#logout").is_visible():
        page.locator("#logout").click()
        expect(page.locator("#login-view")).to_be_visible()


def inside_viewport(page: Page, locator: Locator) -> None:
    """Wholly on screen (not clipped by a scrolling container either)."""
    expect(locator).to_be_in_viewport(ratio=1)
    box = locator.bounding_box()
    for _ in range(10):  # a live update may be re-drawing the conversation at this moment
        if box is not None:
            break
        page.wait_for_timeout(100)
        box = locator.bounding_box()
    size = page.viewport_size
    assert box is not None and size is not None
    assert box["y"] >= 0 and box["y"] + box["height"] <= size["height"], (box, size)
    assert box["x"] >= 0 and box["x"] + box["width"] <= size["width"], (box, size)


def page_does_not_scroll(page: Page) -> None:
    assert page.evaluate(
        "() => document.scrollingElement.scrollHeight <= window.innerHeight + 1"
    ), "the console page itself scrolls"


def overlapping_controls(page: Page) -> list[str]:
    """Visible controls (buttons, fields) that a notification covers."""
    return list(
        page.evaluate(
            """() => {
          const toasts = [...document.querySelectorAll('#toasts .toast')]
            .map(t => t.getBoundingClientRect());
          const selector = 'button, textarea, select, input, [role=tab]';
          const controls = [...document.querySelectorAll(selector)]
            .filter(c => !c.closest('#toasts') && c.offsetParent !== null);
          const hits = [];
          for (const c of controls) {
            const r = c.getBoundingClientRect();
            if (!r.width || !r.height) continue;
            for (const t of toasts) {
              if (r.left < t.right && t.left < r.right && r.top < t.bottom && t.top < r.bottom) {
                hits.push((c.id || c.className || c.tagName) + ' ' + (c.textContent || '').trim());
              }
            }
          }
          return hits;
        }"""
        )
    )


def panel_text(page: Page, hid: int) -> str:
    return str(page.locator(f"#panel-{hid}").evaluate("p => p.innerText"))


# ---- tests ----------------------------------------------------------------------------------


@pytest.mark.parametrize("size", list(SIZES))
def test_preview_claim_composer_canned_and_a_readable_context(
    service: Stack,
    admin: Admin,
    new_context: Any,
    screenshots: Path,
    size: str,
    clean_queue: list[str],
) -> None:
    hid = handed_over_after_a_failed_cancel(service, admin)
    agent = agent_page(service, new_context, size, clean_queue)
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
    if size == "desktop":
        agent.screenshot(path=str(screenshots / "console-desktop-preview.png"))
    else:
        agent.screenshot(path=str(screenshots / "console-mobile-context.png"))
        side_toggle.click()
        expect(context).to_be_hidden()

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
    agent.screenshot(path=str(screenshots / f"console-{size}-conversation.png"))
    reply.press("Enter")
    expect(transcript.locator(".m.agent")).to_have_count(1)
    expect(reply).to_have_value("")
    inside_viewport(agent, reply)

    panel.get_by_role("button", name="Resolve").click()
    expect(panel.locator(".tag.status")).to_have_text("Resolved")
    log_out(agent)


@pytest.mark.parametrize("size", list(SIZES))
def test_notifications_never_cover_controls_and_the_title_counts_unread(
    service: Stack,
    admin: Admin,
    new_context: Any,
    screenshots: Path,
    size: str,
    clean_queue: list[str],
) -> None:
    first = customer_api(service, signed_in=False)
    customer_says(service, first, "My parcel EF-100003 is damaged", "n1")
    first_id = int(admin.handoff_for(first["conversation_id"])["id"])
    agent = agent_page(service, new_context, size, clean_queue)
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
    service: Stack,
    admin: Admin,
    new_context: Any,
    screenshots: Path,
    size: str,
    clean_queue: list[str],
) -> None:
    hid = handed_over_after_a_failed_cancel(service, admin)
    mobile = size == "mobile"
    agent: Page = new_context(viewport=SIZES[size], is_mobile=mobile, has_touch=mobile).new_page()
    agent.on("pageerror", lambda error: clean_queue.append(str(error)))
    agent.goto(f"{service.handoff_url}/console")
    # The agent picks the console's language on the login page; it is remembered.
    agent.locator("#login-lang").select_option("ko")
    expect(agent.locator("#login-form button[type=submit]")).to_have_text("로그인")
    expect(agent.locator("html")).to_have_attribute("lang", "ko")
    user = service.users["console"]
    agent.locator("#login-email").fill(user["email"])
    agent.locator("#login-password").fill(user["password"])
    agent.locator("#login-form button[type=submit]").click()
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
