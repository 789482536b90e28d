"""WebSocket plumbing shared by the customer and agent sockets: JSON frames, errors, the loop."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from typing import Any

from sanic.exceptions import WebsocketClosed
from sanic.server.websockets.impl import WebsocketImplProtocol

from handoff.errors import INTERNAL_ERROR, BadRequest, DomainError
from handoff.inputs import parse_json_object
from handoff.pubsub import Subscription

log = logging.getLogger(__name__)
FrameHandler = Callable[[dict[str, Any]], Awaitable[None]]


async def send(ws: WebsocketImplProtocol, data: dict[str, Any]) -> None:
    await ws.send(json.dumps(data, ensure_ascii=False))


async def send_error(ws: WebsocketImplProtocol, exc: DomainError) -> None:
    await send(ws, {"type": "error", "code": exc.code, "message": exc.message, **exc.extra})


async def refuse(ws: WebsocketImplProtocol, exc: DomainError) -> None:
    """Tell the client why, then close with 4000 + the HTTP status (e.g. 4403)."""
    await send_error(ws, exc)
    await ws.close(code=4000 + exc.status, reason=exc.code)


def parse_frame(raw: str | bytes) -> dict[str, Any]:
    return parse_json_object(raw, what="A frame")


async def dispatch(
    ws: WebsocketImplProtocol, raw: str | bytes, handlers: Mapping[str, FrameHandler]
) -> None:
    """One client frame: `ping` gets its pong, a known `type` goes to its handler, anything
    else is refused (a DomainError becomes an error frame in `serve`; the socket stays open)."""
    frame = parse_frame(raw)
    kind = frame.get("type")
    if kind == "ping":
        await send(ws, {"type": "pong"})
        return
    handler = handlers.get(kind) if isinstance(kind, str) else None
    if handler is None:
        raise BadRequest("Unknown frame type.", field="type")
    await handler(frame)


async def serve(
    ws: WebsocketImplProtocol,
    subscription: Subscription,
    on_frame: Callable[[str | bytes], Awaitable[None]],
    *,
    visible: Callable[[dict[str, Any]], bool] = lambda event: True,
    background: tuple[Coroutine[Any, Any, None], ...] = (),
) -> None:
    """Forward the subscription's visible events to the client and hand each frame the client
    sends to ``on_frame`` until it disconnects; then stop the background tasks and close the
    subscription."""

    async def pump() -> None:
        async for event in subscription:
            if visible(event):
                await send(ws, event)

    tasks = [asyncio.create_task(pump()), *(asyncio.create_task(c) for c in background)]
    try:
        while True:
            raw = await ws.recv()
            if raw is None:
                break
            try:
                await on_frame(raw)
            except DomainError as exc:
                await send_error(ws, exc)
            except (WebsocketClosed, asyncio.CancelledError):
                raise
            except Exception:
                # A bad frame never ends the conversation: say so and keep reading.
                log.error("websocket frame failed", exc_info=True)
                await send(ws, {"type": "error", **INTERNAL_ERROR})
    finally:
        for task in tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        await subscription.close()
