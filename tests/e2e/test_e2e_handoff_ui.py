"""Widget and console against the real handoff service with the bot down (closed Rasa port):
every conversation is queued as `bot_unavailable`, which is what customers get in real life."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.sync_api import Locator, Page, expect

from bench.stack import Stack
from tests.support.e2e_pages import (
    MOBILE,
    Admin,
    console_login,
    conversation_id,
    widget_open,
    widget_send,
)


def test_customer_is_queued_honestly_then_chats_with_an_agent(
    service: Stack, admin: Admin, new_context: Any, screenshots: Path
) -> None:
    customer = new_context().new_page()
    customer.goto(f"{service.handoff_url}/demo")
    widget_open(customer)
    widget_send(customer, "My parcel EF-100001 never arrived")
    log = customer.locator(".log")
    expect(log.locator(".msg.customer")).to_have_count(1)
    expect(log.locator(".msg.customer").first).not_to_have_class("pending")
    # Nobody is online: the widget says so instead of promising a wait.
    expect(log).to_contain_text("our assistant is not working right now")
    expect(log).to_contain_text("No colleague is online right now")
    expect(customer.locator("header .status")).to_contain_text("No colleague is online")
    conv = conversation_id(customer)
    handoff = admin.handoff_for(conv)
    assert handoff["status"] == "queued" and handoff["reason"] == "bot_unavailable"

    agent = new_context(viewport={"width": 1280, "height": 1000}).new_page()
    console_login(agent, service.handoff_url, service.users["agent"])
    panel = _claim_from_the_queue(agent, int(handoff["id"]))

    # The customer is told who joined, by name.
    joined = log.locator('.notice[data-event="agent_joined"]')
    expect(joined.locator(".body")).to_have_text("Sam Agent has joined the conversation.")
    expect(customer.locator("header .status")).to_contain_text("You are chatting with Sam Agent")

    _live_chat_notes_and_canned_replies(customer, panel)

    customer.screenshot(path=str(screenshots / "widget-agent-chat.png"))
    agent.screenshot(path=str(screenshots / "console-conversation.png"))

    # Reload keeps the history, in order, without duplicates.
    customer.reload()
    widget_open(customer)
    expect(log.locator(".msg.customer")).to_have_count(2)
    expect(log.locator(".msg.agent")).to_have_count(1)
    texts = log.locator(".msg .body").all_text_contents()
    assert texts == [
        "My parcel EF-100001 never arrived",
        "Hi, I'm checking EF-100001 for you now.",
        "Thanks, I'll wait",
    ]
    expect(log).not_to_contain_text("Carrier says lost")

    # Resolve: the customer is told, the conversation leaves "my conversations".
    panel.get_by_role("button", name="Resolve").click()
    expect(log.locator('.notice[data-event="resolved"]')).to_contain_text(
        "Sam Agent has closed this conversation"
    )
    # …and asked, once, how easy it was (the service's own CES question after an agent).
    expect(log.locator('.notice[data-event="ces"]')).to_have_count(1)
    expect(customer.get_by_role("group", name="made it easy for me", exact=False)).to_be_visible()
    expect(customer.locator("header .status")).to_contain_text("Conversation closed")
    expect(agent.locator(f'#mine li[data-handoff-id="{handoff["id"]}"]')).to_have_count(0)
    assert admin.handoff_for(conv)["status"] == "resolved"


def _claim_from_the_queue(agent: Page, hid: int) -> Locator:
    """The queued item reads as words; claiming opens the context before the transcript."""
    item = agent.locator(f'#queue li[data-handoff-id="{hid}"]')
    expect(item).to_contain_text("Bot unavailable")
    expect(item).to_contain_text("EN")
    expect(item).to_contain_text("waiting")
    expect(item).to_contain_text("Priority")
    item.get_by_role("button", name="Claim").click()
    panel = agent.locator(f"#panel-{hid}")
    expect(panel.locator(".context")).to_be_visible()
    expect(panel.locator(".transcript")).to_contain_text("My parcel EF-100001 never arrived")
    # The context panel comes before the transcript.
    order = panel.evaluate(
        "p => [...p.querySelectorAll('.context, .transcript-section')].map(n => n.className)"
    )
    assert order[0] == "context"
    return panel


def _live_chat_notes_and_canned_replies(customer: Page, panel: Locator) -> None:
    log = customer.locator(".log")
    # Agent typing reaches the widget; the reply arrives live.
    reply = panel.locator("textarea.reply-input")
    reply.fill("Hi, I'm checking EF-100001 for you now.")
    expect(customer.locator(".typing")).to_contain_text("Sam Agent is typing")
    reply.press("Enter")
    expect(log.locator(".msg.agent")).to_contain_text("checking EF-100001")
    expect(log.locator(".msg.agent .who")).to_have_text("Sam Agent")
    expect(customer.locator(".typing")).to_have_text("")

    # Customer answer arrives in the console live, with the typing indicator first.
    customer.locator("#effortless-input").type("Thank", delay=20)
    expect(panel.locator(".typing")).to_contain_text("customer is typing")
    customer.locator("#effortless-input").fill("Thanks, I'll wait")
    customer.locator("#effortless-input").press("Enter")
    expect(panel.locator(".transcript")).to_contain_text("Thanks, I'll wait")

    # Internal note: visible to agents, never to the customer.
    panel.locator("textarea[id^=note-]").fill("Carrier says lost; reship approved")
    panel.get_by_role("button", name="Add note").click()
    expect(panel.locator(".notes")).to_contain_text("Carrier says lost")

    # Canned response inserts text personalised from the context (no question to the customer).
    panel.locator("select.canned").select_option(label="Checking")
    expect(reply).to_have_value("Thanks for waiting — I'm checking your order for you right now.")
    reply.fill("")


def test_new_handoff_notifies_the_agent_with_queue_position(
    service: Stack, admin: Admin, new_context: Any, screenshots: Path
) -> None:
    agent = new_context().new_page()
    console_login(agent, service.handoff_url, service.users["agent2"])
    expect(agent.locator("#available")).to_be_checked()

    customer = new_context(viewport=MOBILE, is_mobile=True, has_touch=True).new_page()
    customer.goto(f"{service.handoff_url}/demo")
    widget_open(customer)
    widget_send(customer, "Hello, I need help with a return")
    log = customer.locator(".log")
    # An agent is online now: the notice gives a position and an estimate.
    expect(log.locator('.notice[data-event="queued"]')).to_contain_text("You are number 1")
    expect(customer.locator("header .status")).to_contain_text("you are number 1, about")
    expect(customer.locator("header .status")).to_contain_text("min")
    # The panel fills the small screen.
    box = customer.locator(".panel").bounding_box()
    assert box is not None and box["width"] >= MOBILE["width"] - 1
    customer.screenshot(path=str(screenshots / "widget-mobile-queued.png"))

    conv = conversation_id(customer)
    handoff = admin.handoff_for(conv)
    expect(agent.locator(".toast.new")).to_contain_text("New handoff")
    expect(agent.locator(f'#queue li[data-handoff-id="{handoff["id"]}"]')).to_be_visible()
    agent.screenshot(path=str(screenshots / "console-queue.png"))
    # Take next claims the oldest routable handoff (leave the queue clean for other tests).
    while admin.get("/api/queue")["handoffs"]:
        agent.get_by_role("button", name="Take next").click()
        agent.wait_for_timeout(300)
    expect(agent.locator("#queue-empty")).to_be_visible()
    expect(agent.locator("[role=tab]")).not_to_have_count(0)


def test_several_conversations_in_tabs(
    service: Stack, admin: Admin, new_context: Any, screenshots: Path
) -> None:
    customers: list[Page] = []
    for text in ("First customer question", "Second customer question"):
        page = new_context().new_page()
        page.goto(f"{service.handoff_url}/demo")
        widget_open(page)
        widget_send(page, text)
        expect(page.locator(".log")).to_contain_text("colleague")
        customers.append(page)
    ids = [admin.handoff_for(conversation_id(p))["id"] for p in customers]
    agent = new_context().new_page()
    console_login(agent, service.handoff_url, service.users["agent"])
    for hid in ids:
        agent.locator(f'#queue li[data-handoff-id="{hid}"] button.claim').click()
        expect(agent.locator(f"#panel-{hid}")).to_be_visible()
    expect(agent.locator("[role=tab]")).to_have_count(2)
    # Switch tabs with the keyboard; a message to the hidden tab still lands in it.
    agent.locator(f"#tab-{ids[1]}").focus()
    agent.keyboard.press("ArrowLeft")
    expect(agent.locator(f"#panel-{ids[0]}")).to_be_visible()
    expect(agent.locator(f"#panel-{ids[1]}")).to_be_hidden()
    widget_send(customers[1], "Are you there?")
    agent.locator(f"#tab-{ids[1]}").click()
    expect(agent.locator(f"#panel-{ids[1]} .transcript")).to_contain_text("Are you there?")
    expect(agent.locator(f"#panel-{ids[0]} .transcript")).not_to_contain_text("Are you there?")
    # Transfer the first one to a colleague, chosen by name from a list (plain agents may list
    # colleagues: id, name, languages, online; no emails).
    agent.locator(f"#tab-{ids[0]}").click()
    panel = agent.locator(f"#panel-{ids[0]}")
    target = service.users["agent2"]["id"]
    assert panel.locator("input[type=number]").count() == 0
    select = panel.locator("select.transfer-target")
    expect(select.locator(f'option[value="{target}"]')).to_contain_text("Kim Colleague")
    assert "@" not in select.inner_text()
    assert select.locator(f'option[value="{service.users["agent"]["id"]}"]').count() == 0
    select.select_option(label=select.locator(f'option[value="{target}"]').inner_text())
    panel.locator("input[id^=transfer-note-]").fill("Return question, you know the policy best")
    panel.get_by_role("button", name="Transfer").click()
    expect(customers[0].locator('.notice[data-event="transferred"]')).to_contain_text(
        "Kim Colleague is taking over"
    )
    expect(customers[0].locator("header .status")).to_contain_text(
        "You are chatting with Kim Colleague"
    )
    assert admin.get(f"/api/handoffs/{ids[0]}")["agent"]["id"] == target
