"""Agent API: the console's WebSocket (live events, replies, typing; heartbeats presence)."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from sanic import Blueprint, Request
from sanic.server.websockets.impl import WebsocketImplProtocol

from handoff import accounts as auth
from handoff import sockets
from handoff.access import current_user
from handoff.console import services as svc
from handoff.conversations.publish import queue_changed
from handoff.cors import same_origin
from handoff.errors import BadRequest, DomainError, Forbidden
from handoff.http import hub_of
from handoff.pubsub import CONSOLE
from handoff.store.models import User, utcnow
from handoff.views import message_view, user_view

log = logging.getLogger(__name__)
bp = Blueprint("console_socket")


def _visible(event: dict[str, Any], user: User) -> bool:
    if event.get("type") == "queue" or user.role in auth.SUPERVISE:
        return True
    return event.get("agent_id") == user.id


async def agent_socket(request: Request, ws: WebsocketImplProtocol) -> None:
    hub = hub_of(request)
    try:
        origin = request.headers.get("origin")
        if origin is not None and not same_origin(request, origin):
            # Cross-site WebSocket hijacking: the browser would send the cookie along.
            raise Forbidden(
                "The agent socket is for this site's console only.", code="origin_not_allowed"
            )
        user = await current_user(request)
        if user.role not in auth.READ:
            raise Forbidden("Your role does not allow this.")
    except DomainError as exc:
        await sockets.refuse(ws, exc)
        return
    if user.role in auth.ACT:
        async with hub.db.session() as session:
            fresh = await session.get(User, user.id)
            if fresh is not None:
                await svc.set_available(session=session, user=fresh, available=True)
                user = fresh
        await queue_changed(hub, "agents_changed")
    subscription = await hub.pubsub.subscribe(CONSOLE)

    async def heartbeat() -> None:
        while True:
            await asyncio.sleep(max(5, hub.settings.presence_ttl_seconds // 3))
            async with hub.db.session() as session:
                fresh = await session.get(User, user.id)
                if fresh is not None:
                    fresh.last_seen_at = utcnow()

    await sockets.send(ws, {"type": "hello", "user": user_view(user)})
    await sockets.serve(
        ws,
        subscription,
        lambda raw: _agent_frame(request, ws, user, raw),
        visible=lambda event: _visible(event, user),
        background=(heartbeat(),),
    )


bp.add_websocket_route(agent_socket, "/ws/agent")


def _handoff_id(frame: dict[str, Any]) -> int:
    handoff_id = frame.get("handoff_id")
    if not isinstance(handoff_id, int) or isinstance(handoff_id, bool):
        raise BadRequest("handoff_id must be an integer", field="handoff_id")
    return handoff_id


async def _agent_frame(
    request: Request, ws: WebsocketImplProtocol, user: User, raw: str | bytes
) -> None:
    hub = hub_of(request)

    async def message(frame: dict[str, Any]) -> None:
        message, created = await svc.agent_message(
            hub,
            handoff_id=_handoff_id(frame),
            user=user,
            text=frame.get("text"),
            client_message_id=frame.get("client_message_id"),
        )
        await sockets.send(
            ws,
            {
                "type": "ack",
                "client_message_id": message.client_message_id,
                "message": message_view(message, internal=True),
                "duplicate": not created,
            },
        )

    async def typing(frame: dict[str, Any]) -> None:
        await svc.agent_typing(
            hub, handoff_id=_handoff_id(frame), user=user, typing=bool(frame.get("typing"))
        )

    await sockets.dispatch(ws, raw, {"message": message, "typing": typing})
