"""Agent API: roles, queue priority and routing, notes, transfer, resolve, colleagues.
Presence and the CLI are in test_handoff_presence_cli.py."""

from __future__ import annotations

from typing import Any

from handoff.store import repositories as repo
from tests.support.handoff_service import (
    Service,
    auth,
    queued_conversation,
    recv_until,
    ws_connect,
)


async def test_every_agent_endpoint_requires_auth_and_role(service: Service) -> None:
    for method, path in [
        ("GET", "/api/queue"),
        ("GET", "/api/handoffs"),
        ("GET", "/api/handoffs/1"),
        ("POST", "/api/handoffs/1/claim"),
        ("POST", "/api/users"),
        ("GET", "/api/agents"),
        ("GET", "/api/auth/me"),
    ]:
        r = await service.http.request(method, path)
        assert r.status_code == 401, (method, path)
        assert r.json()["code"] == "unauthorized"
    r = await service.http.get("/api/queue", headers=auth("forged-token"))
    assert r.status_code == 401
    r = await service.http.post(
        "/api/auth/login", json={"email": "nobody@x.example", "password": "whatever1"}
    )
    assert r.status_code == 401 and r.json()["code"] == "invalid_credentials"

    analyst = await service.user("ann@shop.example", role="analyst")
    agent = await service.user("sam@shop.example")
    admin = await service.user("root@shop.example", role="admin")
    await queued_conversation(service)
    handoffs = (await service.http.get("/api/handoffs", headers=auth(analyst["token"]))).json()
    hid = handoffs["handoffs"][0]["id"]
    assert (
        await service.http.get(f"/api/handoffs/{hid}", headers=auth(analyst["token"]))
    ).status_code == 200
    r = await service.http.post(f"/api/handoffs/{hid}/claim", headers=auth(analyst["token"]))
    assert r.status_code == 403 and r.json()["code"] == "forbidden"
    r = await service.http.get("/api/queue", headers=auth(analyst["token"]))
    assert r.status_code == 403
    new_user = {
        "email": "kim@shop.example",
        "name": "Kim",
        "role": "agent",
        "password": "pw-123456",
    }
    r = await service.http.post("/api/users", headers=auth(agent["token"]), json=new_user)
    assert r.status_code == 403
    r = await service.http.post("/api/users", headers=auth(admin["token"]), json=new_user)
    assert r.status_code == 201 and r.json()["role"] == "agent"
    r = await service.http.post("/api/users", headers=auth(admin["token"]), json=new_user)
    assert r.status_code == 409
    r = await service.http.post(
        "/api/users",
        headers=auth(admin["token"]),
        json={**new_user, "email": "x@y.z", "role": "god"},
    )
    assert r.status_code == 400 and r.json()["field"] == "role"
    # cookie session works too, and logout ends it
    r = await service.http.post(
        "/api/auth/login", json={"email": "kim@shop.example", "password": "pw-123456"}
    )
    assert "handoff_session" in r.headers.get("set-cookie", "")
    me = await service.http.get(
        "/api/auth/me", headers={"Cookie": f"handoff_session={r.json()['token']}"}
    )
    assert me.status_code == 200 and me.json()["email"] == "kim@shop.example"
    await service.http.post("/api/auth/logout", headers=auth(r.json()["token"]))
    assert (
        await service.http.get("/api/auth/me", headers=auth(r.json()["token"]))
    ).status_code == 401


async def test_queue_priority_and_language_routing(service: Service) -> None:
    en_agent = await service.user("en@shop.example", languages=["en"])
    ko_agent = await service.user("ko@shop.example", languages=["ko"])
    first = await queued_conversation(service, "en")
    korean = await queued_conversation(service, "ko")
    # A complaint jumps the FIFO queue.
    upset = await service.conversation(language="en")
    service.fake.mode = "error"
    await service.http.post(
        f"/api/conversations/{upset['conversation_id']}/messages",
        headers=auth(upset["token"]),
        json={"client_message_id": "1", "text": "hello"},
    )
    service.fake.mode = "ok"
    async with service.hub.db.session() as session:
        from handoff.store import repositories as repo

        h = await repo.open_handoff(session, upset["conversation_id"])
        assert h is not None
        h.priority, h.priority_reasons = 2, ["complaint"]

    en_queue = (await service.http.get("/api/queue", headers=auth(en_agent["token"]))).json()
    assert [h["conversation_id"] for h in en_queue["handoffs"]] == [
        upset["conversation_id"],
        first["conversation_id"],
    ]
    ko_queue = (await service.http.get("/api/queue", headers=auth(ko_agent["token"]))).json()
    assert [h["conversation_id"] for h in ko_queue["handoffs"]] == [korean["conversation_id"]]
    r = await service.http.post("/api/queue/next", headers=auth(ko_agent["token"]))
    assert r.status_code == 200 and r.json()["conversation_id"] == korean["conversation_id"]
    r = await service.http.post("/api/queue/next", headers=auth(ko_agent["token"]))
    assert r.status_code == 404 and r.json()["code"] == "queue_empty"
    r = await service.http.post("/api/queue/next", headers=auth(en_agent["token"]))
    assert r.json()["conversation_id"] == upset["conversation_id"]
    hid = r.json()["id"]
    r = await service.http.post(f"/api/handoffs/{hid}/claim", headers=auth(ko_agent["token"]))
    assert r.status_code == 409 and r.json()["code"] == "already_claimed"


