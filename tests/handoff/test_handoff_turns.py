"""Durable bot turns (handoff.gateway.turns): claimed once, re-driven after a crash without a
second send to the bot, answered within the deadline whatever hangs, resends get the replies."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select, update

from handoff.gateway import sweeper, turns
from handoff.store.models import Message, utcnow
from launcher import Launcher, Spec, components, free_port
from tests.support.handoff_service import Service, auth

ROOT = Path(__file__).resolve().parents[2]


async def _post(service: Service, conv: dict[str, Any], cid_: str, text: str) -> httpx.Response:
    return await service.http.post(
        f"/api/conversations/{conv['conversation_id']}/messages",
        headers=auth(conv["token"]),
        json={"client_message_id": cid_, "text": text},
    )


async def _history(service: Service, conv: dict[str, Any]) -> list[dict[str, Any]]:
    r = await service.http.get(
        f"/api/conversations/{conv['conversation_id']}/messages", headers=auth(conv["token"])
    )
    return list(r.json()["messages"])


async def _wait_for(predicate: Any, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if await predicate():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("condition not met in time")


async def test_turn_is_done_and_locks_are_pruned(service: Service) -> None:
    conv = await service.conversation()
    r = await _post(service, conv, "a", "I want to cancel")
    assert r.status_code == 201 and r.json()["pending"] is False
    async with service.hub.db.session() as session:
        stored = (await session.execute(select(Message).order_by(Message.seq))).scalars().all()
    assert [(m.role, m.bot_status) for m in stored] == [("customer", "done"), ("bot", None)]
    assert len(service.hub.locks) == 0  # nothing per conversation is kept after the turn


async def test_hung_bot_gets_a_notice_then_a_human_within_the_deadline(
    service_factory: Any,
) -> None:
    service: Service = await service_factory(rasa_timeout=1.0, still_checking_seconds=0.3)
    service.fake.mode = "hang"
    conv = await service.conversation()
    started = time.monotonic()
    r = await _post(service, conv, "1", "Where is my order?")
    elapsed = time.monotonic() - started
    # The REST customer hears the notice when it is due, not only with the deadline's answer.
    assert r.status_code == 201 and r.json()["pending"] is True
    assert elapsed < 0.9
    assert [m["custom"]["event"] for m in r.json()["replies"]] == ["still_checking"]
    assert r.json()["replies"][0]["text"] == "One moment, I'm still checking that for you."

    async def queued() -> bool:
        return len(await _history(service, conv)) == 4

    await _wait_for(queued, timeout=2.0)
    history = await _history(service, conv)
    events = [(m["custom"] or {}).get("event") for m in history[1:]]
    assert events == ["still_checking", "bot_unavailable", "nobody_online"]
    assert time.monotonic() - started < 2.0
    state = (
        await service.http.get(
            f"/api/conversations/{conv['conversation_id']}", headers=auth(conv["token"])
        )
    ).json()
    assert state["mode"] == "queued"
    # Recovery is automatic: once the bot answers again, the next conversation gets the bot.
    service.fake.mode = "ok"
    other = await service.conversation(language="ko")
    r = await _post(service, other, "1", "I want to cancel")
    assert [m["role"] for m in r.json()["replies"]] == ["bot"]


async def test_korean_still_checking_notice(service_factory: Any) -> None:
    service: Service = await service_factory(rasa_timeout=0.8, still_checking_seconds=0.2)
    service.fake.mode = "hang"
    conv = await service.conversation(language="ko")
    r = await _post(service, conv, "1", "배송 조회")
    assert r.json()["replies"][0]["text"] == "잠시만요, 아직 확인하고 있습니다."


async def test_a_slow_turn_answers_a_rest_send_with_the_notice_then_the_reply(
    service_factory: Any,
) -> None:
    """Rasa takes longer than the notice's time: the POST answers with "still checking" and
    `pending: true` at once, and the bot's reply follows in GET …/messages (not twice)."""
    service: Service = await service_factory(rasa_timeout=3.0, still_checking_seconds=0.3)
    service.fake.mode, service.fake.reply_delay = "slow_reply", 1.2
    conv = await service.conversation()
    started = time.monotonic()
    r = await _post(service, conv, "1", "I want to cancel")
    assert time.monotonic() - started < 1.0
    assert r.json()["pending"] is True
    assert [m["custom"]["event"] for m in r.json()["replies"]] == ["still_checking"]

    async def answered() -> bool:
        return [m["role"] for m in await _history(service, conv)] == ["customer", "system", "bot"]

    await _wait_for(answered, timeout=3.0)
    again = await _post(service, conv, "1", "I want to cancel")  # a resend now gets it all
    assert again.json()["pending"] is False
    assert [m["role"] for m in again.json()["replies"]] == ["system", "bot"]
    assert len(service.fake.received) == 1


