"""Starting a handoff: the agent's context from the tracker, the queue entry, the truth for the
customer (started by the bot's turn, a failing bot, or a bot that asks again after a hand-back)."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from handoff.attachments import records
from handoff.conversations import queue
from handoff.conversations.context import ConversationFacts, build_context, topic_of
from handoff.conversations.notices import queued_notices
from handoff.conversations.publish import publish_messages, publish_status, queue_changed
from handoff.conversations.state import require_conversation
from handoff.errors import BotUnavailable
from handoff.hub import Hub
from handoff.store import repositories as repo
from handoff.store.models import Conversation, Handoff, Message, utcnow
from handoff.values import HandoffEventType, HandoffStatus, Mode, Sender
from handoff.views import iso

log = logging.getLogger(__name__)
BOT_UNAVAILABLE = "bot_unavailable"


def transcript_entry(message: Message) -> dict[str, Any]:
    payload = message.payload or {}
    text = message.text
    if text is None and payload.get("custom") is not None:
        text = "[custom payload]"
    entry: dict[str, Any] = {
        "seq": message.seq,
        "role": message.role,
        "text": text,
        "created_at": iso(message.created_at),
    }
    if message.role == Sender.CUSTOMER and payload.get("language"):
        entry["language"] = payload["language"]
    if payload.get("buttons"):
        entry["buttons"] = [b.get("title") for b in payload["buttons"]]
    return entry


async def previous_conversations(
    session: AsyncSession, *, conversation_id: str, customer_id: str | None, email: str | None
) -> list[dict[str, Any]]:
    """The customer's other conversations of the last 7 days (by customer id, else e-mail)."""
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
        messages = await repo.list_messages(session, conv.id)
        first = next((m for m in messages if m.role == Sender.CUSTOMER), None)
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


async def _context(
    session: AsyncSession,
    hub: Hub,
    conversation: Conversation,
    *,
    reason: str,
    tracker: dict[str, Any] | None,
    bot_payload: dict[str, Any] | None,
) -> dict[str, Any]:
    """What the agent sees; the conversation learns who the customer is along the way."""
    slots = (tracker or {}).get("slots") or (bot_payload or {}).get("slots") or {}
    verified = bool(slots.get("verified"))
    customer_id = conversation.customer_id or (slots.get("customer_id") if verified else None)
    email = slots.get("email") if isinstance(slots.get("email"), str) else None
    messages = await repo.list_messages(session, conversation.id)
    facts = ConversationFacts(
        conversation_id=conversation.id,
        language=conversation.language,
        customer_id=conversation.customer_id,
        customer_name=conversation.customer_name,
        email=conversation.email,
        transcript=[transcript_entry(m) for m in messages],
        previous_conversations=await previous_conversations(
            session,
            conversation_id=conversation.id,
            customer_id=customer_id,
            email=email if verified else None,
        ),
    )
    context = build_context(
        facts=facts,
        reason=reason,
        tracker=tracker,
        bot_payload=bot_payload,
        low_confidence=hub.settings.low_confidence,
    )
    attachments = await records.for_conversation(session, conversation.id)
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
    return context


async def _enqueue(
    session: AsyncSession,
    hub: Hub,
    conversation: Conversation,
    *,
    reason: str,
    context: dict[str, Any],
) -> tuple[Handoff, list[Message]]:
    conversation.mode = Mode.QUEUED
    priority, reasons = queue.initial_priority(reason=reason, context=context)
    handoff = Handoff(
        conversation_id=conversation.id,
        status=HandoffStatus.QUEUED,
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
    await repo.add_event(session, handoff, HandoffEventType.REQUESTED, data={"reason": reason})
    info = await queue.queue_info(session=session, settings=hub.settings, handoff=handoff)
    notices = await queued_notices(
        session,
        conversation=conversation,
        info=info,
        handoff=handoff,
        bot_unavailable=reason == BOT_UNAVAILABLE,
    )
    return handoff, notices


async def _tracker(hub: Hub, conversation_id: str, reason: str) -> dict[str, Any] | None:
    if reason == BOT_UNAVAILABLE:
        return None
    try:
        return await hub.rasa.tracker(conversation_id)
    except BotUnavailable:
        log.warning("tracker unavailable for handoff", extra={"conversation_id": conversation_id})
        return None


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
    tracker = await _tracker(hub, conversation_id, reason)
    async with hub.db.session() as session:
        conversation = await require_conversation(session=session, conversation_id=conversation_id)
        if done_message_id is not None:
            await repo.mark_turn_done(session, done_message_id)
        if await repo.open_handoff(session, conversation_id) is not None:
            return []
        context = await _context(
            session, hub, conversation, reason=reason, tracker=tracker, bot_payload=bot_payload
        )
        handoff, stored = await _enqueue(session, hub, conversation, reason=reason, context=context)
    log.info(
        "handoff requested",
        extra={"conversation_id": conversation_id, "handoff_id": handoff.id, "reason": reason},
    )
    await publish_messages(hub, conversation_id, stored, handoff)
    await publish_status(hub, conversation_id)
    await queue_changed(hub, "requested", handoff.id)
    return stored
