"""The widget as customers use it every day (issue 14), in Debian's Chromium at 1280×800 and
390×844: keyboard-only quick replies and ratings keep the focus in the widget, the input grows,
messages have times, ending keeps the transcript and e-mails it, photos reach the agent and
nobody else, and the CES question after an agent resolves. E-mail goes to a real local SMTP
server (aiosmtpd). Waiting (offline e-mail, plurals) is in test_e2e_widget_waits.py."""

from __future__ import annotations

import re
import sqlite3
import time
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect

from bench.stack import Stack, http_json
from handoff.conversations.validation import MAX_TEXT
from tests.support.e2e_pages import (
    start_with_bot_message,
    widget_send,
)
from tests.support.e2e_stack import PASSWORD
from tests.support.e2e_widget import (
    LANGUAGE,
    VIEWPORTS,
    customer_page,
    jpeg,
    queued_customer,
    shot,
    typed,
)
from tests.support.smtp_inbox import Inbox, text_of


def test_keyboard_quick_reply_keeps_focus_in_the_widget(
    stack: Stack, new_context: Any, size: str, screenshots: Path
) -> None:
    page: Page = new_context(viewport=VIEWPORTS[size]).new_page()
    start_with_bot_message(
        page, stack, [{"title": "Yes", "payload": "/affirm"}, {"title": "No", "payload": "/deny"}]
    )
    expect(page.get_by_role("group", name="Suggested replies")).to_be_visible()
    page.locator("#effortless-input").focus()
    page.keyboard.press("Shift+Tab")
    expect(page.get_by_role("button", name="No", exact=True)).to_be_focused()
    page.keyboard.press("Shift+Tab")
    yes = page.get_by_role("button", name="Yes", exact=True)
    expect(yes).to_be_focused()
    # One more step back: the transcript itself, with its focus ring drawn inside (a ring
    # outside would be clipped by the panel).
    page.keyboard.press("Shift+Tab")
    log = page.locator(".log")
    expect(log).to_be_focused()
    ring = log.evaluate(
        "e => { const s = getComputedStyle(e); return [s.outlineStyle, s.outlineWidth,"
        " parseFloat(s.outlineOffset)]; }"
    )
    assert ring[0] == "solid" and ring[1] == "3px" and ring[2] <= -3, ring
    page.keyboard.press("Tab")
    expect(yes).to_be_focused()
    shot(page, screenshots, "quick-reply-focus", size)
    page.keyboard.press("Enter")
    expect(page.locator(".msg.customer .body")).to_have_text("Yes")
    expect(page.locator(".quick")).to_have_count(0)
    # The buttons are gone: the focus is back in the input, not on the page body.
    expect(page.locator("#effortless-input")).to_be_focused()
    page.keyboard.type("typed right after the quick reply")
    page.keyboard.press("Enter")
    expect(page.locator(".msg.customer .body").last).to_have_text(
        "typed right after the quick reply"
    )


def test_input_grows_and_messages_have_times(
    stack: Stack, new_context: Any, size: str, screenshots: Path
) -> None:
    page = customer_page(new_context, stack, size)
    box = page.locator("#effortless-input")

    def height() -> float:
        return float(box.evaluate("e => e.getBoundingClientRect().height"))

    one_line = height()
    box.focus()
    for n in range(1, 4):
        page.keyboard.type(f"line {n}")
        if n < 3:
            page.keyboard.press("Shift+Enter")  # a new line, not a send
    expect(page.locator(".msg.customer")).to_have_count(0)
    three_lines = height()
    assert three_lines > one_line + 30, (one_line, three_lines)
    for n in range(4, 15):
        page.keyboard.press("Shift+Enter")
        page.keyboard.type(f"line {n}")
    capped = height()
    assert three_lines < capped <= 136, capped  # stops growing, then scrolls
    assert box.evaluate("e => e.scrollHeight > e.clientHeight")
    shot(page, screenshots, "growing-input", size)
    page.keyboard.press("Enter")
    bubble = page.locator(".msg.customer:not(.pending)")
    expect(bubble).to_have_count(1)
    assert bubble.locator(".body").inner_text().split("\n")[:3] == ["line 1", "line 2", "line 3"]
    assert abs(height() - one_line) < 2  # back to one line after sending
    # Every message and notice carries its time (machine-readable and shown).
    stamp = bubble.locator("time.ts")
    expect(stamp).to_have_text(re.compile(r"\d{1,2}:\d{2}"))
    assert re.match(r"\d{4}-\d{2}-\d{2}T", stamp.get_attribute("datetime") or "")
    notice = page.locator(".notice[data-event] time.ts").first
    expect(notice).to_have_text(re.compile(r"\d{1,2}:\d{2}"))
    shot(page, screenshots, "timestamps", size)


