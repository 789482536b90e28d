"""Customer API: tokens, idempotent ordered messages, REST fallback, bot failures."""

from __future__ import annotations

import time

import jwt

from handoff.config import DEFAULT_SHOP_SECRET
from handoff.security import shop_customer_token
from tests.support.handoff_service import Service, auth, frame, is_msg, recv_until, ws_connect


async def test_signed_in_customer_is_forwarded_to_the_bot(service: Service) -> None:
    token = shop_customer_token(
        DEFAULT_SHOP_SECRET, {"sub": "C0001", "name": "Alice Example", "exp": time.time() + 600}
    )
    conv = await service.conversation(language="ko", customer_token=token)
    assert conv["customer"] == {"id": "C0001", "name": "Alice Example"}
    assert conv["language"] == "ko"
    r = await service.http.post(
        f"/api/conversations/{conv['conversation_id']}/messages",
        headers=auth(conv["token"]),
        json={"client_message_id": "x1", "text": "주문 cancel 하고 싶어요"},
    )
    assert r.status_code == 201, r.text
    metadata = dict(service.fake.received[-1]["metadata"])
    # a stable id of the stored message, so a re-driven turn can be recognised in the tracker
    assert isinstance(metadata.pop("handoff_message_id"), int)
    assert metadata == {"language": "ko", "customer_id": "C0001", "channel": "web"}
    assert service.fake.received[-1]["sender"] == conv["conversation_id"]


async def test_jwt_customer_token_accepted(service: Service) -> None:
    token = jwt.encode(
        {"sub": "C0002", "name": "Minji", "exp": int(time.time()) + 60},
        DEFAULT_SHOP_SECRET,
        algorithm="HS256",
    )
    conv = await service.conversation(customer_token=token)
    assert conv["customer"]["id"] == "C0002"


async def test_invalid_and_expired_customer_tokens_are_refused(service: Service) -> None:
    forged = shop_customer_token(
        "another-secret-" + "z" * 32, {"sub": "C0001", "exp": time.time() + 60}
    )
    r = await service.http.post("/api/conversations", json={"customer_token": forged})
    assert r.status_code == 401
    assert r.json()["code"] == "invalid_customer_token"
    expired = jwt.encode({"sub": "C1", "exp": int(time.time()) - 5}, DEFAULT_SHOP_SECRET)
    r = await service.http.post("/api/conversations", json={"customer_token": expired})
    assert r.status_code == 401
    assert r.json()["code"] == "customer_token_expired"
    assert "expired" in r.json()["message"]


