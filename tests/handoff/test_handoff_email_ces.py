"""E-mail through a real local SMTP server (aiosmtpd): transcripts on request, an agent's reply
to a customer who is not connected; and the CES question the service asks after an agent."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from handoff.security import shop_customer_token
from handoff.store import repositories as repo
from handoff.store.models import CesRating
from launcher import free_port
from tests.support.handoff_service import Service, auth, post_message, ws_connect
from tests.support.smtp_inbox import Inbox, running_inbox, text_of


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    yield from running_inbox()


def mail_settings(port: int) -> dict[str, Any]:
    return {
        "smtp_host": "127.0.0.1",
        "smtp_port": port,
        "smtp_tls": "none",
        "mail_from": "support@lumen.example",
        "shop_name": "Lumen",
    }


@pytest.fixture
async def mail_service(service_factory: Any, smtp: tuple[Inbox, int]) -> tuple[Service, Inbox]:
    """A service that sends e-mail to the local SMTP server, and that server's inbox."""
    inbox, port = smtp
    return await service_factory(**mail_settings(port)), inbox


async def post(service: Service, conv: dict[str, Any], cid: str, text: str) -> dict[str, Any]:
    return await post_message(service, conv, cid, text)


async def queued(service: Service, conv: dict[str, Any], n: int = 1) -> int:
    # The customer writes in the conversation's language (each message sets the language).
    text = (
        "상담원 연결해 주세요"
        if conv.get("language") == "ko"
        else "I want to talk to a human please"
    )
    await post(service, conv, f"h{n}", text)
    async with service.hub.db.session() as session:
        handoff = await repo.open_handoff(session, conv["conversation_id"])
        assert handoff is not None
        return handoff.id


async def test_transcript_by_email_shows_what_the_customer_saw(
    mail_service: tuple[Service, Inbox],
) -> None:
    service, inbox = mail_service
    conv = await service.conversation(language="en")
    assert conv["email_enabled"] is True
    await post(service, conv, "1", "I want to cancel EF-100010")
    await post(service, conv, "2", '/ces{"ces_score": 6}')
    url = f"/api/conversations/{conv['conversation_id']}/transcript"
    # the customer ended the chat: the token still asks for the transcript
    r = await service.http.post(
        f"/api/conversations/{conv['conversation_id']}/leave", headers=auth(conv["token"])
    )
    assert r.status_code == 200
    r = await service.http.post(url, headers=auth(conv["token"]), json={"email": "ann@example.com"})
    assert r.status_code == 200 and r.json() == {"sent": True, "email": "ann@example.com"}
    [message] = await inbox.wait(1)
    assert inbox.envelopes == [("support@lumen.example", ["ann@example.com"])]
    assert message["Subject"] == "Your conversation with Lumen"
    assert message["From"] == "support@lumen.example"
    text = text_of(message)
    assert "You: I want to cancel EF-100010" in text
    assert "Assistant: " in text
    assert "You: 6" in text and "ces_score" not in text

    for bad in ("not-an-address", "a@b", "x@example.com\r\nBcc: evil@example.com", 42, None):
        r = await service.http.post(url, headers=auth(conv["token"]), json={"email": bad})
        assert r.status_code == 400 and r.json()["field"] == "email", bad
    other = await service.conversation(language="en")
    r = await service.http.post(url, headers=auth(other["token"]), json={"email": "x@example.com"})
    assert r.status_code == 403
    assert len(inbox.messages) == 1


async def test_email_off_without_a_host(service: Service) -> None:
    conv = await service.conversation(language="ko")
    assert conv["email_enabled"] is False
    for path in ("transcript", "reply-email"):
        r = await service.http.post(
            f"/api/conversations/{conv['conversation_id']}/{path}",
            headers=auth(conv["token"]),
            json={"email": "minji@example.com"},
        )
        assert r.status_code == 503 and r.json()["code"] == "email_unavailable"


async def test_smtp_server_down_is_a_clear_error(service_factory: Any) -> None:
    service: Service = await service_factory(**mail_settings(free_port()))
    conv = await service.conversation(language="en")
    r = await service.http.post(
        f"/api/conversations/{conv['conversation_id']}/transcript",
        headers=auth(conv["token"]),
        json={"email": "ann@example.com"},
    )
    assert r.status_code == 503 and r.json()["code"] == "email_unavailable"