async def test_repeat_contact_gets_priority_and_history(service: Service) -> None:
    agent = await service.user("sam@shop.example")
    from handoff.config import DEFAULT_SHOP_SECRET
    from handoff.security import shop_customer_token

    token = shop_customer_token(DEFAULT_SHOP_SECRET, {"sub": "C0001", "exp": 4102444800})
    earlier = await service.conversation(customer_token=token)
    await service.http.post(
        f"/api/conversations/{earlier['conversation_id']}/messages",
        headers=auth(earlier["token"]),
        json={"client_message_id": "1", "text": "I want to cancel my order"},
    )
    now = await service.conversation(customer_token=token)
    await service.http.post(
        f"/api/conversations/{now['conversation_id']}/messages",
        headers=auth(now["token"]),
        json={"client_message_id": "1", "text": "human please"},
    )
    queue = (await service.http.get("/api/queue", headers=auth(agent["token"]))).json()
    item = queue["handoffs"][0]
    assert item["priority_reasons"] == ["repeat_contact"] and item["priority"] > 0
    assert item["customer"]["id"] == "C0001" and item["customer"]["verified"] is True
    detail = (
        await service.http.get(f"/api/handoffs/{item['id']}", headers=auth(agent["token"]))
    ).json()
    previous = detail["context"]["previous_conversations"]
    assert [p["conversation_id"] for p in previous] == [earlier["conversation_id"]]
    # A date and a topic for each previous contact (its first message when no task is known).
    assert previous[0]["created_at"].endswith("Z")
    assert previous[0]["first_message"] == "I want to cancel my order"
    assert detail["context"]["identity"]["verification"] == "signed_in"


async def test_notes_transfer_resolve_and_events(service: Service) -> None:
    sam = await service.user("sam@shop.example")
    kim = await service.user("kim@shop.example")
    conv = await queued_conversation(service)
    hid = (await service.http.get("/api/handoffs", headers=auth(sam["token"]))).json()["handoffs"][
        0
    ]["id"]
    r = await service.http.post(
        f"/api/handoffs/{hid}/messages", headers=auth(sam["token"]), json={"text": "hi"}
    )
    assert r.status_code == 409 and r.json()["code"] == "handoff_not_claimed"
    await _note_transfer_and_reply(service, hid, sam, kim)
    r = await service.http.post(
        f"/api/handoffs/{hid}/resolve", headers=auth(kim["token"]), json={"note": "refunded"}
    )
    assert r.status_code == 200
    detail = r.json()
    assert detail["status"] == "resolved" and detail["resolution"] == "refunded"
    assert [n["text"] for n in detail["notes"]] == [
        "SECRET: VIP customer",
        "Transfer note: billing",
    ]
    assert [e["type"] for e in detail["events"]] == [
        "requested",
        "claimed",
        "transferred",
        "resolved",
    ]
    assert all(e["at"] for e in detail["events"])
    await _customer_sees_no_notes_and_the_bot_resumes(service, hid, conv, kim)


