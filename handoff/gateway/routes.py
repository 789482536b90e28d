"""Customer API (REST): conversations, their messages, e-mail and leaving. Photos are in
handoff.gateway.photos, the WebSocket in handoff.gateway.socket."""

from __future__ import annotations

import logging
from typing import Any

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, json

from handoff.access import authorize
from handoff.conversations import ces, mailing
from handoff.conversations.publish import publish_message
from handoff.conversations.state import conversation_state, require_conversation
from handoff.conversations.validation import (
    normalise_language,
    validate_client_id,
    validate_text,
    validate_waited,
)
from handoff.errors import BadRequest
from handoff.gateway import answer, presence
from handoff.gateway import services as svc
from handoff.http import client_address, hub_of, int_arg, json_body
from handoff.hub import Hub
from handoff.ratelimit import CONVERSATION_ADDRESS, MESSAGE_ADDRESS, MESSAGE_CONVERSATION
from handoff.security import REFRESH_GRACE_SECONDS, conversation_token, verify_shop_token
from handoff.store import repositories as repo
from handoff.views import message_view

log = logging.getLogger(__name__)
bp = Blueprint("gateway")


def _token_fields(hub: Hub, conversation_id: str) -> dict[str, Any]:
    ttl = hub.settings.conversation_token_ttl_seconds
    return {
        "token": conversation_token(hub.settings.secret, conversation_id, ttl_seconds=ttl),
        "token_expires_in": ttl,
    }


async def post_customer_message(
    request: Request, conversation_id: str, frame: dict[str, Any]
) -> svc.Posted:
    """A customer message from a request body or a socket frame: checked, rate-limited (per
    conversation and per address; a resend of an acknowledged one is free: the widget resends
    its outbox after reconnecting), stored."""
    client_id = validate_client_id(frame.get("client_message_id"))
    text = validate_text(frame.get("text"))
    hub, address = hub_of(request), client_address(request)
    await hub.limits.check(MESSAGE_CONVERSATION, conversation_id)
    await hub.limits.check(MESSAGE_ADDRESS, address)
    posted = await svc.accept_customer_message(
        hub, conversation_id=conversation_id, client_message_id=client_id, text=text
    )
    if posted.created:
        await hub.limits.count(MESSAGE_CONVERSATION, conversation_id)
        await hub.limits.count(MESSAGE_ADDRESS, address)
    return posted


MAX_PAGE = 1000


@bp.post("/api/conversations")
async def create_conversation(request: Request) -> HTTPResponse:
    hub = hub_of(request)
    await hub.limits.hit(CONVERSATION_ADDRESS, client_address(request))
    body = json_body(request)
    language = normalise_language(body.get("language"), request.headers.get("accept-language"))
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
        await require_conversation(session=session, conversation_id=conversation_id)
    return json({"conversation_id": conversation_id, **_token_fields(hub, conversation_id)})


@bp.get("/api/conversations/<conversation_id:str>")
async def get_conversation(request: Request, conversation_id: str) -> HTTPResponse:
    authorize(request, conversation_id)
    hub = hub_of(request)
    async with hub.db.session() as session:
        conversation = await require_conversation(session=session, conversation_id=conversation_id)
        state = await conversation_state(
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
        conversation = await require_conversation(session=session, conversation_id=conversation_id)
        messages = await repo.list_messages(session, conversation_id, after=after, limit=limit)
    return json(
        {"messages": [message_view(m) for m in messages], "last_seq": conversation.last_seq}
    )


@bp.post("/api/conversations/<conversation_id:str>/messages")
async def post_message(request: Request, conversation_id: str) -> HTTPResponse:
    authorize(request, conversation_id)
    body = json_body(request)
    validate_waited(body.get("waited_ms"))
    posted = await post_customer_message(request, conversation_id, body)
    hub = hub_of(request)
    # A new message's bot turn runs now; a resend gets the stored replies (driving the turn
    # if it is unfinished and nobody else holds it: its first driver may have died). Either
    # way the answer comes once the turn is done or the customer has heard "still checking".
    if posted.created and posted.message.bot_status is None:  # for the agent, or the service
        got = answer.Outcome(posted.notices, False)
    else:
        got = await answer.respond(
            hub,
            conversation_id=conversation_id,
            message=posted.message,
            created=posted.created,
            waited=validate_waited(body.get("waited_ms")),
        )
    return json(
        {
            "message": message_view(posted.message),
            "replies": [message_view(m) for m in got.replies],
            "duplicate": not posted.created,
            "pending": got.pending,
        },
        status=201 if posted.created else 200,
    )


def _email_address(request: Request, conversation_id: str) -> object:
    authorize(request, conversation_id)
    return json_body(request).get("email")


@bp.post("/api/conversations/<conversation_id:str>/transcript")
async def email_transcript(request: Request, conversation_id: str) -> HTTPResponse:
    """E-mail the whole conversation to the address given (also after the customer ended it)."""
    address = _email_address(request, conversation_id)
    to = await mailing.send_transcript(
        hub_of(request), conversation_id=conversation_id, address=address
    )
    return json({"sent": True, "email": to})


@bp.post("/api/conversations/<conversation_id:str>/reply-email")
async def reply_email(request: Request, conversation_id: str) -> HTTPResponse:
    """Where an agent's reply goes when the customer is not connected (nobody online)."""
    address = _email_address(request, conversation_id)
    hub = hub_of(request)
    to = await mailing.set_reply_address(hub, conversation_id=conversation_id, address=address)
    return json({"reply_email": to})


@bp.post("/api/conversations/<conversation_id:str>/leave")
async def leave(request: Request, conversation_id: str) -> HTTPResponse:
    authorize(request, conversation_id)
    hub = hub_of(request)
    async with hub.db.session() as session:
        await require_conversation(session=session, conversation_id=conversation_id)
    await presence.customer_left(hub, conversation_id, explicit=True)
    # A substantive chat with the bot that the customer ended: the CES question, once.
    question = await ces.ask_on_leave(hub, conversation_id)
    if question is not None:
        await publish_message(hub, conversation_id, question, None)
    return json({"ok": True, "ces": message_view(question) if question is not None else None})
