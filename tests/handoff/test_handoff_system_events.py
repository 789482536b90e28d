"""System messages carry `custom.event` so the widget can react precisely (docs/api.md)."""

from __future__ import annotations

from typing import Any

from handoff.store import repositories as repo
from tests.support.handoff_service import Service, auth, post_message, ws_connect


async def _post(service: Service, conv: dict[str, Any], n: int, text: str) -> dict[str, Any]:
    return await post_message(service, conv, f"m{n}", text)


async def _history(service: Service, conv: dict[str, Any]) -> list[dict[str, Any]]:
    r = await service.http.get(
        f"/api/conversations/{conv['conversation_id']}/messages", headers=auth(conv["token"])
    )
    assert r.status_code == 200
    return list(r.json()["messages"])


def _events(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [m["custom"] for m in messages if m["role"] == "system"]


async def _queue_one(service: Service, conv: dict[str, Any]) -> int:
    text = "I want to talk to a human please"
    if conv.get("language") == "ko":  # the gateway detects the language of every message
        text = "상담원(human)이랑 얘기하고 싶어요"
    await _post(service, conv, 1, text)
    async with service.hub.db.session() as session:
        handoff = await repo.open_handoff(session, conv["conversation_id"])
        assert handoff is not None
        return handoff.id


async def test_lifecycle_events_and_hand_back_notice(service: Service) -> None:
    sam = await service.user("sam@example.com")
    kim = await service.user("kim@example.com")
    conv = await service.conversation(language="en")
    # Sam is online (agent socket open) so the customer gets a wait estimate.
    async with ws_connect(f"{service.ws_url}/ws/agent", headers=auth(sam["token"])) as sam_ws:
        await sam_ws.recv()  # hello: Sam is available from here on
        reply = await _post(service, conv, 1, "I want to talk to a human please")
        queued = [m for m in reply["replies"] if m["role"] == "system"]
        assert [m["custom"]["event"] for m in queued] == ["queued"]
        custom = queued[0]["custom"]
        assert custom["position"] == 1 and custom["agents_online"] == 1
        assert custom["estimated_wait_seconds"] > 0 and custom["minutes"] >= 1
        assert "number 1 in the queue" in queued[0]["text"]
        async with service.hub.db.session() as session:
            handoff = await repo.open_handoff(session, conv["conversation_id"])
            assert handoff is not None
            hid = handoff.id

        r = await service.http.post(f"/api/handoffs/{hid}/claim", headers=auth(sam["token"]))
        assert r.status_code == 200
        r = await service.http.post(
            f"/api/handoffs/{hid}/transfer",
            headers=auth(sam["token"]),
            json={"agent_id": kim["id"]},
        )
        assert r.status_code == 200, r.text
        r = await service.http.post(
            f"/api/handoffs/{hid}/handback",
            headers=auth(kim["token"]),
            json={"note": "Return to sender arranged"},
        )
        assert r.status_code == 200, r.text

    messages = await _history(service, conv)
    events = _events(messages)
    assert [e["event"] for e in events] == ["queued", "agent_joined", "transferred", "handed_back"]
    assert events[1]["agent_name"] == "Sam"
    assert events[2] == {
        "event": "transferred",
        "agent_name": "Kim",
        "from_agent_name": "Sam",
    }
    assert events[3] == {
        "event": "handed_back",
        "agent_name": "Kim",
        "resolution": "Return to sender arranged",
    }
    # The customer is told before the bot speaks again.
    back = next(
        i for i, m in enumerate(messages) if (m["custom"] or {}).get("event") == "handed_back"
    )
    assert messages[back]["text"] == "Kim has passed you back to the assistant."
    after = messages[back + 1 :]
    assert after and all(m["role"] == "bot" for m in after)
    # The agent's outcome is said once, by the bot.
    said = [m for m in messages if "Return to sender arranged" in (m["text"] or "")]
    assert [m["role"] for m in said] == ["bot"]
    assert messages[back]["agent_name"] == "Kim"


async def test_nobody_online_resolved_and_bot_unavailable(service_factory) -> None:  # type: ignore[no-untyped-def]
    service = await service_factory()
    sam = await service.user("sam@example.com")
    conv = await service.conversation(language="ko")
    hid = await _queue_one(service, conv)
    r = await service.http.post(f"/api/handoffs/{hid}/claim", headers=auth(sam["token"]))
    assert r.status_code == 200
    r = await service.http.post(
        f"/api/handoffs/{hid}/resolve", headers=auth(sam["token"]), json={"note": "done"}
    )
    assert r.status_code == 200
    events = _events(await _history(service, conv))
    # after an agent resolved, the service asks the CES question itself
    assert [e["event"] for e in events] == ["nobody_online", "agent_joined", "resolved", "ces"]
    assert events[0]["agents_online"] == 0 and events[0]["position"] == 1
    assert events[2]["agent_name"] == "Sam"

    down = await service_factory(rasa_url="http://127.0.0.1:9")
    conv = await down.conversation()
    reply = await _post(down, conv, 1, "hello")
    assert [m["custom"]["event"] for m in reply["replies"]] == ["bot_unavailable", "nobody_online"]


async def test_agent_logout_requeues_with_agent_left(service: Service) -> None:
    sam = await service.user("sam@example.com")
    conv = await service.conversation()
    hid = await _queue_one(service, conv)
    r = await service.http.post(f"/api/handoffs/{hid}/claim", headers=auth(sam["token"]))
    assert r.status_code == 200
    r = await service.http.post("/api/auth/logout", headers=auth(sam["token"]))
    assert r.status_code == 200 and r.json()["released"] == [hid]
    events = _events(await _history(service, conv))
    assert [e["event"] for e in events][-2:] == ["agent_left", "nobody_online"]
    assert events[-2]["agent_name"] == "Sam"
    state = (
        await service.http.get(
            f"/api/conversations/{conv['conversation_id']}", headers=auth(conv["token"])
        )
    ).json()
    assert state["mode"] == "queued" and state["agent"] is None
    kim = await service.user("kim@example.com")
    r = await service.http.get("/api/queue", headers=auth(kim["token"]))
    assert [h["id"] for h in r.json()["handoffs"]] == [hid]
    r = await service.http.post(f"/api/handoffs/{hid}/claim", headers=auth(kim["token"]))
    assert r.status_code == 200 and r.json()["agent"]["name"] == "Kim"
