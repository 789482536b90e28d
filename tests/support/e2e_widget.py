"""The widget's test helpers: the demo page at each size in its language, what the customer
types in that language, an agent working through the API, a photo with location data."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from PIL import Image
from playwright.sync_api import Page

from bench.stack import Stack, http_json
from tests.support.e2e_pages import stored_conversation, widget_open, widget_send
from tests.support.e2e_stack import ADMIN_EMAIL, PASSWORD, running_stack

VIEWPORTS = {
    "desktop": {"width": 1280, "height": 800},
    "mobile": {"width": 390, "height": 844},
}
LANGUAGE = {"desktop": "en", "mobile": "ko"}  # both languages, one per size
# What the customer types, in the page's language: every message sets the conversation's
# language, so a Korean page's customer writes Korean.
KOREAN = {
    "Where is my parcel EF-100001?": "EF-100001 택배 어디쯤 왔나요?",
    "One more question": "질문이 하나 더 있어요",
    "My parcel arrived damaged": "택배가 파손되어 도착했어요",
    "I was charged twice": "결제가 두 번 됐어요",
    "Can I change the size of my order?": "주문한 상품 사이즈를 바꿀 수 있나요?",
    "Hello, is anyone there?": "안녕하세요, 누구 계세요?",
    "Where is my refund?": "환불은 언제 되나요?",
}


def typed(size: str, text: str) -> str:
    return KOREAN[text] if LANGUAGE[size] == "ko" else text


SHOP = "Lumen"


def widget_stack(smtp_port: int) -> Iterator[Stack]:
    """The handoff service (bot down: every chat goes to the queue), with e-mail on."""
    yield from running_stack(
        with_bot=False,
        extra_env={
            "HANDOFF_SMTP_HOST": "127.0.0.1",
            "HANDOFF_SMTP_PORT": str(smtp_port),
            "HANDOFF_SMTP_TLS": "none",
            "HANDOFF_MAIL_FROM": "support@lumen.example",
            "HANDOFF_SHOP_NAME": SHOP,
            "HANDOFF_LEAVE_GRACE_SECONDS": "1",
        },
    )


def customer_page(new_context: Any, stack: Stack, size: str) -> Page:
    page: Page = new_context(viewport=VIEWPORTS[size]).new_page()
    page.goto(f"{stack.handoff_url}/demo?lang={LANGUAGE[size]}")
    widget_open(page)
    return page


class AgentApi:
    """An agent working through the API (never 'available', so customers stay 'nobody online'
    unless a test says otherwise)."""

    def __init__(self, stack: Stack) -> None:
        self.url = stack.handoff_url
        self.token = stack.login(stack.users["agent"]["email"], PASSWORD)["token"]
        self.admin = stack.login(ADMIN_EMAIL, PASSWORD)["token"]

    def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        status, data = http_json(method, self.url + path, body, token=self.token)
        assert status in (200, 201), (path, status, data)
        return data

    def handoff_id(self, conversation_id: str) -> int:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            _, data = http_json("GET", self.url + "/api/handoffs?status=all", token=self.admin)
            for item in data["handoffs"]:
                if item["conversation_id"] == conversation_id:
                    return int(item["id"])
            time.sleep(0.2)
        raise AssertionError(f"no handoff for {conversation_id}")


def shot(page: Page, screenshots: Path, name: str, size: str) -> None:
    page.screenshot(path=str(screenshots / f"widget-{name}-{size}.png"))


def jpeg(path: Path) -> Path:
    image = Image.new("RGB", (800, 600), (190, 150, 90))
    for x in range(200, 600):
        for y in range(280, 300):
            image.putpixel((x, y + (x % 40)), (60, 30, 10))  # the crack in the box
    exif = Image.Exif()
    exif[0x010E] = "GPS 52.52 N 13.40 E"
    image.save(path, format="JPEG", exif=exif.tobytes())
    return path


def queued_customer(
    new_context: Any, stack: Stack, size: str, says: str
) -> tuple[AgentApi, Page, dict[str, Any], int]:
    """A customer who wrote `says` (in the page's language) and is queued: the agent API, the
    customer's page, the stored conversation and the handoff's id."""
    agent_api = AgentApi(stack)
    page = customer_page(new_context, stack, size)
    widget_send(page, typed(size, says))
    conv = stored_conversation(page)
    return agent_api, page, conv, agent_api.handoff_id(conv["id"])
