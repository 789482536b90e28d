"""Customer-side services: conversations, messages, the bot relay and handoff requests.

Store-level functions take a keyword-only `session`; the orchestration functions take the `Hub`
(database, Rasa client, pub/sub) because one turn spans several units of work."""

from __future__ import annotations

import asyncio
import logging
import secrets
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from handoff import language as languages
from handoff import texts
from handoff.attachments import images, records
from handoff.config import LANGUAGES, Settings
from handoff.errors import BadRequest, BotUnavailable, NotFound
from handoff.gateway import ces
from handoff.gateway.context import ConversationFacts, build_context, topic_of
from handoff.hub import Hub
from handoff.pubsub import CONSOLE, conversation_channel
from handoff.queue import services as queue
from handoff.security import ShopCustomer
from handoff.store import repositories as repo
from handoff.store.models import Conversation, Handoff, Message, User, utcnow
from handoff.views import conversation_view, iso, message_view

log = logging.getLogger(__name__)
MAX_TEXT = 5000


def normalise_language(value: Any, accept_language: str | None = None) -> str:
    if isinstance(value, str) and value:
        lang = value.strip().lower().split("-")[0]
        if lang not in LANGUAGES:
            raise BadRequest(f"language must be one of {', '.join(LANGUAGES)}", field="language")
        return lang
    if accept_language:
        for part in accept_language.split(","):
            lang = part.split(";")[0].strip().lower().split("-")[0]
            if lang in LANGUAGES:
                return lang
    return "en"


def validate_text(text: Any) -> str:
    if isinstance(text, str):
        # PostgreSQL text cannot hold NUL: storing it failed with a 500 (pasted binary junk).
        text = text.replace("\x00", "")
    if not isinstance(text, str) or not text.strip():
        raise BadRequest("text must be a non-empty string", field="text")
    if len(text) > MAX_TEXT:
        raise BadRequest(f"text must be at most {MAX_TEXT} characters", field="text")
    return text


def validate_client_id(value: Any) -> str:
    if not isinstance(value, str) or not value or len(value) > 100 or "\x00" in value:
        raise BadRequest(
            "client_message_id must be a non-empty string (≤ 100 chars)", field="client_message_id"
        )
    return value


# --- store-level ---------------------------------------------------------------------------


async def system_message(
    session: AsyncSession,
    *,
    conversation_id: str,
    language: str,
    event: str,
    handoff_id: int | None = None,
    **data: Any,
) -> Message:
    """A notice from the service itself. `custom.event` is the machine-readable type the widget
    reacts to (docs/api.md, "System messages"); `text` is what the customer reads."""
    values = {k: v for k, v in data.items() if v is not None}
    text_values = {"agent": values.get("agent_name"), **values}
    payload: dict[str, Any] = {"event": event, "custom": {"event": event, **values}}
    if handoff_id is not None:
        payload["handoff_id"] = handoff_id
    if "agent_name" in values:
        payload["agent_name"] = values["agent_name"]
    return await repo.add_message(
        session,
        conversation_id=conversation_id,
        role="system",
        text=texts.text(language, event, **text_values),
        payload=payload,
    )


async def queued_notices(
    session: AsyncSession,
    *,
    conversation: Conversation,
    info: queue.QueueInfo,
    handoff: Handoff,
    bot_unavailable: bool = False,
) -> list[Message]:
    """What a customer is told on entering the queue: the wait, or that nobody is online."""
    stored: list[Message] = []
    cid, lang = conversation.id, conversation.language
    if bot_unavailable:
        stored.append(
            await system_message(
                session, conversation_id=cid, language=lang, event="bot_unavailable"
            )
        )
    if info.agents_online:
        wait = info.estimated_wait_seconds or 60
        stored.append(
            await system_message(
                session,
                event="queued",
                handoff_id=handoff.id,
                position=info.position,
                estimated_wait_seconds=info.estimated_wait_seconds,
                minutes=max(1, round(wait / 60)),
                agents_online=info.agents_online,
                conversation_id=cid,
                language=lang,
            )
        )
    else:
        stored.append(
            await system_message(
                session,
                event="nobody_online",
                handoff_id=handoff.id,
                position=info.position,
                agents_online=0,
                conversation_id=cid,
                language=lang,
            )
        )
    return stored


