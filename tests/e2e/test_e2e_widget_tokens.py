"""The widget and issue 13: conversation tokens expire and the widget exchanges them (at
half-life, and after a 401 `conversation_token_expired`); a rate-limited customer sees a friendly
notice and the message is sent later instead of failing silently."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Page, Route, expect

from bench.stack import Stack
from handoff.config import DEFAULT_SECRET
from handoff.security import conversation_from_token, conversation_token
from tests.support.e2e_pages import conversation_id, widget_open, widget_send
from tests.support.e2e_stack import running_stack

STORED = (
    "() => { const k = Object.keys(localStorage).find(k => "
    "k.startsWith('effortless:conversation:') && !k.endsWith(':open'));"
    " return [k, JSON.parse(localStorage.getItem(k))]; }"
)


@pytest.fixture(scope="module")
def limited() -> Iterator[Stack]:
    """The handoff service with two messages per conversation and minute."""
    yield from running_stack(
        with_bot=False, extra_env={"HANDOFF_MESSAGE_LIMIT_CONVERSATION": "2 per minute"}
    )


def shop_page(page: Page, base: str, lang: str = "en") -> None:
    html = (
        f"<!doctype html><html lang='{lang}'><head><title>Shop</title></head><body>"
        f"<script src='{base}/widget.js' async></script></body></html>"
    )

    def fulfil(route: Route) -> None:
        route.fulfill(status=200, content_type="text/html", body=html)

    page.route(f"{base}/token-shop", fulfil)
    page.goto(f"{base}/token-shop")


def stored(page: Page) -> tuple[str, dict[str, Any]]:
    key, value = page.evaluate(STORED)
    return str(key), dict(value)


def test_widget_exchanges_its_token(limited: Stack, new_context: Any) -> None:
    page = new_context().new_page()
    shop_page(page, limited.handoff_url)
    widget_open(page)
    widget_send(page, "hello, my parcel is late")
    cid = conversation_id(page)
    expect(page.locator(".log .msg.customer:not(.pending)")).to_have_count(1)
    key, first = stored(page)
    assert first["refreshAt"] > time.time() * 1000  # half the lifetime ahead
    # Half-life reached (as after a day): the widget exchanges the token on load.
    page.evaluate(
        "([k, v]) => localStorage.setItem(k, JSON.stringify(v))",
        [key, {**first, "refreshAt": 1}],
    )
    page.reload()
    page.wait_for_function(
        f"() => !(localStorage.getItem({key!r}) || '').includes({first['token']!r})"
    )
    _, second = stored(page)
    assert second["id"] == cid and conversation_from_token(DEFAULT_SECRET, second["token"]) == cid
    # A token that expired while the tab slept: the 401 makes the widget exchange it, and the
    # conversation (with its history) goes on.
    expired = conversation_token(DEFAULT_SECRET, cid, ttl_seconds=60, now=time.time() - 120)
    page.evaluate(
        "([k, v]) => localStorage.setItem(k, JSON.stringify(v))",
        [key, {**second, "token": expired, "refreshAt": 4102444800000}],
    )
    page.reload()
    widget_open(page)
    expect(page.locator(".log .msg.customer")).to_have_count(1)
    page.wait_for_function(f"() => !(localStorage.getItem({key!r}) || '').includes({expired!r})")
    _, third = stored(page)
    assert third["id"] == cid and conversation_from_token(DEFAULT_SECRET, third["token"]) == cid


@pytest.mark.parametrize(
    ("lang", "notice"), [("en", "sending messages very quickly"), ("ko", "너무 빠르게")]
)
def test_rate_limited_customer_sees_a_notice(
    limited: Stack, new_context: Any, lang: str, notice: str
) -> None:
    page = new_context().new_page()
    shop_page(page, limited.handoff_url, lang)
    widget_open(page)
    for text in ("one", "two", "three"):
        widget_send(page, text)
    log = page.locator(".log")
    expect(log.locator(".notice", has_text=notice)).to_have_count(1)
    # The third message is kept (pending), not lost.
    expect(log.locator(".msg.customer.pending")).to_have_count(1)
    expect(log.locator(".msg.customer:not(.pending)")).to_have_count(2)
