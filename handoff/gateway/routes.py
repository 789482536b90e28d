"""Customer API (REST + WebSocket)."""

from __future__ import annotations

import logging
from typing import Any

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, json
from sanic.server.websockets.impl import WebsocketImplProtocol

from handoff import sockets
from handoff.errors import BadRequest, DomainError, Forbidden, Unauthorized
from handoff.gateway import presence, turns
from handoff.gateway import services as svc
from handoff.http import hub_of, int_arg, json_body
from handoff.pubsub import conversation_channel
from handoff.security import conversation_from_token, conversation_token, verify_shop_token
from handoff.store import repositories as repo
from handoff.views import message_view

log = logging.getLogger(__name__)
bp = Blueprint("gateway")


def _token(request: Request) -> str:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    token = request.args.get("token")
    if token:
        return token
    raise Unauthorized("A conversation token is required.")


def authorize(request: Request, conversation_id: str) -> None:
    """A customer token grants its own conversation and nothing else."""
    granted = conversation_from_token(hub_of(request).settings.secret, _token(request))
    if granted != conversation_id:
        raise Forbidden("This token does not grant access to that conversation.")


MAX_PAGE = 1000


@bp.post("/api/conversations")
async def create_conversation(request: Request) -> HTTPResponse:
    hub = hub_of(request)
    body = json_body(request)
    language = svc.normalise_language(body.get("language"), request.headers.get("accept-language"))
    customer = None
    raw_token = body.get("customer_token")
    if raw_token is not None:
        if not isinstance(raw_token, str) or not raw_token:
            raise BadRequest("customer_token must be a string", field="customer_token")
        customer = verify_shop_token(hub.settings.shop_secret, raw_token)
    async with hub.db.session() as session:
        conversation = await svc.create_conversation(
            session=session, language=language, customer=customer
        )
    log.info(
        "conversation created",
        extra={"conversation_id": conversation.id, "signed_in": customer is not None},
    )
    return json(
        {
            "conversation_id": conversation.id,
            "token": conversation_token(hub.settings.secret, conversation.id),
            "language": conversation.language,
            "mode": conversation.mode,
            "customer": {"id": customer.customer_id, "name": customer.name} if customer else None,
        },
        status=201,
    )


@bp.get("/api/conversations/<conversation_id:str>")
async def get_conversation(request: Request, conversation_id: str) -> HTTPResponse:
    authorize(request, conversation_id)
    hub = hub_of(request)
    async with hub.db.session() as session:
        conversation = await svc.require_conversation(
            session=session, conversation_id=conversation_id
        )
        state = await svc.conversation_state(
            session=session, settings=hub.settings, conversation=conversation
        )
    return json(state)


@bp.get("/api/conversations/<conversation_id:str>/messages")
async def list_messages(request: Request, conversation_id: str) -> HTTPResponse:
    authorize(request, conversation_id)
    after = int_arg(request, "after", 0)
    limit = min(int_arg(request, "limit", MAX_PAGE, minimum=1), MAX_PAGE)
    hub = hub_of(request)
    async with hub.db.session() as session:
        conversation = await svc.require_conversation(
            session=session, conversation_id=conversation_id
        )
        messages = await repo.list_messages(session, conversation_id, after=after, limit=limit)
    return json(
        {"messages": [message_view(m) for m in messages], "last_seq": conversation.last_seq}
    )


@bp.post("/api/conversations/<conversation_id:str>/messages")
async def post_message(request: Request, conversation_id: str) -> HTTPResponse:
    authorize(request, conversation_id)
    body = json_body(request)
    client_id = svc.validate_client_id(body.get("client_message_id"))
    text = svc.validate_text(body.get("text"))
    hub = hub_of(request)
    posted = await svc.accept_customer_message(
        hub, conversation_id=conversation_id, client_message_id=client_id, text=text
    )
    # A new message's bot turn runs now; a resend gets the stored replies (driving the turn
    # first if it is unfinished and nobody else holds it: its first driver may have died).
    got = await turns.outcome(hub, conversation_id=conversation_id, message=posted.message)
    return json(
        {
            "message": message_view(posted.message),
            "replies": [message_view(m) for m in got.replies],
            "duplicate": not posted.created,
            "pending": got.pending,
        },
        status=201 if posted.created else 200,
    )


@bp.post("/api/conversations/<conversation_id:str>/leave")
async def leave(request: Request, conversation_id: str) -> HTTPResponse:
    authorize(request, conversation_id)
    hub = hub_of(request)
    async with hub.db.session() as session:
        await svc.require_conversation(session=session, conversation_id=conversation_id)
    await presence.customer_left(hub, conversation_id, explicit=True)
    return json({"ok": True})


@bp.websocket("/ws/conversations/<conversation_id:str>")
async def customer_socket(
    request: Request, ws: WebsocketImplProtocol, conversation_id: str
) -> None:
    hub = hub_of(request)
    try:
        authorize(request, conversation_id)
        after = int_arg(request, "after", -1, minimum=-1)
        async with hub.db.session() as session:
            conversation = await svc.require_conversation(
                session=session, conversation_id=conversation_id
            )
            state = await svc.conversation_state(
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


async def _handle_customer_frame(
    request: Request, ws: WebsocketImplProtocol, conversation_id: str, raw: str | bytes
) -> None:
    hub = hub_of(request)
    try:
        frame = sockets.parse_frame(raw)
        kind = frame.get("type")
        if kind == "message":
            client_id = svc.validate_client_id(frame.get("client_message_id"))
            text = svc.validate_text(frame.get("text"))
            posted = await svc.accept_customer_message(
                hub, conversation_id=conversation_id, client_message_id=client_id, text=text
            )
            await sockets.send(
                ws,
                {
                    "type": "ack",
                    "client_message_id": client_id,
                    "message": message_view(posted.message),
                    "duplicate": not posted.created,
                    "pending": posted.message.bot_status in turns.UNFINISHED,
                },
            )
            if posted.message.bot_status in turns.UNFINISHED:
                hub.spawn(
                    _bot_turn_logged(hub, conversation_id, posted),
                    name=f"bot-turn-{conversation_id}",
                )
        elif kind == "typing":
            await _customer_typing(hub, conversation_id, bool(frame.get("typing")))
        elif kind == "leave":
            await presence.customer_left(hub, conversation_id, explicit=True)
        elif kind == "ping":
            await sockets.send(ws, {"type": "pong"})
        else:
            raise BadRequest("Unknown frame type.", field="type")
    except DomainError as exc:
        await sockets.send_error(ws, exc)


async def _bot_turn_logged(hub: Any, conversation_id: str, posted: svc.Posted) -> None:
    try:
        await turns.drive(hub, conversation_id=conversation_id, message_id=posted.message.id)
    except Exception:
        log.exception("bot turn failed", extra={"conversation_id": conversation_id})


async def _customer_typing(hub: Any, conversation_id: str, typing: bool) -> None:
    from handoff.pubsub import CONSOLE

    async with hub.db.session() as session:
        handoff = await repo.open_handoff(session, conversation_id)
    if handoff is not None:
        await hub.pubsub.publish(
            CONSOLE,
            {
                "type": "typing",
                "handoff_id": handoff.id,
                "conversation_id": conversation_id,
                "agent_id": handoff.agent_id,
                "role": "customer",
                "typing": typing,
            },
        )