def test_a_paste_past_the_limit_is_said_not_cut_silently(
    stack: Stack, new_context: Any, size: str
) -> None:
    page = customer_page(new_context, stack, size)
    box = page.locator("#effortless-input")
    # the widget's limit is the gateway's
    assert box.get_attribute("maxlength") == str(MAX_TEXT)
    paste = (
        "(e, n) => { const d = new DataTransfer(); d.setData('text/plain', 'x'.repeat(n));"
        " e.focus();"
        " e.dispatchEvent(new ClipboardEvent('paste', { clipboardData: d, bubbles: true })); }"
    )
    words = "5,000자" if LANGUAGE[size] == "ko" else "at most 5,000"
    said = page.locator(".notice", has_text=words)
    box.evaluate(paste, 120)
    page.wait_for_timeout(200)
    expect(said).to_have_count(0)
    box.evaluate(paste, MAX_TEXT + 1)
    expect(said).to_have_count(1)


def test_end_chat_keeps_the_transcript_and_emails_it(
    stack: Stack, inbox: tuple[Inbox, int], new_context: Any, size: str, screenshots: Path
) -> None:
    box, _ = inbox
    page = customer_page(new_context, stack, size)
    widget_send(page, typed(size, "Where is my parcel EF-100001?"))
    expect(page.locator(".notice[data-event]").first).to_be_visible()
    header = page.locator("#effortless-chat-widget header")
    before = header.bounding_box()
    page.locator("button.end").click()
    confirm = page.locator(".confirm")
    expect(confirm).to_be_visible()
    after = header.bounding_box()
    assert before is not None and after is not None
    assert after["height"] == before["height"] and after["width"] == before["width"]
    # The title is not squeezed: still one line next to the buttons.
    assert page.locator("#effortless-title").bounding_box()["height"] < 30  # type: ignore[index]
    shot(page, screenshots, "end-confirm", size)
    confirm.locator("button.yes").click()
    log = page.locator(".log")
    expect(log).to_contain_text(typed(size, "Where is my parcel EF-100001?"))  # still readable
    form = page.locator(".mailform.transcript")
    expect(form).to_be_visible()
    address = page.locator(".mailform.transcript input[type=email]")
    address.fill("not an address")
    address.press("Enter")
    expect(form.get_by_role("alert")).to_be_visible()
    expect(address).to_be_focused()
    to = f"ann.{size}@example.com"
    address.fill(to)
    address.press("Enter")
    expect(form).to_have_count(0)
    expect(log).to_contain_text(to)
    expect(page.locator("#effortless-input")).to_be_focused()
    shot(page, screenshots, "ended-transcript-sent", size)
    mail = box.wait_for(to)
    body = text_of(mail)
    assert typed(size, "Where is my parcel EF-100001?") in body
    if LANGUAGE[size] == "ko":
        assert mail["Subject"] == "Lumen 상담 내역" and "나: EF-100001 택배" in body
    else:
        assert mail["Subject"] == "Your conversation with Lumen" and "You: Where is my" in body
    # The next message starts a new conversation below the old transcript.
    widget_send(page, typed(size, "One more question"))
    expect(page.locator(".msg.customer:not(.pending)")).to_have_count(2)
    expect(page.locator(".ended-mark")).to_have_count(1)