async def test_a_quick_turn_still_answers_in_the_response(service_factory: Any) -> None:
    service: Service = await service_factory(rasa_timeout=3.0, still_checking_seconds=1.0)
    service.fake.mode, service.fake.reply_delay = "slow_reply", 0.3
    conv = await service.conversation()
    r = await _post(service, conv, "1", "I want to cancel")
    assert r.json()["pending"] is False
    assert [m["role"] for m in r.json()["replies"]] == ["bot"]


async def test_a_resend_after_a_restart_hears_the_notice_at_once(service_factory: Any) -> None:
    """The message was sent long ago (its driver died with the process): the resend that
    re-drives it answers with "still checking" at once instead of after the whole turn."""
    service: Service = await service_factory(rasa_timeout=3.0, still_checking_seconds=1.0)
    service.fake.mode, service.fake.reply_delay = "slow_reply", 1.5
    conv = await service.conversation()
    await _abandon(service, conv["conversation_id"], "I want to cancel", running=True)
    started = time.monotonic()
    r = await _post(service, conv, "lost-I want to cancel", "I want to cancel")
    assert time.monotonic() - started < 0.8
    assert r.status_code == 200 and r.json()["pending"] is True
    assert [m["custom"]["event"] for m in r.json()["replies"]] == ["still_checking"]

    async def answered() -> bool:
        return [m["role"] for m in await _history(service, conv)] == ["customer", "system", "bot"]

    await _wait_for(answered, timeout=4.0)
    # Told once: a second resend gets the same notice and the reply, no second notice.
    again = await _post(service, conv, "lost-I want to cancel", "I want to cancel")
    assert [m["role"] for m in again.json()["replies"]] == ["system", "bot"]


async def test_bot_saying_nothing_is_queued_as_bot_unavailable(service: Service) -> None:
    """A dead action server: Rasa answers 200 with no messages at all."""
    service.fake.mode = "empty"
    conv = await service.conversation()
    r = await _post(service, conv, "1", "I want to cancel")
    assert r.status_code == 201
    replies = r.json()["replies"]
    assert [m["custom"]["event"] for m in replies] == ["bot_unavailable", "nobody_online"]
    async with service.hub.db.session() as session:
        from handoff.store.repositories import open_handoff

        handoff = await open_handoff(session, conv["conversation_id"])
    assert handoff is not None and handoff.reason == "bot_unavailable"


async def test_concurrent_resends_send_the_message_to_the_bot_once(service: Service) -> None:
    conv = await service.conversation()
    answers = await asyncio.gather(
        *(_post(service, conv, "same", "I want to cancel") for _ in range(5))
    )
    assert sorted(a.status_code for a in answers) == [200, 200, 200, 200, 201]
    assert [m["message"] for m in service.fake.received].count("I want to cancel") == 1
    for answer in answers:  # every resend gets the one stored reply
        assert [m["role"] for m in answer.json()["replies"]] == ["bot"]
        assert answer.json()["pending"] is False
    assert [m["role"] for m in await _history(service, conv)] == ["customer", "bot"]


async def _abandon(service: Service, conversation_id: str, text: str, *, running: bool) -> int:
    """Store a customer message as a driver that died would have left it."""
    from handoff.store import repositories as repo

    async with service.hub.db.session() as session:
        message = await repo.add_message(
            session,
            conversation_id=conversation_id,
            role="customer",
            text=text,
            payload={"text": text},
            client_message_id=f"lost-{text}",
        )
        message.bot_status = "running" if running else "pending"
        message.bot_attempts = 1 if running else 0
        message.bot_owner = "instance-that-died"
        message.bot_lease_until = utcnow() - timedelta(seconds=1)
        message.created_at = utcnow() - timedelta(seconds=30)
        return message.id


