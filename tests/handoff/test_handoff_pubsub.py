"""Pub/sub: the in-process implementation, and Redis across two instances (TEST_REDIS_URL)."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from handoff.pubsub import InMemoryPubSub, PubSub, RedisPubSub
from tests.support.services import REDIS_URL, need_redis


async def _next(sub, timeout: float = 3.0):  # type: ignore[no-untyped-def]
    it = sub.__aiter__()
    return await asyncio.wait_for(it.__anext__(), timeout)


async def test_in_memory_fan_out_and_unsubscribe() -> None:
    bus = InMemoryPubSub()
    a = await bus.subscribe("x")
    b = await bus.subscribe("x", "y")
    await bus.publish("x", {"n": 1})
    await bus.publish("y", {"n": 2})
    assert await _next(a) == {"n": 1}
    it = b.__aiter__()
    assert await asyncio.wait_for(it.__anext__(), 1) == {"n": 1}
    assert await asyncio.wait_for(it.__anext__(), 1) == {"n": 2}
    await a.close()
    assert bus.subscriber_count("x") == 1
    await b.close()
    assert bus.subscriber_count("x") == 0 and bus.subscriber_count("y") == 0
    await bus.publish("x", {"n": 3})  # nobody listening: no error


@pytest.fixture
async def redis_buses():  # type: ignore[no-untyped-def]
    await need_redis()
    one, two = RedisPubSub(REDIS_URL), RedisPubSub(REDIS_URL)
    yield one, two
    await one.close()
    await two.close()


@pytest.mark.redis
async def test_redis_delivers_across_instances_in_order(redis_buses) -> None:  # type: ignore[no-untyped-def]
    one, two = redis_buses
    bus_a: PubSub = one
    channel = f"conversation:{uuid.uuid4().hex}"
    sub_local = await bus_a.subscribe(channel)
    sub_remote = await two.subscribe(channel)
    sub_remote2 = await two.subscribe(channel)
    await asyncio.sleep(0.1)
    for n in range(20):
        await bus_a.publish(channel, {"n": n, "text": "안녕"})
    for sub in (sub_local, sub_remote, sub_remote2):
        it = sub.__aiter__()
        got = [await asyncio.wait_for(it.__anext__(), 3) for _ in range(20)]
        assert got == [{"n": n, "text": "안녕"} for n in range(20)]
    await sub_remote.close()
    await two.publish(channel, {"n": "after"})
    assert await _next(sub_remote2) == {"n": "after"}
    await sub_remote2.close()
    await sub_local.close()


@pytest.mark.redis
async def test_service_instances_share_live_events_through_redis(  # type: ignore[no-untyped-def]
    redis_buses, service_factory
) -> None:
    from tests.support.handoff_service import auth, frame, is_msg, recv_until, ws_connect

    a = await service_factory(pubsub_url=REDIS_URL)
    b = await service_factory(pubsub_url=REDIS_URL)
    agent = await a.user("sam@shop.example")
    conv = await b.conversation()
    cid = conv["conversation_id"]
    await b.http.post(
        f"/api/conversations/{cid}/messages",
        headers=auth(conv["token"]),
        json={"client_message_id": "1", "text": "human please"},
    )
    hid = (await a.http.post("/api/queue/next", headers=auth(agent["token"]))).json()["id"]
    async with (
        ws_connect(f"{b.ws_url}/ws/conversations/{cid}?token={conv['token']}") as cws,
        ws_connect(f"{a.ws_url}/ws/agent", headers=auth(agent["token"])) as aws,
    ):
        await recv_until(cws, lambda f: f["type"] == "hello")
        await recv_until(aws, lambda f: f["type"] == "hello")
        await asyncio.sleep(0.2)
        await aws.send(frame("message", handoff_id=hid, client_message_id="a", text="from A"))
        assert (await recv_until(cws, is_msg("agent")))["message"]["text"] == "from A"
        await cws.send(frame("message", client_message_id="2", text="from B"))
        assert (await recv_until(aws, is_msg("customer")))["message"]["text"] == "from B"
