"""The central scenario: the bot gathers everything, fails the cancellation, the customer asks for
a human; the agent sees every value without asking; the reply reaches the customer live; the
conversation is handed back to the bot; nothing is asked twice."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from tests.support.fake_rasa import ASK_EMAIL, ASK_ORDER
from tests.support.handoff_service import Service, auth, is_msg, recv_until, ws_connect


@pytest.mark.postgres
async def test_full_handoff_round_trip_on_postgres(pg_url: str, service_factory: Any) -> None:
    await test_full_handoff_round_trip(await service_factory(database_url=pg_url))


Say = Callable[[int, str], Awaitable[dict[str, Any]]]


async def _bot_fails_the_cancellation_and_queues(customer: Any, say: Say) -> None:
    ack = await say(1, "I want to cancel my order")
    assert ack["message"]["seq"] == 1
    await recv_until(customer, is_msg("bot", ASK_ORDER))
    await say(2, "It's EF-100010")
    await recv_until(customer, is_msg("bot", ASK_EMAIL))
    await say(3, "minji@example.com")
    refusal = await recv_until(customer, is_msg("bot", "already shipped"))
    assert refusal["message"]["buttons"][0]["payload"] == "/request_human"
    await say(4, "Then I want to talk to a human please")
    queued = await recv_until(customer, is_msg("system"))
    assert "number 1 in the queue" in queued["message"]["text"]
    status = await recv_until(customer, lambda f: f["type"] == "status")
    assert status["conversation"]["mode"] == "queued"
    assert status["conversation"]["queue"]["position"] == 1
    assert status["conversation"]["queue"]["agents_online"] == 1
    assert status["conversation"]["queue"]["estimated_wait_seconds"] > 0


def _assert_agent_sees_everything(detail: dict[str, Any], agent: dict[str, Any]) -> None:
    ctx = detail["context"]
    assert ctx["reason"] == "customer_request"
    assert ctx["slots"]["order_number"] == "EF-100010"
    assert ctx["slots"]["email"] == "minji@example.com"
    assert ctx["identity"] == {
        "customer_id": "C0002",
        "name": None,
        "email": "minji@example.com",
        "verified": True,
        "verification": "verified",
    }
    assert ctx["task"]["task"] == "cancel_order"
    assert ctx["task"]["status"] == "failure" and ctx["task"]["code"] == "already_shipped"
    assert ctx["orders"][0]["order_number"] == "EF-100010"
    assert ctx["orders"][0]["status"] == "shipped"
    assert "refused (already shipped)" in ctx["summary"] and "EF-100010" in ctx["summary"]
    transcript = [t["text"] for t in ctx["transcript"]]
    for said in (
        "I want to cancel my order",
        "It's EF-100010",
        "minji@example.com",
        "Then I want to talk to a human please",
    ):
        assert said in transcript
    assert [i["intent"] for i in ctx["intents"]] == [
        "cancel_order",
        "inform",
        "inform",
        "request_human",
    ]
    assert detail["status"] == "claimed" and detail["agent"]["id"] == agent["id"]


async def _agent_and_customer_talk_live(customer: Any, agent_ws: Any, hid: int, say: Say) -> None:
    joined = await recv_until(customer, is_msg("system"))
    assert "Sam" in joined["message"]["text"]
    await agent_ws.send(
        json.dumps(
            {
                "type": "message",
                "handoff_id": hid,
                "client_message_id": "a1",
                "text": "Hi Minji, DHL will return EF-100010 to us; you'll get a full refund.",
            }
        )
    )
    live = await recv_until(customer, is_msg("agent"))
    assert "full refund" in live["message"]["text"]
    assert live["message"]["agent_name"] == "Sam"
    await say(5, "Great, thank you!")
    relayed = await recv_until(agent_ws, is_msg("customer"))
    assert relayed["message"]["text"] == "Great, thank you!"
    assert relayed["handoff_id"] == hid


async def _assert_history_after_handback(
    service: Service, cid: str, token: str, hid: int, agent_token: str
) -> None:
    history = (
        await service.http.get(f"/api/conversations/{cid}/messages", headers=auth(token))
    ).json()
    texts = [m["text"] for m in history["messages"]]
    assert any("Return to sender arranged" in (t or "") for t in texts)
    seqs = [m["seq"] for m in history["messages"]]
    assert seqs == list(range(1, len(seqs) + 1))
    # Never asked for the same information twice.
    assert texts.count(ASK_ORDER) == 1
    assert texts.count(ASK_EMAIL) == 1
    # Only the customer's messages went to the bot, never the ones meant for the agent.
    sent = [m["message"] for m in service.fake.received]
    assert "Great, thank you!" not in sent
    first_metadata = dict(service.fake.received[0]["metadata"])
    assert isinstance(first_metadata.pop("handoff_message_id"), int)
    assert first_metadata == {"language": "en", "customer_id": None, "channel": "web"}
    state = (await service.http.get(f"/api/conversations/{cid}", headers=auth(token))).json()
    assert state["mode"] == "bot"
    events = (
        await service.http.get(f"/api/handoffs/{hid}/events", headers=auth(agent_token))
    ).json()
    assert [e["type"] for e in events["events"]] == ["requested", "claimed", "handed_back"]


async def test_full_handoff_round_trip(service: Service) -> None:
    agent = await service.user("sam@shop.example", languages=["en", "ko"])
    conv = await service.conversation(language="en")
    cid, token = conv["conversation_id"], conv["token"]

    async with (
        ws_connect(f"{service.ws_url}/ws/agent", headers=auth(agent["token"])) as agent_ws,
        ws_connect(f"{service.ws_url}/ws/conversations/{cid}?token={token}") as customer,
    ):
        await recv_until(agent_ws, lambda f: f["type"] == "hello")
        hello = await recv_until(customer, lambda f: f["type"] == "hello")
        assert hello["conversation"]["mode"] == "bot"

        async def say(n: int, text: str) -> dict[str, Any]:
            await customer.send(
                json.dumps({"type": "message", "client_message_id": f"m{n}", "text": text})
            )
            return await recv_until(customer, lambda f: f["type"] == "ack")

        await _bot_fails_the_cancellation_and_queues(customer, say)
        event = await recv_until(agent_ws, lambda f: f.get("reason") == "requested")
        hid = event["handoff_id"]
        queue = (await service.http.get("/api/queue", headers=auth(agent["token"]))).json()
        assert [h["id"] for h in queue["handoffs"]] == [hid]

        # The agent sees everything without asking.
        r = await service.http.post(f"/api/handoffs/{hid}/claim", headers=auth(agent["token"]))
        assert r.status_code == 200, r.text
        _assert_agent_sees_everything(r.json(), agent)

        # Agent reply reaches the customer live, and the customer's answer reaches the agent.
        await _agent_and_customer_talk_live(customer, agent_ws, hid, say)

        # Hand back: the bot resumes, knows the result and asks "anything else?".
        r = await service.http.post(
            f"/api/handoffs/{hid}/handback",
            headers=auth(agent["token"]),
            json={"note": "Return to sender arranged; full refund once it is back."},
        )
        assert r.status_code == 200, r.text
        assert r.json()["status"] == "handed_back"
        anything = await recv_until(customer, is_msg("bot", "anything else"))
        assert anything["message"]["role"] == "bot"

    await _assert_history_after_handback(service, cid, token, hid, agent["token"])
