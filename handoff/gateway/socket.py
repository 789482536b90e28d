"""Customer API: the conversation's WebSocket (live messages, acks, typing, leave, ping)."""

from __future__ import annotations

import logging
from typing import Any

from sanic import Blueprint, Request
from sanic.server.websockets.impl import WebsocketImplProtocol

from handoff import sockets
from handoff.access import authorize
from handoff.conversations.publish import to_console
from handoff.conversations.state import conversation_state, require_conversation
from handoff.conversations.validation import validate_waited
from handoff.cors import allowed
from handoff.errors import DomainError, Forbidden
from handoff.gateway import presence, turns
from handoff.gateway.routes import post_customer_message
from handoff.http import hub_of, int_arg
from handoff.hub import Hub
from handoff.pubsub import conversation_channel
from handoff.store import repositories as repo
from handoff.views import message_view

log = logging.getLogger(__name__)
bp = Blueprint("gateway_socket")


async def customer_socket(
    request: Request, ws: WebsocketImplProtocol, conversation_id: str
) -> None:
    hub = hub_of(request)
    try:
        origin = request.headers.get("origin")
        if origin is not None and not allowed(hub.settings, request, origin):
            raise Forbidden("This origin may not use the chat.", code="origin_not_allowed")
        authorize(request, conversation_id)
        after = int_arg(request, "after", -1, minimum=-1)
        async with hub.db.session() as session:
            conversation = await require_conversation(
                session=session, conversation_id=conversation_id
            )
            state = await conversation_state(
                session=session, settings=hub.settings, conversation=conversation
            )
            backlog = (
                await repo.list_messages(session, conversation_id, after=after)
                if after >= 0
                else []
            )
    except DomainError as exc:
        await sockets.refuse(ws, exc)
        return
    subscription = await hub.pubsub.subscribe(conversation_channel(conversation_id))
    await presence.customer_connected(hub, conversation_id)
    await sockets.send(ws, {"type": "hello", "conversation": state})
    for message in backlog:
        await sockets.send(ws, {"type": "message", "message": message_view(message)})
    try:
        await sockets.serve(
            ws, subscription, lambda raw: _handle_customer_frame(request, ws, conversation_id, raw)
        )
    finally:
        presence.customer_disconnected(hub, conversation_id)


bp.add_websocket_route(customer_socket, "/ws/conversations/<conversation_id:str>")


async def _handle_customer_frame(
    request: Request, ws: WebsocketImplProtocol, conversation_id: str, raw: str | bytes
) -> None:
    hub = hub_of(request)

    async def message(frame: dict[str, Any]) -> None:
        waited = validate_waited(frame.get("waited_ms"))
        posted = await post_customer_message(request, conversation_id, frame)
        pending = posted.message.bot_status in turns.UNFINISHED
        await sockets.send(
            ws,
            {
                "type": "ack",
                "client_message_id": posted.message.client_message_id,
                "message": message_view(posted.message),
                "duplicate": not posted.created,
                "pending": pending,
            },
        )
        if pending:
            hub.spawn(
                turns.drive_logged(
                    hub,
                    conversation_id=conversation_id,
                    message_id=posted.message.id,
                    waited=waited,
                ),
                name=f"bot-turn-{conversation_id}",
            )

    async def typing(frame: dict[str, Any]) -> None:
        await _customer_typing(hub, conversation_id, bool(frame.get("typing")))

    async def leave(frame: dict[str, Any]) -> None:
        # The widget closes the socket right after this frame, which cancels this handler:
        # the leave runs as the hub's task so it is not lost with the connection.
        hub.spawn(
            presence.customer_left(hub, conversation_id, explicit=True),
            name=f"leave-{conversation_id}",
        )

    await sockets.dispatch(ws, raw, {"message": message, "typing": typing, "leave": leave})


async def _customer_typing(hub: Hub, conversation_id: str, typing: bool) -> None:
    async with hub.db.session() as session:
        handoff = await repo.open_handoff(session, conversation_id)
    if handoff is not None:
        await to_console(hub, "typing", handoff, role="customer", typing=typing)
