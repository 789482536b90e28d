"""Customer API (REST + WebSocket)."""

from __future__ import annotations

import logging
from typing import Any

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, json
from sanic.server.websockets.impl import WebsocketImplProtocol

from handoff import sockets
from handoff.attachments import records
from handoff.cors import allowed
from handoff.errors import (
    BadRequest,
    DomainError,
    Forbidden,
    NotFound,
    PayloadTooLarge,
    Unauthorized,
)
from handoff.gateway import ces, mailing, presence, turns
from handoff.gateway import services as svc
from handoff.http import client_address, file_response, hub_of, int_arg, json_body
from handoff.pubsub import conversation_channel
from handoff.ratelimit import CONVERSATION_ADDRESS, MESSAGE_ADDRESS, MESSAGE_CONVERSATION
from handoff.security import (
    REFRESH_GRACE_SECONDS,
    conversation_from_token,
    conversation_token,
    verify_shop_token,
)
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


def authorize(request: Request, conversation_id: str, *, grace: float = 0.0) -> None:
    """A customer token grants its own conversation and nothing else."""
    granted = conversation_from_token(hub_of(request).settings.secret, _token(request), grace=grace)
    if granted != conversation_id:
        raise Forbidden("This token does not grant access to that conversation.")


def _token_fields(hub: Any, conversation_id: str) -> dict[str, Any]:
    ttl = hub.settings.conversation_token_ttl_seconds
    return {
        "token": conversation_token(hub.settings.secret, conversation_id, ttl_seconds=ttl),
        "token_expires_in": ttl,
    }


async def _check_message(hub: Any, conversation_id: str, address: str) -> None:
    """Messages are limited per conversation and per address (TooManyRequests → 429)."""
    await hub.limits.check(MESSAGE_CONVERSATION, conversation_id)
    await hub.limits.check(MESSAGE_ADDRESS, address)


async def _count_message(hub: Any, conversation_id: str, address: str) -> None:
    """Count a stored message (a resend of an acknowledged one is free: the widget resends its
    outbox after reconnecting)."""
    await hub.limits.count(MESSAGE_CONVERSATION, conversation_id)
    await hub.limits.count(MESSAGE_ADDRESS, address)


MAX_PAGE = 1000


@bp.post("/api/conversations")
async def create_conversation(request: Request) -> HTTPResponse:
    hub = hub_of(request)
    await hub.limits.hit(CONVERSATION_ADDRESS, client_address(request))
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
            **_token_fields(hub, conversation.id),
            "language": conversation.language,
            "mode": conversation.mode,
            "customer": {"id": customer.customer_id, "name": customer.name} if customer else None,
            "reply_email": conversation.reply_email,
            "email_enabled": hub.settings.mail_enabled,
        },
        status=201,
    )


@bp.post("/api/conversations/<conversation_id:str>/token")
async def refresh_token(request: Request, conversation_id: str) -> HTTPResponse:
    """A fresh conversation token for a valid one (or one expired less than
    REFRESH_GRACE_SECONDS ago); the widget calls it before its token expires."""
    authorize(request, conversation_id, grace=REFRESH_GRACE_SECONDS)
    hub = hub_of(request)
    async with hub.db.session() as session:
        await svc.require_conversation(session=session, conversation_id=conversation_id)
    return json({"conversation_id": conversation_id, **_token_fields(hub, conversation_id)})


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
    address = client_address(request)
    await _check_message(hub, conversation_id, address)
    posted = await svc.accept_customer_message(
        hub, conversation_id=conversation_id, client_message_id=client_id, text=text
    )
    if posted.created:
        await _count_message(hub, conversation_id, address)
    # A new message's bot turn runs now; a resend gets the stored replies (driving the turn
    # first if it is unfinished and nobody else holds it: its first driver may have died).
    if posted.created and posted.message.bot_status is None:  # for the agent, or the service
        got = turns.Outcome(posted.notices, False)
    else:
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