async def _live_lease(service: Service, conv: dict[str, Any], owner: str | None = None) -> int:
    """A turn some driver holds for another minute (by default the one that died); nobody may
    take it meanwhile."""
    message_id = await _abandon(service, conv["conversation_id"], "hello", running=True)
    values: dict[str, Any] = {"bot_lease_until": utcnow() + timedelta(seconds=60)}
    if owner is not None:
        values["bot_owner"] = owner
    async with service.hub.db.session() as session:
        await session.execute(update(Message).where(Message.id == message_id).values(**values))
    assert await turns.claim(service.hub, message_id) is None
    return message_id


async def test_a_restarted_instance_frees_its_own_turns_before_it_serves(
    service: Service,
) -> None:
    """After kill -9 the same instance starts again: the turn it was driving (leased to it for
    another minute) is free before the first request, not only after the first sweep."""
    from handoff import app as handoff_app

    conv = await service.conversation()
    message_id = await _live_lease(service, conv, owner=service.hub.settings.instance)
    restarted = handoff_app.create_app(service.hub.settings, name="handoff-restarted")
    await handoff_app._start(restarted)  # before_server_start: nothing served, no sweep yet
    try:
        assert await turns.claim(restarted.ctx.hub, message_id) == 1
    finally:
        await handoff_app._stop(restarted)


async def test_sweeper_drives_a_turn_nobody_claimed(service_factory: Any) -> None:
    service: Service = await service_factory(turn_sweep_seconds=0.1)
    conv = await service.conversation()
    await _abandon(service, conv["conversation_id"], "I want to cancel", running=False)

    async def answered() -> bool:
        return [m["role"] for m in await _history(service, conv)] == ["customer", "bot"]

    await _wait_for(answered)
    assert [m["message"] for m in service.fake.received] == ["I want to cancel"]


async def test_redrive_after_a_crash_takes_the_replies_rasa_already_gave(
    service_factory: Any,
) -> None:
    """The driver died after Rasa processed the message: its replies come from the tracker and
    the message is not sent to the bot a second time."""
    service: Service = await service_factory(turn_sweep_seconds=0.1)
    conv = await service.conversation()
    cid = conv["conversation_id"]
    message_id = await _abandon(service, cid, "I want to cancel", running=True)
    async with httpx.AsyncClient(base_url=service.hub.settings.rasa_url) as rasa:
        first = await rasa.post(
            "/webhooks/rest/webhook",
            json={
                "sender": cid,
                "message": "I want to cancel",
                "metadata": {"language": "en", turns.META_KEY: message_id},
            },
        )
    assert first.json()[0]["text"] == "What is your order number?"

    async def answered() -> bool:
        return len(await _history(service, conv)) == 2

    await _wait_for(answered)
    history = await _history(service, conv)
    assert [(m["role"], m["text"]) for m in history] == [
        ("customer", "I want to cancel"),
        ("bot", "What is your order number?"),
    ]
    assert len(service.fake.received) == 1  # only the one the dead driver sent
    assert service.fake.processed(cid) == ["I want to cancel"]


async def test_a_live_lease_is_not_taken(service: Service) -> None:
    conv = await service.conversation()
    await _live_lease(service, conv)
    assert await sweeper.sweep_once(service.hub) == 0
    r = await _post(service, conv, "lost-hello", "hello")  # the customer's resend
    assert r.status_code == 200 and r.json()["pending"] is True and r.json()["replies"] == []
    assert service.fake.received == []


def _handoff(port: int, db: Path, rasa_url: str, log: Path) -> Spec:
    env = {
        "HANDOFF_DATABASE_URL": f"sqlite+aiosqlite:///{db}",
        "RASA_URL": rasa_url,
        "RASA_TOKEN": "rasa-token",
        "HANDOFF_LOG_FORMAT": "json",
    }
    return components.handoff(port, env, log=log)