async def test_agent_reply_reaches_an_offline_customer_by_email(
    mail_service: tuple[Service, Inbox],
) -> None:
    service, inbox = mail_service
    conv = await service.conversation(language="ko")
    hid = await queued(service, conv)  # nobody online
    r = await service.http.post(
        f"/api/conversations/{conv['conversation_id']}/reply-email",
        headers=auth(conv["token"]),
        json={"email": " minji@example.com "},
    )
    assert r.status_code == 200 and r.json() == {"reply_email": "minji@example.com"}
    state = await service.http.get(
        f"/api/conversations/{conv['conversation_id']}", headers=auth(conv["token"])
    )
    assert state.json()["reply_email"] == "minji@example.com"
    sam = await service.user("sam@example.com")
    claimed = await service.http.post(f"/api/handoffs/{hid}/claim", headers=auth(sam["token"]))
    assert claimed.status_code == 200
    r = await service.http.post(
        f"/api/handoffs/{hid}/messages",
        headers=auth(sam["token"]),
        json={"text": "환불을 접수했습니다. 3일 안에 입금됩니다."},
    )
    assert r.status_code == 201
    [message] = await inbox.wait(1)
    assert message["To"] == "minji@example.com"
    assert message["Subject"] == "Lumen에서 답변을 보냈습니다"
    assert "Sam 상담원의 답변:" in text_of(message)
    assert "환불을 접수했습니다. 3일 안에 입금됩니다." in text_of(message)

    # while the customer is connected, the reply is only in the chat
    ws_url = f"{service.ws_url}/ws/conversations/{conv['conversation_id']}?token={conv['token']}"
    async with ws_connect(ws_url) as ws:
        await ws.recv()  # hello
        r = await service.http.post(
            f"/api/handoffs/{hid}/messages", headers=auth(sam["token"]), json={"text": "보이세요?"}
        )
        assert r.status_code == 201
        await asyncio.sleep(0.5)
    assert len(inbox.messages) == 1


async def test_signed_in_customer_email_is_used_for_offline_replies(
    mail_service: tuple[Service, Inbox],
) -> None:
    service, inbox = mail_service
    token = shop_customer_token(
        service.hub.settings.shop_secret,
        {"sub": "C0001", "name": "Alice", "email": "alice@example.com", "exp": 2**31},
    )
    conv = await service.conversation(language="en", customer_token=token)
    assert conv["reply_email"] == "alice@example.com"
    hid = await queued(service, conv)
    sam = await service.user("sam@example.com")
    await service.http.post(f"/api/handoffs/{hid}/claim", headers=auth(sam["token"]))
    await service.http.post(
        f"/api/handoffs/{hid}/messages", headers=auth(sam["token"]), json={"text": "Done!"}
    )
    [message] = await inbox.wait(1)
    assert message["To"] == "alice@example.com" and "Done!" in text_of(message)


async def test_ces_is_asked_after_an_agent_resolves_once_per_session(
    service_factory: Any,
) -> None:
    service: Service = await service_factory(shop_name="Lumen")
    conv = await service.conversation(language="en")
    cid = conv["conversation_id"]
    hid = await queued(service, conv)
    sam = await service.user("sam@example.com")
    await service.http.post(f"/api/handoffs/{hid}/claim", headers=auth(sam["token"]))
    r = await service.http.post(f"/api/handoffs/{hid}/resolve", headers=auth(sam["token"]), json={})
    assert r.status_code == 200
    history = (
        await service.http.get(f"/api/conversations/{cid}/messages", headers=auth(conv["token"]))
    ).json()["messages"]
    question = history[-1]
    assert question["role"] == "system" and question["custom"] == {"event": "ces"}
    assert question["text"].startswith("Lumen made it easy for me to handle my issue.")
    assert "(1 = strongly disagree, 7 = strongly agree)" in question["text"]
    assert [b["payload"] for b in question["buttons"]] == [
        f'/ces{{"ces_score": {n}}}' for n in range(1, 8)
    ]
    received = len(service.fake.received)
    answer = await post(service, conv, "r1", '/ces{"ces_score": 6}')
    assert [m["custom"]["event"] for m in answer["replies"]] == ["ces_thanks"]
    assert answer["replies"][0]["text"] == "Thank you for your rating."
    assert len(service.fake.received) == received  # the service's own question: not the bot's
    async with service.hub.db.session() as session:
        [rating] = (await session.execute(select(CesRating))).scalars().all()
        conversation = await repo.get_conversation(session, cid)
        assert conversation is not None and conversation.mode == "closed"
    assert (rating.conversation_id, rating.handoff_id, rating.after, rating.score) == (
        cid,
        hid,
        "agent",
        6,
    )
    assert rating.asked_seq == question["seq"] and rating.answered_at is not None
    await asyncio.sleep(0.3)
    slots = service.fake.dialogues[cid].slots
    assert slots["ces_asked"] is True and slots["ces_score"] == 6  # analytics reads the tracker

    # a second handoff in the same session: no second question
    hid2 = await queued(service, conv, 2)
    assert hid2 != hid
    await service.http.post(f"/api/handoffs/{hid2}/claim", headers=auth(sam["token"]))
    await service.http.post(f"/api/handoffs/{hid2}/resolve", headers=auth(sam["token"]), json={})
    history = (
        await service.http.get(f"/api/conversations/{cid}/messages", headers=auth(conv["token"]))
    ).json()["messages"]
    assert [m["custom"]["event"] for m in history if m["role"] == "system"].count("ces") == 1


