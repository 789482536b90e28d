"""Agent view of the customer's presence (typing, leaving, reconnecting, ending a chat) and
the handoff command-line interface."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

from handoff.store import repositories as repo
from tests.support.handoff_service import (
    Service,
    auth,
    frame,
    queued_conversation,
    recv_until,
    ws_connect,
)

ROOT = Path(__file__).resolve().parents[2]


async def test_take_next_prefers_a_customer_who_is_still_in_the_chat(service: Service) -> None:
    sam = await service.user("sam@shop.example")
    gone = await queued_conversation(service)
    here = await queued_conversation(service)
    async with service.hub.db.session() as session:
        conversation = await repo.get_conversation(session, gone["conversation_id"])
        assert conversation is not None
        conversation.customer_present = False
    taken = []
    for _ in range(2):
        r = await service.http.post("/api/queue/next", headers=auth(sam["token"]))
        assert r.status_code == 200
        taken.append(r.json()["conversation_id"])
    # the older conversation's customer left: the one still waiting in the chat comes first,
    # and the left one is still taken when nobody else waits (the reply goes by e-mail)
    assert taken == [here["conversation_id"], gone["conversation_id"]]


async def test_typing_and_customer_leaving_are_shown_to_the_agent(service: Service) -> None:
    sam = await service.user("sam@shop.example")
    conv = await queued_conversation(service)
    cid = conv["conversation_id"]
    hid = (await service.http.post("/api/queue/next", headers=auth(sam["token"]))).json()["id"]
    async with ws_connect(f"{service.ws_url}/ws/agent", headers=auth(sam["token"])) as agent_ws:
        await recv_until(agent_ws, lambda f: f["type"] == "hello")
        async with ws_connect(
            f"{service.ws_url}/ws/conversations/{cid}?token={conv['token']}"
        ) as ws:
            await recv_until(ws, lambda f: f["type"] == "hello")
            await ws.send(frame("typing", typing=True))
            typing = await recv_until(agent_ws, lambda f: f["type"] == "typing")
            assert typing == {
                "type": "typing",
                "handoff_id": hid,
                "conversation_id": cid,
                "agent_id": sam["id"],
                "role": "customer",
                "typing": True,
            }
            await agent_ws.send(frame("typing", handoff_id=hid, typing=True))
            t = await recv_until(ws, lambda f: f["type"] == "typing")
            assert t["role"] == "agent" and t["typing"] is True
        left = await recv_until(agent_ws, lambda f: f["type"] == "customer_left", timeout=5)
        assert left["handoff_id"] == hid and left["explicit"] is False
        async with ws_connect(
            f"{service.ws_url}/ws/conversations/{cid}?token={conv['token']}"
        ) as ws:
            back = await recv_until(agent_ws, lambda f: f["type"] == "customer_returned")
            assert back["conversation_id"] == cid
            await ws.send(frame("leave"))
            left = await recv_until(agent_ws, lambda f: f["type"] == "customer_left")
            assert left["explicit"] is True
    events = (
        await service.http.get(f"/api/handoffs/{hid}/events", headers=auth(sam["token"]))
    ).json()
    abandoned = [e for e in events["events"] if e["type"] == "abandoned"]
    assert [e["data"]["explicit"] for e in abandoned] == [False, True]


async def test_reconnect_within_grace_is_not_a_leave(service_factory) -> None:  # type: ignore[no-untyped-def]
    service: Service = await service_factory(leave_grace_seconds=0.5)
    conv = await queued_conversation(service)
    cid = conv["conversation_id"]
    url = f"{service.ws_url}/ws/conversations/{cid}?token={conv['token']}"
    async with ws_connect(url):
        pass
    async with ws_connect(url):
        await asyncio.sleep(0.8)
    async with service.hub.db.session() as session:
        from handoff.store import repositories as repo

        c = await repo.get_conversation(session, cid)
        assert c is not None and c.customer_present is True


def test_cli_migrate_and_create_user(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "HANDOFF_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}",
        "HANDOFF_LOG_FORMAT": "json",
    }
    run = [sys.executable, "-m", "handoff"]
    out = subprocess.run([*run, "migrate"], env=env, cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    args = [
        "create-user",
        "--email",
        "a@b.example",
        "--name",
        "A",
        "--role",
        "supervisor",
        "--password",
        "long-enough-pw",
    ]
    out = subprocess.run([*run, *args], env=env, cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert '"msg": "user created"' in out.stderr
    out = subprocess.run([*run, *args], env=env, cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 1 and "already exists" in out.stderr
    bad = {**env, "HANDOFF_ENV": "production"}
    out = subprocess.run([*run, "migrate"], env=bad, cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 2 and "default secrets" in out.stderr


async def test_an_anonymous_chat_the_customer_ended_leaves_the_queue(service: Service) -> None:
    from handoff.config import DEFAULT_SHOP_SECRET
    from handoff.security import shop_customer_token

    sam = await service.user("sam@shop.example")
    anonymous = await queued_conversation(service)
    signed = await service.conversation(
        customer_token=shop_customer_token(DEFAULT_SHOP_SECRET, {"sub": "C0001", "exp": 4102444800})
    )
    r = await service.http.post(
        f"/api/conversations/{signed['conversation_id']}/messages",
        headers=auth(signed["token"]),
        json={"client_message_id": "1", "text": "I need a human"},
    )
    assert r.status_code == 201
    queued = (await service.http.get("/api/queue", headers=auth(sam["token"]))).json()["handoffs"]
    ids = {h["conversation_id"]: h["id"] for h in queued}
    assert set(ids) == {anonymous["conversation_id"], signed["conversation_id"]}

    async with ws_connect(f"{service.ws_url}/ws/agent", headers=auth(sam["token"])) as agent_ws:
        await recv_until(agent_ws, lambda f: f["type"] == "hello")
        # Both customers end the chat ("End chat" in the widget: the REST twin of the frame).
        for conv in (anonymous, signed):
            r = await service.http.post(
                f"/api/conversations/{conv['conversation_id']}/leave", headers=auth(conv["token"])
            )
            assert r.status_code == 200
        gone = await recv_until(
            agent_ws, lambda f: f["type"] == "queue" and f.get("reason") == "abandoned"
        )
        assert gone["handoff_id"] == ids[anonymous["conversation_id"]]

    # Nobody can answer the anonymous customer any more: out of the queue, not claimable.
    queued = (await service.http.get("/api/queue", headers=auth(sam["token"]))).json()["handoffs"]
    assert [h["conversation_id"] for h in queued] == [signed["conversation_id"]]
    hid = ids[anonymous["conversation_id"]]
    r = await service.http.post(f"/api/handoffs/{hid}/claim", headers=auth(sam["token"]))
    assert r.status_code == 409 and r.json()["code"] == "already_claimed"
    detail = (await service.http.get(f"/api/handoffs/{hid}", headers=auth(sam["token"]))).json()
    assert detail["status"] == "abandoned" and detail["closed_at"] is not None
    closed = (
        await service.http.get("/api/handoffs?status=closed", headers=auth(sam["token"]))
    ).json()["handoffs"]
    assert hid in [h["id"] for h in closed]
    # The signed-in customer can be answered later (they see it when they come back): it stays.
    r = await service.http.post("/api/queue/next", headers=auth(sam["token"]))
    assert r.status_code == 200 and r.json()["conversation_id"] == signed["conversation_id"]
    # A socket that merely dropped (no explicit end) never withdraws a handoff.
    again = await queued_conversation(service)
    url = f"{service.ws_url}/ws/conversations/{again['conversation_id']}?token={again['token']}"
    async with ws_connect(url) as ws:
        await recv_until(ws, lambda f: f["type"] == "hello")
    for _ in range(50):  # the leave grace (0.3 s) runs out
        await asyncio.sleep(0.1)
        async with service.hub.db.session() as session:
            c = await repo.get_conversation(session, again["conversation_id"])
            if c is not None and not c.customer_present:
                break
    queued = (await service.http.get("/api/queue", headers=auth(sam["token"]))).json()["handoffs"]
    assert [h["conversation_id"] for h in queued] == [again["conversation_id"]]
    assert queued[0]["customer_present"] is False
