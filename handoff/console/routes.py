"""Agent API: the queue and handoffs (read, claim, reply, notes, transfer, resolve, hand back)
and the customers' photos. Every endpoint requires a login session and the right role;
accounts are in handoff.console.account_routes, the WebSocket in handoff.console.socket."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, json

from handoff import accounts as auth
from handoff.access import requires
from handoff.attachments import records
from handoff.console import reading
from handoff.console import services as svc
from handoff.console.inputs import string_field
from handoff.conversations.state import require_handoff
from handoff.errors import BadRequest
from handoff.http import file_response, hub_of, int_arg, json_body
from handoff.inputs import id_in_range
from handoff.pii import mask_value
from handoff.store import repositories as repo
from handoff.store.models import User
from handoff.values import CLOSED_STATUSES, OPEN_STATUSES, HandoffStatus
from handoff.views import event_view, message_view

log = logging.getLogger(__name__)
bp = Blueprint("console")
Action = Callable[..., Awaitable[object]]


@bp.get("/api/queue")
@requires(auth.ACT)
async def get_queue(request: Request) -> HTTPResponse:
    hub = hub_of(request)
    async with hub.db.session() as session:
        items = await reading.queue_view(session=session, hub=hub, user=request.ctx.user)
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
        data = await reading.detail(
            session=session, handoff_id=handoff_id, long_wait=hub.settings.long_wait_seconds
        )
    return json(masked_for(request.ctx.user, data))


@bp.post("/api/queue/next")
@requires(auth.ACT)
async def claim_next(request: Request) -> HTTPResponse:
    handoff = await svc.claim_next(hub_of(request), user=request.ctx.user)
    return await _detail(request, handoff.id)


STATUS_FILTERS = {
    "open": OPEN_STATUSES,
    "queued": (HandoffStatus.QUEUED,),
    "claimed": (HandoffStatus.CLAIMED,),
    "closed": CLOSED_STATUSES,
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
            await reading.summary(
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
    after = int_arg(request, "after", 0)
    hub = hub_of(request)
    async with hub.db.session() as session:
        handoff = await require_handoff(session=session, handoff_id=handoff_id)
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
        await require_handoff(session=session, handoff_id=handoff_id)
        events = await repo.list_events(session, handoff_id)
    return json(masked_for(request.ctx.user, {"events": [event_view(e) for e in events]}))


@bp.post("/api/handoffs/<handoff_id:int>/claim")
@requires(auth.ACT)
async def claim(request: Request, handoff_id: int) -> HTTPResponse:
    return await _acted(request, handoff_id, svc.claim)


@bp.post("/api/handoffs/<handoff_id:int>/messages")
@requires(auth.ACT)
async def reply(request: Request, handoff_id: int) -> HTTPResponse:
    body = json_body(request)
    message, created = await svc.agent_message(
        hub_of(request),
        handoff_id=handoff_id,
        user=request.ctx.user,
        text=body.get("text"),
        client_message_id=body.get("client_message_id"),
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
        text=body.get("text"),
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


async def _acted(request: Request, handoff_id: int, action: Action, **data: Any) -> HTTPResponse:
    """Run an agent's action on the handoff; answer with the handoff as it is now."""
    await action(hub_of(request), handoff_id=handoff_id, user=request.ctx.user, **data)
    return await _detail(request, handoff_id)


@bp.post("/api/handoffs/<handoff_id:int>/transfer")
@requires(auth.ACT)
async def transfer(request: Request, handoff_id: int) -> HTTPResponse:
    body = json_body(request)
    target = body.get("agent_id")
    if not id_in_range(target):
        raise BadRequest("agent_id must be an agent's id", field="agent_id")
    note = string_field(body, "note", required=False)
    return await _acted(request, handoff_id, svc.transfer, to_agent_id=target, note=note)


@bp.post("/api/handoffs/<handoff_id:int>/resolve")
@requires(auth.ACT)
async def resolve(request: Request, handoff_id: int) -> HTTPResponse:
    note = string_field(json_body(request), "note", required=False)
    return await _acted(request, handoff_id, svc.resolve, note=note)


@bp.post("/api/handoffs/<handoff_id:int>/handback")
@requires(auth.ACT)
async def handback(request: Request, handoff_id: int) -> HTTPResponse:
    note = string_field(json_body(request), "note") or ""
    return await _acted(request, handoff_id, svc.hand_back, note=note)


@bp.get("/api/handoffs/<handoff_id:int>/attachments")
@requires(auth.ACT)
async def handoff_attachments(request: Request, handoff_id: int) -> HTTPResponse:
    """The customer's photos in this conversation, oldest first, with `url` and
    `thumbnail_url` (both need the agent's login session; see docs/api.md)."""
    hub = hub_of(request)
    async with hub.db.session() as session:
        items = await reading.handoff_attachments(
            session=session, handoff_id=handoff_id, user=request.ctx.user
        )
    return json({"attachments": items})


@bp.get("/api/attachments/<attachment_id:str>", name="attachment_file")
@bp.get("/api/attachments/<attachment_id:str>/thumbnail", name="attachment_thumbnail")
@requires(auth.ACT)
async def attachment_file(request: Request, attachment_id: str) -> HTTPResponse:
    """A customer's photo, or its thumbnail (the route's name says which)."""
    thumbnail = str(request.name).endswith("thumbnail")
    hub = hub_of(request)
    async with hub.db.session() as session:
        attachment = await reading.readable_attachment(
            session=session, attachment_id=attachment_id, user=request.ctx.user
        )
    key = attachment.storage_key + (records.THUMBNAIL_SUFFIX if thumbnail else "")
    return file_response(
        await hub.attachments.get(key), attachment.content_type, attachment.filename
    )