async def test_no_ces_from_the_service_when_the_bot_already_asked(service: Service) -> None:
    conv = await service.conversation(language="ko")
    hid = await queued(service, conv)
    service.fake.dialogues[conv["conversation_id"]].slots["ces_asked"] = True
    sam = await service.user("sam@example.com")
    await service.http.post(f"/api/handoffs/{hid}/claim", headers=auth(sam["token"]))
    await service.http.post(f"/api/handoffs/{hid}/resolve", headers=auth(sam["token"]), json={})
    history = (
        await service.http.get(
            f"/api/conversations/{conv['conversation_id']}/messages", headers=auth(conv["token"])
        )
    ).json()["messages"]
    assert [m["custom"]["event"] for m in history if m["role"] == "system"][-1] == "resolved"


async def test_ces_when_the_customer_ends_a_substantive_chat_with_the_bot(
    service: Service,
) -> None:
    conv = await service.conversation(language="en")
    cid = conv["conversation_id"]
    await post(service, conv, "1", "I want to cancel EF-100010")
    r = await service.http.post(f"/api/conversations/{cid}/leave", headers=auth(conv["token"]))
    assert r.status_code == 200
    question = r.json()["ces"]
    assert question["custom"] == {"event": "ces"} and len(question["buttons"]) == 7
    assert question["text"].startswith("The shop made it easy for me to handle my issue.")
    answer = await post(service, conv, "2", '/ces{"ces_score": 5}')
    assert [m["custom"]["event"] for m in answer["replies"]] == ["ces_thanks"]
    async with service.hub.db.session() as session:
        [rating] = (await session.execute(select(CesRating))).scalars().all()
    assert (rating.after, rating.handoff_id, rating.score) == ("bot", None, 5)
    await asyncio.sleep(0.3)
    assert service.fake.dialogues[cid].slots["ces_asked"] is True
    # ending again (another tab): not asked twice
    r = await service.http.post(f"/api/conversations/{cid}/leave", headers=auth(conv["token"]))
    assert r.json()["ces"] is None


async def test_no_ces_on_leave_after_small_talk_or_while_queued(service: Service) -> None:
    small = await service.conversation(language="en")
    await post(service, small, "1", "Good morning")
    r = await service.http.post(
        f"/api/conversations/{small['conversation_id']}/leave", headers=auth(small["token"])
    )
    assert r.status_code == 200 and r.json() == {"ok": True, "ces": None}
    # A signed-in customer who ends while queued still gets the agent's answer: no CES yet
    # (it comes after the agent resolves).
    token = shop_customer_token(
        service.hub.settings.shop_secret, {"sub": "C0001", "name": "Alice", "exp": 2**31}
    )
    waiting = await service.conversation(language="en", customer_token=token)
    await queued(service, waiting)
    r = await service.http.post(
        f"/api/conversations/{waiting['conversation_id']}/leave", headers=auth(waiting["token"])
    )
    assert r.json()["ces"] is None
    # An anonymous customer who gives up waiting ends the conversation (abandoned): asked once.
    gave_up = await service.conversation(language="ko")
    await queued(service, gave_up)
    r = await service.http.post(
        f"/api/conversations/{gave_up['conversation_id']}/leave", headers=auth(gave_up["token"])
    )
    assert r.json()["ces"]["text"].startswith("“이 쇼핑몰에서 제 문제를 쉽게 해결할 수 있었다.”")


def test_small_talk_is_the_metrics_definition() -> None:
    from catalogue.vocabulary import SMALL_TALK as METRICS_SMALL_TALK
    from handoff.conversations.ces import SMALL_TALK

    assert SMALL_TALK == METRICS_SMALL_TALK