async def _note_transfer_and_reply(
    service: Service, hid: int, sam: dict[str, Any], kim: dict[str, Any]
) -> None:
    """Sam claims and writes a private note, transfers to Kim, who replies (idempotently)."""
    await service.http.post(f"/api/handoffs/{hid}/claim", headers=auth(sam["token"]))
    r = await service.http.post(
        f"/api/handoffs/{hid}/notes",
        headers=auth(sam["token"]),
        json={"text": "SECRET: VIP customer"},
    )
    assert r.status_code == 201
    r = await service.http.post(
        f"/api/handoffs/{hid}/messages", headers=auth(kim["token"]), json={"text": "hi"}
    )
    assert r.status_code == 403 and r.json()["code"] == "not_assigned"
    r = await service.http.post(
        f"/api/handoffs/{hid}/transfer",
        headers=auth(sam["token"]),
        json={"agent_id": kim["id"], "note": "billing"},
    )
    assert r.status_code == 200 and r.json()["agent"]["id"] == kim["id"]
    r = await service.http.post(
        f"/api/handoffs/{hid}/transfer", headers=auth(kim["token"]), json={"agent_id": 999}
    )
    assert r.status_code == 400
    r = await service.http.post(
        f"/api/handoffs/{hid}/messages",
        headers=auth(kim["token"]),
        json={"text": "Kim here, done.", "client_message_id": "k1"},
    )
    assert r.status_code == 201
    r2 = await service.http.post(
        f"/api/handoffs/{hid}/messages",
        headers=auth(kim["token"]),
        json={"text": "Kim here, done.", "client_message_id": "k1"},
    )
    assert r2.status_code == 200 and r2.json()["message"]["seq"] == r.json()["message"]["seq"]


async def _customer_sees_no_notes_and_the_bot_resumes(
    service: Service, hid: int, conv: dict[str, str], kim: dict[str, Any]
) -> None:
    cid = conv["conversation_id"]
    customer_view = (
        await service.http.get(f"/api/conversations/{cid}/messages", headers=auth(conv["token"]))
    ).json()
    texts = " ".join(m["text"] or "" for m in customer_view["messages"])
    assert "SECRET" not in texts and "billing" not in texts
    assert "Kim here, done." in texts
    roles = [m["role"] for m in customer_view["messages"]]
    assert {"customer", "bot", "system", "agent"} <= set(roles)
    state = (
        await service.http.get(f"/api/conversations/{cid}", headers=auth(conv["token"]))
    ).json()
    assert state["mode"] == "closed"
    r = await service.http.post(f"/api/handoffs/{hid}/resolve", headers=auth(kim["token"]), json={})
    assert r.status_code == 409
    # The bot was resumed: a later message reopens the conversation with the bot.
    r = await service.http.post(
        f"/api/conversations/{cid}/messages",
        headers=auth(conv["token"]),
        json={"client_message_id": "later", "text": "I want to cancel another order"},
    )
    assert [m["role"] for m in r.json()["replies"]] == ["bot"]
    state = (
        await service.http.get(f"/api/conversations/{cid}", headers=auth(conv["token"]))
    ).json()
    assert state["mode"] == "bot"


async def test_agents_list_colleagues_for_transfer_without_private_fields(
    service: Service,
) -> None:
    sam = await service.user("sam@shop.example", languages=["en"])
    kim = await service.user("kim@shop.example", languages=["ko"])
    boss = await service.user("boss@shop.example", role="supervisor")
    analyst = await service.user("ann@shop.example", role="analyst")
    async with ws_connect(f"{service.ws_url}/ws/agent", headers=auth(kim["token"])) as kim_ws:
        await recv_until(kim_ws, lambda f: f["type"] == "hello")
        r = await service.http.get("/api/agents", headers=auth(sam["token"]))
        assert r.status_code == 200, r.text
        listed = {a["name"]: a for a in r.json()["agents"]}
        assert set(listed) == {"Sam", "Kim", "Boss"}  # agents+, not the analyst
        assert listed["Kim"] == {
            "id": kim["id"],
            "name": "Kim",
            "languages": ["ko"],
            "online": True,
        }
        assert listed["Sam"]["online"] is False
        for entry in r.json()["agents"]:
            assert set(entry) == {"id", "name", "languages", "online"}
        assert "shop.example" not in r.text and "argon2" not in r.text
        # Supervisors keep the full view.
        r = await service.http.get("/api/agents", headers=auth(boss["token"]))
        full = {a["name"]: a for a in r.json()["agents"]}
        assert full["Kim"]["email"] == "kim@shop.example" and full["Kim"]["role"] == "agent"
        assert "password_hash" not in full["Kim"]
    r = await service.http.get("/api/agents", headers=auth(analyst["token"]))
    assert r.status_code == 403

    # The id from the list is what transfer takes.
    conv = await queued_conversation(service)
    async with service.hub.db.session() as session:
        handoff = await repo.open_handoff(session, conv["conversation_id"])
        assert handoff is not None
    await service.http.post(f"/api/handoffs/{handoff.id}/claim", headers=auth(sam["token"]))
    r = await service.http.post(
        f"/api/handoffs/{handoff.id}/transfer",
        headers=auth(sam["token"]),
        json={"agent_id": listed["Kim"]["id"]},
    )
    assert r.status_code == 200 and r.json()["agent"]["name"] == "Kim"