async def test_bad_requests_get_clear_json_errors(service: Service) -> None:
    r = await service.http.post(
        "/api/conversations", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert r.status_code == 400 and r.json()["code"] == "bad_request"
    r = await service.http.post("/api/conversations", json={"language": "fr"})
    assert r.status_code == 400 and r.json()["field"] == "language"
    r = await service.http.post("/api/conversations", json=[1, 2])
    assert r.status_code == 400
    conv = await service.conversation()
    url = f"/api/conversations/{conv['conversation_id']}/messages"
    r = await service.http.post(url, headers=auth(conv["token"]), json={"text": "hi"})
    assert r.status_code == 400 and r.json()["field"] == "client_message_id"
    r = await service.http.get(url + "?after=abc", headers=auth(conv["token"]))
    assert r.status_code == 400
    r = await service.http.get("/no/such/route")
    assert r.status_code == 404 and r.json()["code"] == "not_found"


async def test_language_from_accept_language(service: Service) -> None:
    r = await service.http.post(
        "/api/conversations", json={}, headers={"Accept-Language": "ko-KR,ko;q=0.9,en;q=0.8"}
    )
    assert r.json()["language"] == "ko"


async def test_token_grants_only_its_own_conversation(service: Service) -> None:
    a = await service.conversation()
    b = await service.conversation()
    r = await service.http.get(
        f"/api/conversations/{b['conversation_id']}", headers=auth(a["token"])
    )
    assert r.status_code == 403 and r.json()["code"] == "forbidden"
    r = await service.http.get(f"/api/conversations/{b['conversation_id']}/messages")
    assert r.status_code == 401
    tampered = a["token"][:-2] + ("AA" if not a["token"].endswith("AA") else "BB")
    r = await service.http.get(f"/api/conversations/{a['conversation_id']}", headers=auth(tampered))
    assert r.status_code == 401
    r = await service.http.get(
        f"/api/conversations/{a['conversation_id']}", headers=auth(a["token"])
    )
    assert r.status_code == 200 and r.json()["mode"] == "bot"
    async with ws_connect(
        f"{service.ws_url}/ws/conversations/{b['conversation_id']}?token={a['token']}"
    ) as ws:
        error = await recv_until(ws, lambda f: True)
        assert error == {
            "type": "error",
            "code": "forbidden",
            "message": "This token does not grant access to that conversation.",
        }


async def test_rest_resend_is_idempotent(service: Service) -> None:
    conv = await service.conversation()
    url = f"/api/conversations/{conv['conversation_id']}/messages"
    body = {"client_message_id": "dup-1", "text": "I want to cancel my order"}
    first = await service.http.post(url, headers=auth(conv["token"]), json=body)
    assert first.status_code == 201
    assert [m["role"] for m in first.json()["replies"]] == ["bot"]
    again = await service.http.post(url, headers=auth(conv["token"]), json=body)
    assert again.status_code == 200
    assert again.json()["duplicate"] is True
    assert again.json()["message"]["seq"] == first.json()["message"]["seq"]
    # the resend gets the stored replies of the first send, and nothing is pending
    assert again.json()["replies"] == first.json()["replies"]
    assert again.json()["pending"] is False
    assert [m["message"] for m in service.fake.received].count(body["text"]) == 1
    history = (await service.http.get(url, headers=auth(conv["token"]))).json()
    assert [m["role"] for m in history["messages"]] == ["customer", "bot"]
    since = (await service.http.get(url + "?after=1", headers=auth(conv["token"]))).json()
    assert [m["seq"] for m in since["messages"]] == [2]


async def test_websocket_messages_are_stored_acked_in_order_and_deduplicated(
    service: Service,
) -> None:
    conv = await service.conversation()
    cid = conv["conversation_id"]
    async with ws_connect(f"{service.ws_url}/ws/conversations/{cid}?token={conv['token']}") as ws:
        await recv_until(ws, lambda f: f["type"] == "hello")
        for n in range(20):
            await ws.send(frame("message", client_message_id=f"c{n}", text=f"blorp {n}"))
        await ws.send(frame("message", client_message_id="c3", text="blorp 3"))
        acks = []
        while len(acks) < 21:
            f = await recv_until(ws, lambda f: f["type"] == "ack")
            acks.append(f)
        assert [a["client_message_id"] for a in acks[:20]] == [f"c{n}" for n in range(20)]
        seqs = [a["message"]["seq"] for a in acks[:20]]
        assert seqs == sorted(seqs) and len(set(seqs)) == 20
        assert acks[20]["duplicate"] is True and acks[20]["message"]["seq"] == seqs[3]
        await ws.send(frame("bogus"))
        err = await recv_until(ws, lambda f: f["type"] == "error")
        assert err["code"] == "bad_request"
        await ws.send("not json")
        err = await recv_until(ws, lambda f: f["type"] == "error")
        assert err["code"] == "bad_request"
    # The bot saw every customer message exactly once, in order.
    for _ in range(100):
        if len(service.fake.received) >= 20:
            break
        await __import__("asyncio").sleep(0.05)
    assert [m["message"] for m in service.fake.received] == [f"blorp {n}" for n in range(20)]
    r = await service.http.get(f"/api/conversations/{cid}/messages", headers=auth(conv["token"]))
    messages = r.json()["messages"]
    assert [m["seq"] for m in messages] == list(range(1, len(messages) + 1))
    customer_texts = [m["text"] for m in messages if m["role"] == "customer"]
    assert customer_texts == [f"blorp {n}" for n in range(20)]


async def test_reconnect_replays_missed_messages(service: Service) -> None:
    conv = await service.conversation()
    cid = conv["conversation_id"]
    url = f"/api/conversations/{cid}/messages"
    await service.http.post(
        url, headers=auth(conv["token"]), json={"client_message_id": "1", "text": "cancel"}
    )
    async with ws_connect(
        f"{service.ws_url}/ws/conversations/{cid}?token={conv['token']}&after=1"
    ) as ws:
        hello = await recv_until(ws, lambda f: f["type"] == "hello")
        assert hello["conversation"]["last_seq"] == 2
        replay = await recv_until(ws, lambda f: f["type"] == "message")
        assert replay["message"]["seq"] == 2 and replay["message"]["role"] == "bot"


async def test_bot_error_queues_for_a_human_and_says_so(service: Service) -> None:
    service.fake.mode = "error"
    agent = await service.user("ana@shop.example")
    await service.http.put(
        "/api/agent/status", headers=auth(agent["token"]), json={"available": True}
    )
    conv = await service.conversation()
    r = await service.http.post(
        f"/api/conversations/{conv['conversation_id']}/messages",
        headers=auth(conv["token"]),
        json={"client_message_id": "1", "text": "where is my parcel?"},
    )
    replies = r.json()["replies"]
    assert [m["role"] for m in replies] == ["system", "system"]
    assert "assistant is not working" in replies[0]["text"]
    assert "number 1 in the queue" in replies[1]["text"]
    queue = (await service.http.get("/api/queue", headers=auth(agent["token"]))).json()
    assert queue["handoffs"][0]["reason"] == "bot_unavailable"
    detail = (
        await service.http.get(
            f"/api/handoffs/{queue['handoffs'][0]['id']}", headers=auth(agent["token"])
        )
    ).json()
    assert detail["context"]["tracker_available"] is False
    assert detail["context"]["transcript"][0]["text"] == "where is my parcel?"
    # Later messages go to the queue, not to the broken bot.
    before = len(service.fake.received)
    r = await service.http.post(
        f"/api/conversations/{conv['conversation_id']}/messages",
        headers=auth(conv["token"]),
        json={"client_message_id": "2", "text": "hello?"},
    )
    assert r.json()["replies"] == [] and len(service.fake.received) == before


async def test_bot_timeout_and_nobody_online(service_factory) -> None:  # type: ignore[no-untyped-def]
    service: Service = await service_factory(rasa_timeout=0.3)
    service.fake.mode = "hang"
    conv = await service.conversation(language="ko")
    cid = conv["conversation_id"]
    async with ws_connect(f"{service.ws_url}/ws/conversations/{cid}?token={conv['token']}") as ws:
        await ws.send(frame("message", client_message_id="1", text="배송 조회"))
        ack = await recv_until(ws, lambda f: f["type"] == "ack")
        assert ack["message"]["seq"] == 1
        notice = await recv_until(ws, is_msg("system", "상담원이 없습니다"))
        assert notice["message"]["seq"] == 3
        status = await recv_until(ws, lambda f: f["type"] == "status")
        assert status["conversation"]["queue"]["agents_online"] == 0
        assert status["conversation"]["queue"]["estimated_wait_seconds"] is None


async def test_unreachable_rasa(service_factory) -> None:  # type: ignore[no-untyped-def]
    from launcher import free_port

    service: Service = await service_factory(rasa_url=f"http://127.0.0.1:{free_port()}")
    conv = await service.conversation()
    r = await service.http.post(
        f"/api/conversations/{conv['conversation_id']}/messages",
        headers=auth(conv["token"]),
        json={"client_message_id": "1", "text": "hi"},
    )
    assert r.status_code == 201
    assert "No colleague is online" in r.json()["replies"][-1]["text"]
    state = (
        await service.http.get(
            f"/api/conversations/{conv['conversation_id']}", headers=auth(conv["token"])
        )
    ).json()
    assert state["mode"] == "queued" and state["queue"]["position"] == 1