def test_photo_reaches_the_agent_and_nobody_else(
    stack: Stack, new_context: Any, size: str, screenshots: Path, tmp_path: Path
) -> None:
    agent_api, page, conv, hid = queued_customer(
        new_context, stack, size, "My parcel arrived damaged"
    )
    # Refused in the widget before any upload: too big, not a photo by type.
    huge = tmp_path / "huge.jpg"
    huge.write_bytes(b"\xff\xd8\xff" + b"\0" * (10 * 1024 * 1024 + 1))
    page.locator("input[type=file]").set_input_files(str(huge))
    expect(page.locator(".log")).to_contain_text(
        "larger than 10 MB" if LANGUAGE[size] == "en" else "10MB보다 큰 사진"
    )
    # A text file named .jpg reaches the service, which checks the content and refuses it.
    fake = tmp_path / "fake.jpg"
    fake.write_text("this is not a photo")
    page.locator("input[type=file]").set_input_files(str(fake))
    expect(page.locator(".log")).to_contain_text(
        "Only JPEG, PNG or WebP" if LANGUAGE[size] == "en" else "JPEG, PNG, WebP 사진만"
    )
    page.locator("input[type=file]").set_input_files(str(jpeg(tmp_path / "damaged box.jpg")))
    image = page.locator(".msg.photo-msg img")
    expect(image).to_have_count(1)
    page.wait_for_function(
        "() => { const r = document.getElementById('effortless-chat-widget').shadowRoot;"
        " const i = r.querySelector('.msg.photo-msg img'); return i && i.naturalWidth > 0; }"
    )
    expect(image).to_have_attribute("alt", re.compile("damaged box.jpg"))
    expect(page.locator("#effortless-input")).to_be_focused()
    shot(page, screenshots, "photo-sent", size)

    # The conversation's agent (browser session) sees it listed and opens the thumbnail.
    agent = new_context(viewport=VIEWPORTS[size]).new_page()
    agent.goto(f"{stack.handoff_url}/console")
    login = agent.request.post(
        f"{stack.handoff_url}/api/auth/login",
        data={"email": stack.users["agent"]["email"], "password": PASSWORD},
    )
    assert login.ok
    listed = agent.request.get(f"{stack.handoff_url}/api/handoffs/{hid}/attachments").json()
    [photo] = listed["attachments"]
    assert photo["filename"] == "damaged box.jpg" and photo["content_type"] == "image/jpeg"
    detail = agent.request.get(f"{stack.handoff_url}/api/handoffs/{hid}").json()
    assert [a["id"] for a in detail["context"]["attachments"]] == [photo["id"]]
    response = agent.goto(stack.handoff_url + photo["thumbnail_url"])
    assert response is not None and response.status == 200
    assert response.headers["content-type"] == "image/jpeg"
    full = agent.request.get(stack.handoff_url + photo["url"])
    assert full.status == 200 and b"GPS" not in full.body()  # metadata stripped
    # Nobody else: another conversation's token, or no session at all.
    status, other = http_json("POST", f"{stack.handoff_url}/api/conversations", {"language": "en"})
    assert status == 201
    stranger = new_context().request
    mine = f"/api/conversations/{conv['id']}/attachments/{photo['id']}"
    refused = stranger.get(
        stack.handoff_url + mine, headers={"Authorization": f"Bearer {other['token']}"}
    )
    assert refused.status == 403
    via_other = stranger.get(
        f"{stack.handoff_url}/api/conversations/{other['conversation_id']}/attachments/"
        f"{photo['id']}/thumbnail",
        headers={"Authorization": f"Bearer {other['token']}"},
    )
    assert via_other.status == 404
    assert stranger.get(stack.handoff_url + photo["url"]).status == 401
    assert (
        stranger.get(
            stack.handoff_url + photo["url"], headers={"Authorization": f"Bearer {other['token']}"}
        ).status
        == 401
    )
    agent_api.call("POST", f"/api/handoffs/{hid}/claim", {})
    agent_api.call("POST", f"/api/handoffs/{hid}/resolve", {})


def test_ces_is_asked_after_the_agent_resolves_and_rated_by_keyboard(
    stack: Stack, new_context: Any, size: str, screenshots: Path
) -> None:
    agent_api, page, conv, hid = queued_customer(new_context, stack, size, "I was charged twice")
    agent_api.call("POST", f"/api/handoffs/{hid}/claim", {})
    agent_api.call("POST", f"/api/handoffs/{hid}/messages", {"text": "Refunded the second charge."})
    expect(page.locator(".msg.agent .body")).to_have_text("Refunded the second charge.")
    agent_api.call("POST", f"/api/handoffs/{hid}/resolve", {"note": "refunded"})
    ko = LANGUAGE[size] == "ko"
    question = (
        "“Lumen에서 제 문제를 쉽게 해결할 수 있었다.”"
        if ko
        else "Lumen made it easy for me to handle my issue."
    )
    scale = page.get_by_role("group", name=question, exact=False)
    expect(scale).to_be_visible()
    expect(scale.get_by_role("button")).to_have_count(7)
    low, high = (
        ("전혀 동의하지 않음", "매우 동의함") if ko else ("Strongly disagree", "Strongly agree")
    )
    expect(scale.get_by_role("button", name=f"1 – {low}")).to_be_visible()
    expect(scale.get_by_role("button", name=f"7 – {high}")).to_be_visible()
    expect(page.locator(".ces .ends")).to_contain_text(low)
    shot(page, screenshots, "ces-after-agent", size)
    # Keyboard only: from the input back to the scale, rate 6, focus returns to the input.
    page.locator("#effortless-input").focus()
    page.keyboard.press("Shift+Tab")
    expect(scale.get_by_role("button", name=f"7 – {high}")).to_be_focused()
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Enter")
    expect(page.locator(".msg.customer .body").last).to_have_text("6")
    expect(page.locator("#effortless-input")).to_be_focused()
    thanks = "평가해 주셔서 감사합니다." if ko else "Thank you for your rating."
    expect(page.locator(".notice", has_text=thanks)).to_have_count(1)
    expect(page.locator(".ces")).to_have_count(0)
    deadline = time.monotonic() + 10
    row = None
    while time.monotonic() < deadline and row is None:
        with sqlite3.connect(stack.workdir / "handoff.db") as db:
            row = db.execute(
                "SELECT score, handoff_id, after FROM ces_ratings "
                "WHERE conversation_id = ? AND score IS NOT NULL",
                (conv["id"],),
            ).fetchone()
        time.sleep(0.1)
    assert row == (6, hid, "agent")
