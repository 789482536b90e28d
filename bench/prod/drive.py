"""Live customers for the production check, through HAProxy, as the widget talks.

Half use the REST channel (`POST …/messages`, resending with the same `client_message_id` until
the service stores the message), half the customer WebSocket (reconnecting with `after=<seq>`
and resending an unacknowledged frame when their instance dies). Three kinds of conversation:

- ``bot``: an order-status conversation (half signed in);
- ``write``: a signed-in customer cancels one of their own orders (one order write each);
- ``human``: the customer asks for a person and talks to the agents (`bench.prod.agents`).

Any conversation the service queues for a human (a bot outage) continues with the agents. Each
customer waits for the answer to a message (a bot reply, a service notice other than "still
checking", or an agent's message) before thinking and sending the next.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import random
import time
from dataclasses import dataclass, field
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import WebSocketException

from handoff.security import demo_customer_token as customer_token

log = logging.getLogger(__name__)

QUEUE_EVENTS = {"bot_unavailable", "queued", "nobody_online"}
ANSWER_WAIT_S = 90.0
HUMAN_WAIT_S = 240.0  # a customer waiting for a person waits longer than for the bot
BOT_SCRIPT = ["hello", "Where is my order?", "EF-100001", "thanks"]
HUMAN_SCRIPT = ["hi", "I want to talk to a human"]
TO_AGENT = ["my parcel arrived damaged", "can you send a new one?", "thanks, that's all"]
_ids = itertools.count(1)


def is_answer(message: dict[str, Any]) -> bool:
    role = message.get("role")
    if role in ("bot", "agent"):
        return True
    return role == "system" and (message.get("custom") or {}).get("event") != "still_checking"


def is_queue(message: dict[str, Any]) -> bool:
    return (message.get("custom") or {}).get("event") in QUEUE_EVENTS


@dataclass
class Sent:
    client_id: str
    text: str
    sent_at: float
    seq: int | None = None
    answer_s: float | None = None


@dataclass
class Customer:
    index: int
    channel: str  # rest | ws
    kind: str  # bot | write | human
    signed_in: str | None = None
    order: str | None = None
    conversation_id: str = ""
    token: str = ""
    sent: list[Sent] = field(default_factory=list)
    seen: dict[int, dict[str, Any]] = field(default_factory=dict)
    with_human: bool = False
    finished: bool = False
    error: str | None = None
    reconnects: int = 0

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def see(self, messages: list[dict[str, Any]]) -> None:
        for message in messages:
            seq = int(message.get("seq") or 0)
            self.seen[seq] = message
            if is_queue(message) or message.get("role") == "agent":
                self.with_human = True

    def answered(self, sent: Sent) -> bool:
        if sent.seq is None:
            return False
        for seq in sorted(s for s in self.seen if s > sent.seq):
            message = self.seen[seq]
            if message.get("role") == "customer":
                return False
            if is_answer(message):
                if sent.answer_s is None:
                    sent.answer_s = time.monotonic() - sent.sent_at
                return True
        return False

    def last_seq(self) -> int:
        return max(self.seen, default=0)


class Channel:
    """How one customer sends and hears: REST or WebSocket."""

    def __init__(self, http: httpx.AsyncClient, base_url: str, customer: Customer) -> None:
        self.http = http
        self.base_url = base_url
        self.customer = customer

    async def open(self) -> None:
        return None

    async def close(self) -> None:
        return None

    async def send(self, sent: Sent, until: float) -> None:
        raise NotImplementedError

    async def poll(self) -> None:
        """Fetch what arrived (REST); the WebSocket reader does it by itself."""
        c = self.customer
        with contextlib.suppress(httpx.HTTPError, ValueError, KeyError):
            got = await self.http.get(
                f"/api/conversations/{c.conversation_id}/messages",
                params={"after": c.last_seq()},
                headers=c.auth,
                timeout=10,
            )
            if got.status_code == 200:
                c.see(got.json()["messages"])


class RestChannel(Channel):
    async def send(self, sent: Sent, until: float) -> None:
        c = self.customer
        body = {"client_message_id": sent.client_id, "text": sent.text}
        while time.monotonic() < until:
            try:
                response = await self.http.post(
                    f"/api/conversations/{c.conversation_id}/messages",
                    json=body,
                    headers=c.auth,
                    timeout=30,
                )
                if response.status_code < 500:
                    data = response.json()
                    if response.status_code >= 400:
                        raise RuntimeError(f"message refused: {response.status_code} {data}")
                    sent.seq = int(data["message"]["seq"])
                    c.see([data["message"], *(data.get("replies") or [])])
                    return
            except (httpx.HTTPError, ValueError):
                pass
            await asyncio.sleep(0.5)


class WsChannel(Channel):
    def __init__(self, http: httpx.AsyncClient, base_url: str, customer: Customer) -> None:
        super().__init__(http, base_url, customer)
        self.ws: ClientConnection | None = None
        self.reader: asyncio.Task[None] | None = None
        self.acks: dict[str, dict[str, Any]] = {}

    async def open(self) -> None:
        c = self.customer
        url = (
            "ws"
            + self.base_url.removeprefix("http")
            + f"/ws/conversations/{c.conversation_id}?token={c.token}&after={c.last_seq()}"
        )
        self.ws = await connect(url, open_timeout=10, ping_interval=5, ping_timeout=10)
        self.reader = asyncio.create_task(self._read(self.ws))

    async def _read(self, ws: ClientConnection) -> None:
        with contextlib.suppress(WebSocketException, OSError):
            async for raw in ws:
                frame = json.loads(raw)
                if frame.get("type") == "message":
                    self.customer.see([frame["message"]])
                elif frame.get("type") == "ack":
                    self.acks[str(frame.get("client_message_id"))] = frame

    async def _ensure(self) -> None:
        if self.ws is not None and self.reader is not None and not self.reader.done():
            return
        if self.ws is not None:
            self.customer.reconnects += 1
        await self.close()
        await self.open()

    async def close(self) -> None:
        if self.ws is not None:
            with contextlib.suppress(Exception):
                await self.ws.close()
        if self.reader is not None:
            self.reader.cancel()
        self.ws = self.reader = None

    async def send(self, sent: Sent, until: float) -> None:
        frame = json.dumps(
            {"type": "message", "client_message_id": sent.client_id, "text": sent.text}
        )
        while time.monotonic() < until:
            try:
                await self._ensure()
                assert self.ws is not None
                await self.ws.send(frame)
                for _ in range(100):  # 10 s for the ack
                    ack = self.acks.get(sent.client_id)
                    if ack is not None:
                        sent.seq = int(ack["message"]["seq"])
                        self.customer.see([ack["message"]])
                        return
                    if self.reader is None or self.reader.done():
                        break
                    await asyncio.sleep(0.1)
            except (WebSocketException, OSError, TimeoutError):
                pass
            await asyncio.sleep(0.5)

    async def poll(self) -> None:
        # A socket that died is reopened with `after`: the server replays what was missed.
        with contextlib.suppress(WebSocketException, OSError, TimeoutError):
            await self._ensure()


async def _create(http: httpx.AsyncClient, customer: Customer, secret: str) -> None:
    body: dict[str, Any] = {"language": "en"}
    if customer.signed_in:
        body["customer_token"] = customer_token(secret, customer.signed_in)
    until = time.monotonic() + 60
    while True:
        try:
            response = await http.post("/api/conversations", json=body, timeout=15)
            if response.status_code == 201 or response.status_code == 200:
                data = response.json()
                customer.conversation_id, customer.token = data["conversation_id"], data["token"]
                return
        except (httpx.HTTPError, ValueError):
            pass
        if time.monotonic() > until:
            raise RuntimeError("could not start a conversation")
        await asyncio.sleep(0.5)


async def _say(channel: Channel, text: str) -> Sent:
    customer = channel.customer
    sent = Sent(f"p{customer.index}-{next(_ids)}", text, time.monotonic())
    customer.sent.append(sent)
    await channel.send(sent, time.monotonic() + 60)
    if sent.seq is None:
        return sent  # never stored: counted as lost
    deadline = time.monotonic() + (HUMAN_WAIT_S if customer.with_human else ANSWER_WAIT_S)
    while not customer.answered(sent) and time.monotonic() < deadline:
        await asyncio.sleep(0.3)
        if not customer.answered(sent):
            await channel.poll()
    return sent


def script(customer: Customer) -> list[str]:
    if customer.kind == "write":
        return ["hi", f"please cancel my order {customer.order}", "yes", "no, that's all"]
    if customer.kind == "human":
        return HUMAN_SCRIPT
    return BOT_SCRIPT


async def run_customer(
    http: httpx.AsyncClient,
    base_url: str,
    customer: Customer,
    secret: str,
    think: tuple[float, float],
    registry: dict[str, Customer],
) -> Customer:
    """Play one customer; `registry` maps conversation ids to customers (for the agents)."""
    channel: Channel = (WsChannel if customer.channel == "ws" else RestChannel)(
        http, base_url, customer
    )
    try:
        await _create(http, customer, secret)
        registry[customer.conversation_id] = customer
        if customer.channel == "ws":
            await channel.poll()
        lines = list(script(customer))
        while lines:
            text = lines.pop(0)
            was_with_human = customer.with_human
            await _say(channel, text)
            if customer.with_human and not was_with_human:
                lines = list(TO_AGENT)  # queued: the rest of the chat is with a person
            if lines:
                await asyncio.sleep(random.uniform(*think))
        await asyncio.sleep(1.0)
        await channel.poll()
    except Exception as exc:
        log.warning("customer %d failed: %r", customer.index, exc)
        customer.error = repr(exc)
    finally:
        customer.finished = True
        await channel.close()
    return customer