async def create_conversation(
    *, session: AsyncSession, language: str, customer: ShopCustomer | None
) -> Conversation:
    now = utcnow()
    conversation = Conversation(
        id="c_" + secrets.token_hex(12),
        language=language,
        channel="web",
        mode="bot",
        last_seq=0,
        customer_present=True,
        customer_id=customer.customer_id if customer else None,
        customer_name=customer.name if customer else None,
        reply_email=customer.email if customer else None,
        created_at=now,
        updated_at=now,
    )
    session.add(conversation)
    await session.flush()
    return conversation


async def require_conversation(*, session: AsyncSession, conversation_id: str) -> Conversation:
    conversation = await repo.get_conversation(session, conversation_id)
    if conversation is None:
        raise NotFound("No such conversation.")
    return conversation


async def conversation_state(
    *, session: AsyncSession, settings: Settings, conversation: Conversation
) -> dict[str, Any]:
    handoff = await repo.open_handoff(session, conversation.id)
    queue_data = None
    agent: User | None = None
    if handoff is not None and handoff.status == "queued":
        info = await queue.queue_info(session=session, settings=settings, handoff=handoff)
        queue_data = info.as_dict()
    elif handoff is not None and handoff.agent_id is not None:
        agent = await session.get(User, handoff.agent_id)
    return {
        **conversation_view(conversation, queue=queue_data, agent=agent),
        "email_enabled": settings.mail_enabled,
    }


@dataclass
class Posted:
    message: Message
    created: bool
    mode: str
    handoff: Handoff | None
    # The service's own answers to this message (the CES thank-you, the photo notice).
    notices: list[Message] = field(default_factory=list)


async def store_customer_message(
    *, session: AsyncSession, conversation_id: str, client_message_id: str, text: str
) -> Posted:
    conversation = await require_conversation(session=session, conversation_id=conversation_id)
    existing = await repo.message_by_client_id(session, conversation_id, client_message_id)
    if existing is not None:
        return Posted(existing, False, conversation.mode, None)
    language = languages.detect(text, previous=conversation.language)
    handoff = await repo.open_handoff(session, conversation_id)
    if language != conversation.language:
        # The customer switched language: the bot answers in it (Rasa metadata), notices and
        # the queue follow it (a queued handoff is routed to agents who speak it).
        log.info(
            "conversation language changed",
            extra={"conversation_id": conversation_id, "language": language},
        )
        conversation.language = language
        if handoff is not None and handoff.status == "queued":
            handoff.language = language
    score = ces.parse_answer(text)
    message = await repo.add_message(
        session,
        conversation_id=conversation_id,
        role="customer",
        text=text,
        payload={"text": text, "language": language},
        client_message_id=client_message_id,
    )
    if score is not None:
        # The answer to the service's own question (after an agent) stays with the service;
        # an answer to the bot's question goes on to the bot.
        thanks = await ces.record_answer(session, conversation=conversation, score=score)
        if thanks is not None:
            return Posted(message, True, conversation.mode, handoff, [thanks])
    if conversation.mode == "closed":
        conversation.mode = "bot"
    if conversation.mode == "bot":
        message.bot_status = "pending"  # a durable bot turn (handoff.gateway.turns)
        await session.flush()
    return Posted(message, True, conversation.mode, handoff)


# --- publishing ----------------------------------------------------------------------------


async def publish_message(
    hub: Hub, conversation_id: str, message: Message, handoff: Handoff | None
) -> None:
    await hub.pubsub.publish(
        conversation_channel(conversation_id), {"type": "message", "message": message_view(message)}
    )
    if handoff is not None:
        await hub.pubsub.publish(
            CONSOLE,
            {
                "type": "message",
                "handoff_id": handoff.id,
                "conversation_id": conversation_id,
                "agent_id": handoff.agent_id,
                "message": message_view(message, internal=True),
            },
        )


async def publish_status(hub: Hub, conversation_id: str) -> None:
    async with hub.db.session() as session:
        conversation = await require_conversation(session=session, conversation_id=conversation_id)
        state = await conversation_state(
            session=session, settings=hub.settings, conversation=conversation
        )
    await hub.pubsub.publish(
        conversation_channel(conversation_id), {"type": "status", "conversation": state}
    )


# --- orchestration -------------------------------------------------------------------------


