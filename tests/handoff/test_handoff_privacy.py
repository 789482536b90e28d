"""Issue 13: analysts see personal data masked everywhere; the people handling it see it."""

from __future__ import annotations

import json

from handoff.web.routes import PAGE_CSP
from tests.support.handoff_service import Service, auth

EMAIL = "minji.kim@example.com"
PHONE = "+49 30 1234567"


async def _handoff_with_personal_data(service: Service) -> tuple[dict, int]:
    conv = await service.conversation()
    for n, text in enumerate([f"my email is {EMAIL}, call {PHONE}", "I need a human"]):
        r = await service.http.post(
            f"/api/conversations/{conv['conversation_id']}/messages",
            headers=auth(conv["token"]),
            json={"client_message_id": f"m{n}", "text": text},
        )
        assert r.status_code == 201, r.text
    async with service.hub.db.session() as session:
        from handoff.store import repositories as repo

        handoff = await repo.open_handoff(session, conv["conversation_id"])
        assert handoff is not None
        return conv, handoff.id


async def test_analysts_see_masked_data_agents_and_admins_raw(service: Service) -> None:
    conv, handoff_id = await _handoff_with_personal_data(service)
    analyst = await service.user("ann@x.example", role="analyst")
    agent = await service.user("sam@x.example", role="agent")
    admin = await service.user("root@x.example", role="admin")
    r = await service.http.post(f"/api/handoffs/{handoff_id}/claim", headers=auth(agent["token"]))
    assert r.status_code == 200, r.text
    r = await service.http.post(
        f"/api/handoffs/{handoff_id}/notes",
        headers=auth(agent["token"]),
        json={"text": f"customer asked to be called on {PHONE}"},
    )
    assert r.status_code == 201, r.text
    paths = [
        f"/api/handoffs/{handoff_id}",
        f"/api/handoffs/{handoff_id}/messages",
        f"/api/handoffs/{handoff_id}/events",
        "/api/handoffs?status=all",
    ]
    for path in paths:
        r = await service.http.get(path, headers=auth(analyst["token"]))
        assert r.status_code == 200, r.text
        text = json.dumps(r.json(), ensure_ascii=False)
        assert EMAIL not in text and PHONE not in text, path
    detail = (
        await service.http.get(f"/api/handoffs/{handoff_id}", headers=auth(analyst["token"]))
    ).json()
    said = [m["text"] for m in detail["messages"] if m["role"] == "customer"]
    assert said[0] == "my email is [email], call [phone]"
    assert detail["notes"][0]["text"] == "customer asked to be called on [phone]"
    assert detail["id"] == handoff_id and detail["conversation_id"] == conv["conversation_id"]
    for user in (agent, admin):  # the agent handling it and the admin see it as written
        r = await service.http.get(f"/api/handoffs/{handoff_id}", headers=auth(user["token"]))
        text = json.dumps(r.json(), ensure_ascii=False)
        assert EMAIL in text and PHONE in text


async def test_console_csp_connects_only_to_its_own_origin(service: Service) -> None:
    r = await service.http.get("/console")
    csp = r.headers["content-security-policy"]
    assert csp == PAGE_CSP
    connect = next(d for d in csp.split(";") if d.strip().startswith("connect-src"))
    assert connect.split() == ["connect-src", "'self'"]
