"""The agent console's test helpers: the handed-over conversation written with the service's own
store code, signing in, and layout checks (on screen, no page scroll, nothing covered)."""

from __future__ import annotations

import asyncio
import io
import time
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from PIL import Image
from playwright.sync_api import Locator, Page, expect

from bench.stack import Stack, http_json
from handoff.conversations.context import ConversationFacts, build_context
from handoff.conversations.queue import initial_priority
from handoff.security import shop_customer_token
from handoff.store import repositories as repo
from handoff.store.db import Database
from handoff.store.models import Handoff
from tests.support.e2e_pages import Admin
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


def open_console(
    stack: Stack, new_context: Any, size: str, errors: list[str], **context: Any
) -> Page:
    """The console's login page at `size`; page errors are collected in `errors`."""
    mobile = size == "mobile"
    page: Page = new_context(
        viewport=SIZES[size], is_mobile=mobile, has_touch=mobile, **context
    ).new_page()
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{stack.handoff_url}/console")
    return page


def sign_in(page: Page, stack: Stack) -> None:
    user = stack.users["console"]
    page.locator("#login-email").fill(user["email"])
    page.locator("#login-password").fill(user["password"])
    page.locator("#login-form button[type=submit]").click()


def agent_page(stack: Stack, new_context: Any, size: str, errors: list[str]) -> Page:
    page = open_console(stack, new_context, size, errors, locale="en-GB")
    sign_in(page, stack)
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


@dataclass
class Console:
    """Opens the agent console for a test; page errors are collected in `errors`."""

    stack: Stack
    new_context: Any
    errors: list[str]

    def signed_in(self, size: str) -> Page:
        return agent_page(self.stack, self.new_context, size, self.errors)

    def login_page(self, size: str) -> Page:
        return open_console(self.stack, self.new_context, size, self.errors)