async def accept_customer_message(
    hub: Hub, *, conversation_id: str, client_message_id: str, text: str
) -> Posted:
    """Store (then acknowledge) a customer message; idempotent per client_message_id."""
    try:
        async with hub.db.session() as session:
            posted = await store_customer_message(
                session=session,
                conversation_id=conversation_id,
                client_message_id=client_message_id,
                text=text,
            )
    except IntegrityError:
        # A concurrent resend of the same client id won the race: return the stored one.
        async with hub.db.session() as session:
            conversation = await require_conversation(
                session=session, conversation_id=conversation_id
            )
            existing = await repo.message_by_client_id(session, conversation_id, client_message_id)
            if existing is None:
                raise
            return Posted(existing, False, conversation.mode, None)
    if posted.created:
        await publish_message(hub, conversation_id, posted.message, posted.handoff)
        for notice in posted.notices:
            await publish_message(hub, conversation_id, notice, posted.handoff)
        score = ces.parse_answer(text)
        if posted.notices and score is not None:
            hub.spawn(ces.tell_bot(hub, conversation_id, ces_score=score), name="ces-slot")
    return posted


async def accept_photo(
    hub: Hub,
    *,
    conversation_id: str,
    data: bytes,
    filename: str | None,
    client_message_id: str | None,
) -> Posted:
    """Check and re-encode a customer's photo, store it, and post it as a customer message
    (listed in the open handoff's context). Idempotent per client_message_id."""
    if client_message_id is not None:
        async with hub.db.session() as session:
            await require_conversation(session=session, conversation_id=conversation_id)
            existing = await repo.message_by_client_id(session, conversation_id, client_message_id)
        if existing is not None:
            return Posted(existing, False, "", None)
    photo = await asyncio.to_thread(images.process, data)
    async with hub.db.session() as session:
        conversation = await require_conversation(session=session, conversation_id=conversation_id)
        attachment = await records.add(
            session, conversation_id=conversation_id, photo=photo, filename=filename
        )
        await hub.attachments.put(attachment.storage_key, photo.data)
        await hub.attachments.put(
            attachment.storage_key + records.THUMBNAIL_SUFFIX, photo.thumbnail
        )
        reference = records.reference(attachment)
        message = await repo.add_message(
            session,
            conversation_id=conversation_id,
            role="customer",
            text=f"[{texts.text(conversation.language, 'photo')}: {attachment.filename}]",
            payload={"attachment": reference},
            client_message_id=client_message_id,
        )
        attachment.message_seq = message.seq
        handoff = await repo.open_handoff(session, conversation_id)
        notices: list[Message] = []
        if handoff is not None:
            context = dict(handoff.context or {})
            listed = list(context.get("attachments") or [])
            context["attachments"] = [*listed, {**reference, "seq": message.seq}]
            handoff.context = context
        elif conversation.mode in ("bot", "closed"):
            notices.append(
                await system_message(
                    session,
                    conversation_id=conversation_id,
                    language=conversation.language,
                    event="photo_kept",
                )
            )
        posted = Posted(message, True, conversation.mode, handoff, notices)
    log.info(
        "photo received",
        extra={"conversation_id": conversation_id, "bytes": len(photo.data), "in": len(data)},
    )
    await publish_message(hub, conversation_id, posted.message, handoff)
    for notice in posted.notices:
        await publish_message(hub, conversation_id, notice, handoff)
    return posted


def _transcript_entry(message: Message) -> dict[str, Any]:
    text = message.text
    if text is None and (message.payload or {}).get("custom") is not None:
        text = "[custom payload]"
    entry: dict[str, Any] = {
        "seq": message.seq,
        "role": message.role,
        "text": text,
        "created_at": iso(message.created_at),
    }
    if message.role == "customer" and (message.payload or {}).get("language"):
        entry["language"] = message.payload["language"]
    if (message.payload or {}).get("buttons"):
        entry["buttons"] = [b.get("title") for b in message.payload["buttons"]]
    return entry


