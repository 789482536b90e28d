"""Agent API (REST + WebSocket). Every endpoint requires a login session and the right role."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Collection
from datetime import timedelta
from functools import wraps
from typing import Any

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, json
from sanic.server.websockets.impl import WebsocketImplProtocol

from handoff import sockets
from handoff.attachments import records
from handoff.console import auth
from handoff.console import services as svc
from handoff.cors import same_origin
from handoff.errors import BadRequest, DomainError, Forbidden, Unauthorized
from handoff.http import client_address, file_response, hub_of, json_body
from handoff.pii import mask_value
from handoff.pubsub import CONSOLE
from handoff.ratelimit import LOGIN_ACCOUNT, LOGIN_ADDRESS
from handoff.security import SESSION_COOKIE
from handoff.store import repositories as repo
from handoff.store.models import User, utcnow
from handoff.views import colleague_view, event_view, message_view, user_view

log = logging.getLogger(__name__)
bp = Blueprint("console")
COOKIE = SESSION_COOKIE
MAX_SESSION_TOKEN = 256
MAX_ID = 2**53  # larger ids overflow the database's integers
Handler = Callable[..., Awaitable[HTTPResponse]]


def session_token(request: Request) -> str:
    """The session token from `Authorization: Bearer …` or the session cookie; never from the
    URL (a token in a URL ends up in logs, history and Referer headers)."""
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        token = header[7:].strip()
    else:
        token = str(request.cookies.get(COOKIE) or "")
    if not token:
        raise Unauthorized("Please log in.")
    if not token.isascii() or len(token) > MAX_SESSION_TOKEN:
        raise Unauthorized("Please log in again.")
    return token


async def current_user(request: Request) -> User:
    hub = hub_of(request)
    async with hub.db.session() as session:
        return await auth.authenticate(session=session, token=session_token(request))


def requires(roles: Collection[str]) -> Callable[[Handler], Handler]:
    def decorator(handler: Handler) -> Handler:
        @wraps(handler)
        async def wrapper(request: Request, *args: Any, **kwargs: Any) -> HTTPResponse:
            user = await current_user(request)
            if user.role not in roles:
                raise Forbidden("Your role does not allow this.")
            request.ctx.user = user
            return await handler(request, *args, **kwargs)

        return wrapper

    return decorator


def _str(body: dict[str, Any], key: str, *, required: bool = True) -> str | None:
    value = body.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        raise BadRequest(f"{key} must be a non-empty string", field=key)
    return value


@bp.post("/api/auth/login")
async def login(request: Request) -> HTTPResponse:
    hub = hub_of(request)
    body = json_body(request)
    email, password = _str(body, "email"), _str(body, "password")
    assert email is not None and password is not None
    account, address = email.strip().lower()[:320], client_address(request)
    # Throttled per account and per address; only failed attempts count.
    await hub.limits.check(LOGIN_ACCOUNT, account)
    await hub.limits.check(LOGIN_ADDRESS, address)
    try:
        async with hub.db.session() as session:
            token, user = await auth.login(
                session=session,
                email=email,
                password=password,
                ttl_seconds=hub.settings.session_ttl_seconds,
            )
    except Unauthorized:
        await hub.limits.hit(LOGIN_ACCOUNT, account)
        await hub.limits.hit(LOGIN_ADDRESS, address)
        log.info("login failed", extra={"address": address})
        raise
    response = json({"token": token, "user": user_view(user)})
    response.add_cookie(
        COOKIE,
        token,
        httponly=True,
        samesite="Strict",
        secure=hub.settings.cookie_secure,
        max_age=hub.settings.session_ttl_seconds,
    )
    return response


@bp.post("/api/auth/logout")
@requires(auth.READ)
async def logout(request: Request) -> HTTPResponse:
    hub = hub_of(request)
    async with hub.db.session() as session:
        await auth.logout(session=session, token=session_token(request))
        user = await session.get(User, request.ctx.user.id)
        if user is not None:
            user.available = False
    released = await svc.release_all(hub, user=request.ctx.user)
    await hub.pubsub.publish(CONSOLE, {"type": "queue", "reason": "agents_changed"})
    response = json({"ok": True, "released": released})
    response.delete_cookie(COOKIE)
    return response


@bp.get("/api/auth/me")
@requires(auth.READ)
async def me(request: Request) -> HTTPResponse:
    return json(user_view(request.ctx.user))


@bp.put("/api/agent/status")
@requires(auth.ACT)
async def set_status(request: Request) -> HTTPResponse:
    body = json_body(request)
    available = body.get("available")
    if not isinstance(available, bool):
        raise BadRequest("available must be true or false", field="available")
    hub = hub_of(request)
    async with hub.db.session() as session:
        user = await session.get(User, request.ctx.user.id)
        assert user is not None
        await svc.set_available(session=session, user=user, available=available)
    await hub.pubsub.publish(CONSOLE, {"type": "queue", "reason": "agents_changed"})
    return json(user_view(user))


@bp.get("/api/agents")
@requires(auth.ACT)
async def agents(request: Request) -> HTTPResponse:
    """Colleagues who can take a conversation (for transfer). Plain agents see the directory
    view (id, name, languages, online); supervisors and admins also see email, role, status."""
    hub = hub_of(request)
    since = utcnow() - timedelta(seconds=hub.settings.presence_ttl_seconds)
    full = request.ctx.user.role in auth.SUPERVISE
    async with hub.db.session() as session:
        users = await repo.list_users(session)
    result = []
    for u in users:
        if u.role not in auth.ACT or not u.active:
            continue
        online = bool(u.available and u.last_seen_at and u.last_seen_at >= since)
        result.append(user_view(u, online=online) if full else colleague_view(u, online=online))
    return json({"agents": result})


@bp.post("/api/users")
@requires(auth.ADMIN)
async def create_user(request: Request) -> HTTPResponse:
    body = json_body(request)
    languages = body.get("languages")
    if languages is not None and not (
        isinstance(languages, list) and all(isinstance(x, str) for x in languages)
    ):
        raise BadRequest("languages must be a list of language codes", field="languages")
    hub = hub_of(request)
    async with hub.db.session() as session:
        user = await auth.create_user(
            session=session,
            email=_str(body, "email") or "",
            name=_str(body, "name") or "",
            role=_str(body, "role") or "",
            password=_str(body, "password") or "",
            languages=languages,
        )
    return json(user_view(user), status=201)


@bp.get("/api/queue")
@requires(auth.ACT)
async def get_queue(request: Request) -> HTTPResponse:
    hub = hub_of(request)
    async with hub.db.session() as session:
        items = await svc.queue_view(session=session, hub=hub, user=request.ctx.user)
    return json({"handoffs": items})


def masked_for(user: User, data: dict[str, Any]) -> dict[str, Any]:
    """Analysts see conversations with e-mails, phone numbers, cards and addresses masked, as in
    the analytics views (handoff.pii); agents, supervisors and admins, who handle them, see them
    as they are."""
    if user.role in auth.ACT:
        return data
    masked: dict[str, Any] = mask_value(data)
    return masked


async def _detail(request: Request, handoff_id: int) -> HTTPResponse:
    hub = hub_of(request)
    async with hub.db.session() as session:
        data = await svc.detail(
            session=session, handoff_id=handoff_id, long_wait=hub.settings.long_wait_seconds
        )
    return json(masked_for(request.ctx.user, data))


@bp.post("/api/queue/next")
@requires(auth.ACT)
async def claim_next(request: Request) -> HTTPResponse:
    handoff = await svc.claim_next(hub_of(request), user=request.ctx.user)
    return await _detail(request, handoff.id)


STATUS_FILTERS = {
    "open": ("queued", "claimed"),
    "queued": ("queued",),
    "claimed": ("claimed",),
    "closed": ("resolved", "handed_back", "abandoned"),
    "all": None,
}


@bp.get("/api/handoffs")
@requires(auth.READ)
async def list_handoffs(request: Request) -> HTTPResponse:
    status = request.args.get("status", "open")
    if status not in STATUS_FILTERS:
        raise BadRequest(f"status must be one of {', '.join(STATUS_FILTERS)}", field="status")
    mine = request.args.get("mine") in ("1", "true")
    hub = hub_of(request)
    async with hub.db.session() as session:
        rows = await repo.list_handoffs(
            session,
            statuses=STATUS_FILTERS[status],
            agent_id=request.ctx.user.id if mine else None,
        )
        items = [
            await svc.summary(
                session=session, handoff=h, long_wait_seconds=hub.settings.long_wait_seconds
            )
            for h in rows
        ]
    return json(masked_for(request.ctx.user, {"handoffs": items}))


@bp.get("/api/handoffs/<handoff_id:int>")
@requires(auth.READ)
async def get_handoff(request: Request, handoff_id: int) -> HTTPResponse:
    return await _detail(request, handoff_id)


@bp.get("/api/handoffs/<handoff_id:int>/messages")
@requires(auth.READ)
async def handoff_messages(request: Request, handoff_id: int) -> HTTPResponse:
    try:
        after = int(request.args.get("after", "0"))
    except ValueError as exc:
        raise BadRequest("after must be an integer", field="after") from exc
    if not 0 <= after <= MAX_ID:
        raise BadRequest(f"after must be between 0 and {MAX_ID}", field="after")
    hub = hub_of(request)
    async with hub.db.session() as session:
        handoff = await svc.require_handoff(session=session, handoff_id=handoff_id)
        messages = await repo.list_messages(session, handoff.conversation_id, after=after)
        conversation = await repo.get_conversation(session, handoff.conversation_id)
    data = {
        "messages": [message_view(m, internal=True) for m in messages],
        "last_seq": conversation.last_seq if conversation else 0,
    }
    return json(masked_for(request.ctx.user, data))


@bp.get("/api/handoffs/<handoff_id:int>/events")
@requires(auth.READ)
async def handoff_events(request: Request, handoff_id: int) -> HTTPResponse:
    hub = hub_of(request)
    async with hub.db.session() as session:
        await svc.require_handoff(session=session, handoff_id=handoff_id)
        events = await repo.list_events(session, handoff_id)
    return json(masked_for(request.ctx.user, {"events": [event_view(e) for e in events]}))


@bp.post("/api/handoffs/<handoff_id:int>/claim")
@requires(auth.ACT)
async def claim(request: Request, handoff_id: int) -> HTTPResponse:
    await svc.claim(hub_of(request), handoff_id=handoff_id, user=request.ctx.user)
    return await _detail(request, handoff_id)


@bp.post("/api/handoffs/<handoff_id:int>/messages")
@requires(auth.ACT)
async def reply(request: Request, handoff_id: int) -> HTTPResponse:
    body = json_body(request)
    client_id = body.get("client_message_id")
    if client_id is not None and (not isinstance(client_id, str) or len(client_id) > 100):
        raise BadRequest("client_message_id must be a string", field="client_message_id")
    message, created = await svc.agent_message(
        hub_of(request),
        handoff_id=handoff_id,
        user=request.ctx.user,
        text=body.get("text"),  # type: ignore[arg-type]
        client_message_id=client_id,
    )
    return json({"message": message_view(message, internal=True)}, status=201 if created else 200)


@bp.post("/api/handoffs/<handoff_id:int>/notes")
@requires(auth.ACT)
async def note(request: Request, handoff_id: int) -> HTTPResponse:
    body = json_body(request)
    view = await svc.add_note(
        hub_of(request),
        handoff_id=handoff_id,
        user=request.ctx.user,
        text=body.get("text"),  # type: ignore[arg-type]
    )
    return json(view, status=201)


@bp.post("/api/handoffs/<handoff_id:int>/typing")
@requires(auth.ACT)
async def typing(request: Request, handoff_id: int) -> HTTPResponse:
    body = json_body(request)
    await svc.agent_typing(
        hub_of(request),
        handoff_id=handoff_id,
        user=request.ctx.user,
        typing=bool(body.get("typing")),
    )
    return json({"ok": True})


@bp.post("/api/handoffs/<handoff_id:int>/transfer")
@requires(auth.ACT)
async def transfer(request: Request, handoff_id: int) -> HTTPResponse:
    body = json_body(request)
    target = body.get("agent_id")
    if not isinstance(target, int) or isinstance(target, bool) or not 0 < target <= MAX_ID:
        raise BadRequest("agent_id must be an agent's id", field="agent_id")
    await svc.transfer(
        hub_of(request),
        handoff_id=handoff_id,
        user=request.ctx.user,
        to_agent_id=target,
        note=_str(body, "note", required=False),
    )
    return await _detail(request, handoff_id)


@bp.post("/api/handoffs/<handoff_id:int>/resolve")
@requires(auth.ACT)
async def resolve(request: Request, handoff_id: int) -> HTTPResponse:
    body = json_body(request)
    await svc.resolve(
        hub_of(request),
        handoff_id=handoff_id,
        user=request.ctx.user,
        note=_str(body, "note", required=False),
    )
    return await _detail(request, handoff_id)


@bp.post("/api/handoffs/<handoff_id:int>/handback")
@requires(auth.ACT)
async def handback(request: Request, handoff_id: int) -> HTTPResponse:
    body = json_body(request)
    await svc.hand_back(
        hub_of(request),
        handoff_id=handoff_id,
        user=request.ctx.user,
        note=_str(body, "note") or "",
    )
    return await _detail(request, handoff_id)


# --- agent WebSocket -----------------------------------------------------------------------


@bp.get("/api/handoffs/<handoff_id:int>/attachments")
@requires(auth.ACT)
async def handoff_attachments(request: Request, handoff_id: int) -> HTTPResponse:
    """The customer's photos in this conversation, oldest first, with `url` and
    `thumbnail_url` (both need the agent's login session; see docs/api.md)."""
    hub = hub_of(request)
    async with hub.db.session() as session:
        items = await svc.handoff_attachments(
            session=session, handoff_id=handoff_id, user=request.ctx.user
        )
    return json({"attachments": items})


async def _agent_photo(request: Request, attachment_id: str, thumbnail: bool) -> HTTPResponse:
    hub = hub_of(request)
    async with hub.db.session() as session:
        attachment = await svc.readable_attachment(
            session=session, attachment_id=attachment_id, user=request.ctx.user
        )
    key = attachment.storage_key + (records.THUMBNAIL_SUFFIX if thumbnail else "")
    return file_response(
        await hub.attachments.get(key), attachment.content_type, attachment.filename
    )


@bp.get("/api/attachments/<attachment_id:str>")
@requires(auth.ACT)
async def attachment_file(request: Request, attachment_id: str) -> HTTPResponse:
    return await _agent_photo(request, attachment_id, thumbnail=False)


@bp.get("/api/attachments/<attachment_id:str>/thumbnail")
@requires(auth.ACT)
async def attachment_thumbnail(request: Request, attachment_id: str) -> HTTPResponse:
    return await _agent_photo(request, attachment_id, thumbnail=True)


def _visible(event: dict[str, Any], user: User) -> bool:
    if event.get("type") == "queue" or user.role in auth.SUPERVISE:
        return True
    return event.get("agent_id") == user.id


@bp.websocket("/ws/agent")
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
        await hub.pubsub.publish(CONSOLE, {"type": "queue", "reason": "agents_changed"})
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


async def _agent_frame(
    request: Request, ws: WebsocketImplProtocol, user: User, raw: str | bytes
) -> None:
    hub = hub_of(request)
    try:
        frame = sockets.parse_frame(raw)
        kind = frame.get("type")
        if kind == "ping":
            await sockets.send(ws, {"type": "pong"})
            return
        handoff_id = frame.get("handoff_id")
        if not isinstance(handoff_id, int) or isinstance(handoff_id, bool):
            raise BadRequest("handoff_id must be an integer", field="handoff_id")
        if kind == "message":
            client_id = frame.get("client_message_id")
            if client_id is not None and not isinstance(client_id, str):
                raise BadRequest("client_message_id must be a string", field="client_message_id")
            message, created = await svc.agent_message(
                hub,
                handoff_id=handoff_id,
                user=user,
                text=frame.get("text"),  # type: ignore[arg-type]
                client_message_id=client_id,
            )
            await sockets.send(
                ws,
                {
                    "type": "ack",
                    "client_message_id": client_id,
                    "message": message_view(message, internal=True),
                    "duplicate": not created,
                },
            )
        elif kind == "typing":
            await svc.agent_typing(
                hub, handoff_id=handoff_id, user=user, typing=bool(frame.get("typing"))
            )
        else:
            raise BadRequest("Unknown frame type.", field="type")
    except DomainError as exc:
        await sockets.send_error(ws, exc)
