"""Customer-side services: conversations, customer messages and photos (the bot's turn is in
handoff.gateway.turns; handoffs, notices and publishing in handoff.conversations).

Store-level functions take a keyword-only `session`; the orchestration functions take the `Hub`
(database, Rasa client, pub/sub) because one turn spans several units of work."""

from __future__ import annotations

import asyncio
import logging
import secrets
from dataclasses import dataclass, field

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from handoff import language as languages
from handoff import texts
from handoff.attachments import images, records
from handoff.conversations import ces
from handoff.conversations.notices import system_message
from handoff.conversations.publish import publish_messages
from handoff.conversations.state import require_conversation
from handoff.hub import Hub
from handoff.security import ShopCustomer
from handoff.store import repositories as repo
from handoff.store.models import Conversation, Handoff, Message, utcnow
from handoff.values import BotStatus, HandoffStatus, Mode, Sender

log = logging.getLogger(__name__)


# --- store-level ---------------------------------------------------------------------------


async def create_conversation(
    *, session: AsyncSession, language: str, customer: ShopCustomer | None
) -> Conversation:
    now = utcnow()
    conversation = Conversation(
        id="c_" + secrets.token_hex(12),
        language=language,
        channel="web",
        mode=Mode.BOT,
        last_seq=0,
        customer_present=True,
        customer_id=customer.customer_id if customer else None,
        customer_name=customer.name if customer else None,
        reply_email=customer.email if customer else None,
        created_at=now,
        updated_at=now,
    )
    return await repo.add(session, conversation)


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
        if handoff is not None and handoff.status == HandoffStatus.QUEUED:
            handoff.language = language
    score = ces.parse_answer(text)
    message = await repo.add_message(
        session,
        conversation_id=conversation_id,
        role=Sender.CUSTOMER,
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
    if conversation.mode == Mode.CLOSED:
        conversation.mode = Mode.BOT
    if conversation.mode == Mode.BOT:
        message.bot_status = BotStatus.PENDING  # a durable bot turn (handoff.gateway.turns)
        await session.flush()
    return Posted(message, True, conversation.mode, handoff)


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
        await publish_messages(
            hub, conversation_id, [posted.message, *posted.notices], posted.handoff
        )
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
            role=Sender.CUSTOMER,
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
        elif conversation.mode in (Mode.BOT, Mode.CLOSED):
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
    await publish_messages(hub, conversation_id, [posted.message, *posted.notices], handoff)
    return posted