async def _previous_conversations(
    session: AsyncSession, *, conversation_id: str, customer_id: str | None, email: str | None
) -> list[dict[str, Any]]:
    since = utcnow() - timedelta(days=7)
    rows = await repo.recent_conversations(
        session, customer_id=customer_id, email=email, exclude=conversation_id, since=since
    )
    handoffs = await repo.handoffs_for_conversations(session, [c.id for c in rows])
    reasons: dict[str, list[str]] = {}
    topics: dict[str, str] = {}
    for h in handoffs:
        reasons.setdefault(h.conversation_id, []).append(h.reason)
        topic = topic_of(h.context or {})
        if topic is not None:
            topics[h.conversation_id] = topic
    result = []
    for conv in rows:
        last = await repo.last_message(session, conv.id)
        first = next(
            (m for m in await repo.list_messages(session, conv.id) if m.role == "customer"), None
        )
        result.append(
            {
                "conversation_id": conv.id,
                "created_at": iso(conv.created_at),
                "mode": conv.mode,
                "handoff_reasons": reasons.get(conv.id, []),
                "topic": topics.get(conv.id),
                "first_message": first.text if first else None,
                "last_message": last.text if last else None,
            }
        )
    return result


async def start_handoff(
    hub: Hub,
    *,
    conversation_id: str,
    reason: str,
    bot_payload: dict[str, Any] | None,
    done_message_id: int | None = None,
) -> list[Message]:
    """Build the agent's context from the tracker, queue the conversation, tell the truth.

    `done_message_id`: the customer message whose bot turn ends with this handoff (marked done
    in the same transaction, so a crash cannot leave it both answered and pending)."""
    tracker: dict[str, Any] | None = None
    if reason != "bot_unavailable":
        try:
            tracker = await hub.rasa.tracker(conversation_id)
        except BotUnavailable:
            log.warning(
                "tracker unavailable for handoff", extra={"conversation_id": conversation_id}
            )
    stored: list[Message] = []
    async with hub.db.session() as session:
        conversation = await require_conversation(session=session, conversation_id=conversation_id)
        if done_message_id is not None:
            await session.execute(
                update(Message)
                .where(Message.id == done_message_id)
                .values(bot_status="done", bot_lease_until=None)
            )
        if await repo.open_handoff(session, conversation_id) is not None:
            return []
        slots = (tracker or {}).get("slots") or (bot_payload or {}).get("slots") or {}
        verified = bool(slots.get("verified"))
        customer_id = conversation.customer_id or (slots.get("customer_id") if verified else None)
        email = slots.get("email") if isinstance(slots.get("email"), str) else None
        messages = await repo.list_messages(session, conversation_id)
        previous = await _previous_conversations(
            session,
            conversation_id=conversation_id,
            customer_id=customer_id,
            email=email if verified else None,
        )
        facts = ConversationFacts(
            conversation_id=conversation_id,
            language=conversation.language,
            customer_id=conversation.customer_id,
            customer_name=conversation.customer_name,
            email=conversation.email,
            transcript=[_transcript_entry(m) for m in messages],
            previous_conversations=previous,
        )
        context = build_context(
            facts=facts,
            reason=reason,
            tracker=tracker,
            bot_payload=bot_payload,
            low_confidence=hub.settings.low_confidence,
        )
        attachments = await records.for_conversation(session, conversation_id)
        if attachments:
            context["attachments"] = [
                {**records.reference(a), "seq": a.message_seq} for a in attachments
            ]
        if customer_id and not conversation.customer_id:
            conversation.customer_id = str(customer_id)
        if email and verified:
            conversation.email = email
        if not conversation.customer_name and context["identity"].get("name"):
            conversation.customer_name = str(context["identity"]["name"])
        conversation.mode = "queued"
        priority, reasons = queue.initial_priority(reason=reason, context=context)
        handoff = Handoff(
            conversation_id=conversation_id,
            status="queued",
            reason=reason,
            language=str(context.get("language") or conversation.language),
            priority=priority,
            priority_reasons=reasons,
            summary=context["summary"],
            context=context,
            requested_at=utcnow(),
        )
        session.add(handoff)
        await session.flush()
        await repo.add_event(session, handoff, "requested", data={"reason": reason})
        info = await queue.queue_info(session=session, settings=hub.settings, handoff=handoff)
        stored += await queued_notices(
            session,
            conversation=conversation,
            info=info,
            handoff=handoff,
            bot_unavailable=reason == "bot_unavailable",
        )
    log.info(
        "handoff requested",
        extra={"conversation_id": conversation_id, "handoff_id": handoff.id, "reason": reason},
    )
    for message in stored:
        await publish_message(hub, conversation_id, message, handoff)
    await publish_status(hub, conversation_id)
    await hub.pubsub.publish(
        CONSOLE, {"type": "queue", "reason": "requested", "handoff_id": handoff.id}
    )
    return stored