async def test_kill_9_mid_turn_then_restart_answers_once(
    tmp_path: Path, fake_rasa: tuple[Any, str]
) -> None:
    """The real process dies (SIGKILL) while Rasa is answering; after a restart the customer's
    resend gets the bot's answer, which Rasa produced exactly once."""
    fake, rasa_url = fake_rasa
    fake.mode, fake.reply_delay = "slow_reply", 30.0
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with Launcher() as launcher:
        process = launcher.add(_handoff(port, tmp_path / "h.db", rasa_url, tmp_path / "h.log"))
        process.start()
        # In a thread: the fake Rasa answers on this event loop meanwhile.
        await asyncio.to_thread(process.wait_ready, 30)
        async with httpx.AsyncClient(base_url=url, timeout=10) as client:
            conv = (await client.post("/api/conversations", json={"language": "en"})).json()
            cid = conv["conversation_id"]
            path = f"/api/conversations/{cid}/messages"
            body = {"client_message_id": "m1", "text": "I want to cancel"}
            sending = asyncio.create_task(client.post(path, headers=auth(conv["token"]), json=body))
            await _wait_for(lambda: _true(fake.processed(cid) == ["I want to cancel"]))
            process.kill()
            try:
                await sending
            except httpx.HTTPError:
                pass  # the connection died with the process
            else:
                raise AssertionError("the killed process answered")
            fake.mode = "ok"
            await asyncio.to_thread(process.restart, 30)
            again = await client.post(path, headers=auth(conv["token"]), json=body)
            assert again.status_code == 200 and again.json()["duplicate"] is True
            replies = again.json()["replies"]
            if again.json()["pending"]:  # the sweeper holds it: the reply arrives shortly

                async def stored() -> bool:
                    got = await client.get(path, headers=auth(conv["token"]))
                    return len(got.json()["messages"]) >= 2

                await _wait_for(stored)
                replies = (await client.get(path, headers=auth(conv["token"]))).json()["messages"][
                    1:
                ]
            # (The resend may first hear "still checking": the message is old by now.)
            assert [m["text"] for m in replies if m["role"] == "bot"] == [
                "What is your order number?"
            ]
            history = (await client.get(path, headers=auth(conv["token"]))).json()["messages"]
            assert [m["role"] for m in history if m["role"] != "system"] == ["customer", "bot"]
        assert fake.processed(cid) == ["I want to cancel"]  # the bot saw it once
        assert [m["message"] for m in fake.received].count("I want to cancel") == 1


async def _true(value: bool) -> bool:
    return value


async def test_a_message_that_waited_outside_hears_the_notice_sooner(
    service_factory: Any,
) -> None:
    """`waited_ms`: the client had been trying to get the message through (the service was
    restarting); the notice is due that much sooner after the customer sent it."""
    service: Service = await service_factory(rasa_timeout=3.0, still_checking_seconds=1.5)
    service.fake.mode, service.fake.reply_delay = "slow_reply", 1.5
    conv = await service.conversation()
    started = time.monotonic()
    r = await service.http.post(
        f"/api/conversations/{conv['conversation_id']}/messages",
        headers=auth(conv["token"]),
        json={"client_message_id": "w1", "text": "I want to cancel", "waited_ms": 1400},
    )
    assert time.monotonic() - started < 0.9
    assert r.status_code == 201 and r.json()["pending"] is True
    assert [m["custom"]["event"] for m in r.json()["replies"]] == ["still_checking"]
    bad = await service.http.post(
        f"/api/conversations/{conv['conversation_id']}/messages",
        headers=auth(conv["token"]),
        json={"client_message_id": "w2", "text": "hello", "waited_ms": "soon"},
    )
    assert bad.status_code == 400 and bad.json()["field"] == "waited_ms"


def test_replies_in_tracker_follow_a_replayed_message_of_the_same_turn() -> None:
    """A "yes" to the one-click fallback replays the customer's earlier message in the same
    turn (actions/fallback.py): the replies after the replay still answer this message."""
    mine, other = {turns.META_KEY: 7}, {turns.META_KEY: 8}
    events = [
        {"event": "user", "text": "abort EF-100008", "metadata": {turns.META_KEY: 6}},
        {"event": "bot", "text": "Did you mean one of these?"},
        {"event": "user", "text": "yes please", "metadata": mine},
        {"event": "rewind"},
        {"event": "user", "text": "abort EF-100008", "metadata": {**mine, "replayed": True}},
        {"event": "bot", "text": "Shall I cancel EF-100008?"},
        {"event": "user", "text": "yes", "metadata": other},
        {"event": "bot", "text": "EF-100008 is cancelled."},
    ]
    replies = turns.replies_in_tracker({"events": events}, 7)
    assert replies == [{"text": "Shall I cancel EF-100008?"}]