async def _read_limited(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    too_large = PayloadTooLarge(f"A photo can be at most {limit // (1024 * 1024)} MB.", limit=limit)
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise too_large
    chunks: list[bytes] = []
    size = 0
    while True:
        chunk = await request.stream.read()  # type: ignore[union-attr]
        if chunk is None:
            break
        size += len(chunk)
        if size > limit:
            raise too_large
        chunks.append(chunk)
    return b"".join(chunks)


@bp.post("/api/conversations/<conversation_id:str>/attachments", stream=True)
async def upload_photo(request: Request, conversation_id: str) -> HTTPResponse:
    """The photo is the raw request body (JPEG, PNG or WebP, checked by content, not by the
    Content-Type); `filename` and `client_message_id` (for safe retries) are query arguments."""
    authorize(request, conversation_id)
    hub = hub_of(request)
    data = await _read_limited(request, hub.settings.attachment_max_bytes)
    if not data:
        raise BadRequest("The request body must be the photo.", field="file")
    client_id = request.args.get("client_message_id")
    posted = await svc.accept_photo(
        hub,
        conversation_id=conversation_id,
        data=data,
        filename=request.args.get("filename"),
        client_message_id=svc.validate_client_id(client_id) if client_id is not None else None,
    )
    return json(
        {
            "message": message_view(posted.message),
            "replies": [message_view(m) for m in posted.notices],
            "duplicate": not posted.created,
        },
        status=201 if posted.created else 200,
    )


async def _customer_photo(
    request: Request, conversation_id: str, attachment_id: str, thumbnail: bool
) -> HTTPResponse:
    authorize(request, conversation_id)
    hub = hub_of(request)
    async with hub.db.session() as session:
        attachment = await records.get(session, attachment_id)
    if attachment is None or attachment.conversation_id != conversation_id:
        raise NotFound("No such attachment.")
    key = attachment.storage_key + (records.THUMBNAIL_SUFFIX if thumbnail else "")
    return file_response(
        await hub.attachments.get(key), attachment.content_type, attachment.filename
    )


@bp.get("/api/conversations/<conversation_id:str>/attachments/<attachment_id:str>")
async def customer_photo(
    request: Request, conversation_id: str, attachment_id: str
) -> HTTPResponse:
    return await _customer_photo(request, conversation_id, attachment_id, thumbnail=False)


@bp.get("/api/conversations/<conversation_id:str>/attachments/<attachment_id:str>/thumbnail")
async def customer_thumbnail(
    request: Request, conversation_id: str, attachment_id: str
) -> HTTPResponse:
    return await _customer_photo(request, conversation_id, attachment_id, thumbnail=True)


@bp.post("/api/conversations/<conversation_id:str>/transcript")
async def email_transcript(request: Request, conversation_id: str) -> HTTPResponse:
    """E-mail the whole conversation to the address given (also after the customer ended it)."""
    authorize(request, conversation_id)
    body = json_body(request)
    to = await mailing.send_transcript(
        hub_of(request), conversation_id=conversation_id, address=body.get("email")
    )
    return json({"sent": True, "email": to})


@bp.post("/api/conversations/<conversation_id:str>/reply-email")
async def reply_email(request: Request, conversation_id: str) -> HTTPResponse:
    """Where an agent's reply goes when the customer is not connected (nobody online)."""
    authorize(request, conversation_id)
    body = json_body(request)
    to = await mailing.set_reply_address(
        hub_of(request), conversation_id=conversation_id, address=body.get("email")
    )
    return json({"reply_email": to})


@bp.post("/api/conversations/<conversation_id:str>/leave")
async def leave(request: Request, conversation_id: str) -> HTTPResponse:
    authorize(request, conversation_id)
    hub = hub_of(request)
    async with hub.db.session() as session:
        await svc.require_conversation(session=session, conversation_id=conversation_id)
    await presence.customer_left(hub, conversation_id, explicit=True)
    # A substantive chat with the bot that the customer ended: the CES question, once.
    question = await ces.ask_on_leave(hub, conversation_id)
    if question is not None:
        await svc.publish_message(hub, conversation_id, question, None)
    return json({"ok": True, "ces": message_view(question) if question is not None else None})


@bp.websocket("/ws/conversations/<conversation_id:str>")
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
            address = client_address(request)
            await _check_message(hub, conversation_id, address)
            posted = await svc.accept_customer_message(
                hub, conversation_id=conversation_id, client_message_id=client_id, text=text
            )
            if posted.created:
                await _count_message(hub, conversation_id, address)
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
            # The widget closes the socket right after this frame, which cancels this handler:
            # the leave runs as the hub's task so it is not lost with the connection.
            hub.spawn(
                presence.customer_left(hub, conversation_id, explicit=True),
                name=f"leave-{conversation_id}",
            )
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
