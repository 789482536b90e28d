"""What agents do with handoffs. Store work takes a keyword-only `session`; actions that also
publish live events or call Rasa take the `Hub`."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from handoff.accounts import ACT, SUPERVISE
from handoff.conversations import ces, mailing, queue
from handoff.conversations.handoffs import start_handoff
from handoff.conversations.notices import queued_notices, system_message
from handoff.conversations.publish import (
    publish_message,
    publish_messages,
    publish_status,
    queue_changed,
    to_console,
)
from handoff.conversations.replies import store_bot_replies
from handoff.conversations.state import require_conversation, require_handoff
from handoff.conversations.validation import optional_client_id, validate_text
from handoff.errors import BadRequest, BotUnavailable, Conflict, Forbidden, NotFound
from handoff.hub import Hub
from handoff.pubsub import conversation_channel
from handoff.store import repositories as repo
from handoff.store.models import Conversation, Handoff, Message, Note, User, utcnow
from handoff.values import HandoffEventType, HandoffStatus, Mode, Sender
from handoff.views import note_view

log = logging.getLogger(__name__)


def _check_actor(handoff: Handoff, user: User) -> None:
    if user.role not in ACT:
        raise Forbidden("Your role cannot act on conversations.")
    if handoff.status != HandoffStatus.CLAIMED:
        raise Conflict("This handoff is not in progress.", code="handoff_not_claimed")
    if handoff.agent_id != user.id and user.role not in SUPERVISE:
        raise Forbidden("This conversation is assigned to another agent.", code="not_assigned")


async def _system_message(
    session: AsyncSession, handoff: Handoff, event: str, agent: User, **data: Any
) -> Message:
    conversation = await require_conversation(
        session=session, conversation_id=handoff.conversation_id
    )
    return await system_message(
        session,
        conversation_id=handoff.conversation_id,
        language=conversation.language,
        event=event,
        handoff_id=handoff.id,
        agent_name=agent.name,
        **data,
    )


async def _lifecycle(hub: Hub, handoff: Handoff, event: str, messages: list[Message]) -> None:
    await publish_messages(hub, handoff.conversation_id, messages, handoff)
    await publish_status(hub, handoff.conversation_id)
    await to_console(hub, "handoff", handoff, event=event)
    await queue_changed(hub, event, handoff.id)


async def claim(hub: Hub, *, handoff_id: int, user: User) -> Handoff:
    if user.role not in ACT:
        raise Forbidden("Your role cannot claim conversations.")
    async with hub.db.session() as session:
        handoff = await require_handoff(session=session, handoff_id=handoff_id)
        if handoff.status != HandoffStatus.QUEUED:
            raise Conflict("This handoff was already taken or closed.", code="already_claimed")
        handoff.status = HandoffStatus.CLAIMED
        handoff.agent_id = user.id
        handoff.claimed_at = utcnow()
        conversation = await require_conversation(
            session=session, conversation_id=handoff.conversation_id
        )
        conversation.mode = Mode.AGENT
        await repo.add_event(session, handoff, HandoffEventType.CLAIMED, agent_id=user.id)
        notice = await _system_message(session, handoff, "agent_joined", user)
    log.info("handoff claimed", extra={"handoff_id": handoff_id, "agent_id": user.id})
    await _lifecycle(hub, handoff, "claimed", [notice])
    return handoff


async def claim_next(hub: Hub, *, user: User) -> Handoff:
    """The first conversation of the agent's queue whose customer is still in the chat; a
    customer who has left is taken only when nobody present is waiting (the reply then goes
    by e-mail)."""
    async with hub.db.session() as session:
        candidates = await queue.routable_queue(session=session, settings=hub.settings, user=user)
        present = await repo.present_conversation_ids(
            session, [candidate.conversation_id for candidate in candidates]
        )
    candidates.sort(key=lambda candidate: candidate.conversation_id not in present)
    for candidate in candidates:
        try:
            return await claim(hub, handoff_id=candidate.id, user=user)
        except Conflict:
            continue  # someone else was faster
    raise NotFound("Nobody is waiting in your queue.", code="queue_empty")


async def agent_message(
    hub: Hub, *, handoff_id: int, user: User, text: object, client_message_id: object
) -> tuple[Message, bool]:
    """An agent's reply (`text` and `client_message_id` as the client sent them: checked
    here, the same for REST and WebSocket)."""
    reply = validate_text(text)
    client_id = optional_client_id(client_message_id)
    async with hub.db.session() as session:
        handoff = await require_handoff(session=session, handoff_id=handoff_id)
        _check_actor(handoff, user)
        if client_id is not None:
            existing = await repo.message_by_client_id(session, handoff.conversation_id, client_id)
            if existing is not None:
                return existing, False
        message = await repo.add_message(
            session,
            conversation_id=handoff.conversation_id,
            role=Sender.AGENT,
            text=reply,
            payload={"text": reply, "agent_name": user.name},
            client_message_id=client_id,
            agent_id=user.id,
        )
    await publish_message(hub, handoff.conversation_id, message, handoff)
    # Nobody online earlier, or the customer left: the reply also goes to their e-mail.
    hub.spawn(
        _reply_by_email(hub, handoff.conversation_id, message),
        name=f"reply-email-{handoff.conversation_id}",
    )
    return message, True


async def _reply_by_email(hub: Hub, conversation_id: str, message: Message) -> None:
    try:
        await mailing.reply_if_offline(hub, conversation_id=conversation_id, message=message)
    except Exception:
        log.exception("reply e-mail failed", extra={"conversation_id": conversation_id})


async def add_note(hub: Hub, *, handoff_id: int, user: User, text: object) -> dict[str, Any]:
    if user.role not in ACT:
        raise Forbidden("Your role cannot write notes.")
    note_text = validate_text(text)
    async with hub.db.session() as session:
        handoff = await require_handoff(session=session, handoff_id=handoff_id)
        note = Note(handoff_id=handoff.id, author_id=user.id, text=note_text, created_at=utcnow())
        session.add(note)
        await session.flush()
        view = note_view(note, user)
    await to_console(hub, "note", handoff, note=view)
    return view


async def agent_typing(hub: Hub, *, handoff_id: int, user: User, typing: bool) -> None:
    async with hub.db.session() as session:
        handoff = await require_handoff(session=session, handoff_id=handoff_id)
        _check_actor(handoff, user)
    await hub.pubsub.publish(
        conversation_channel(handoff.conversation_id),
        {"type": "typing", "role": "agent", "typing": typing},
    )


async def transfer(
    hub: Hub, *, handoff_id: int, user: User, to_agent_id: int, note: str | None
) -> Handoff:
    async with hub.db.session() as session:
        handoff = await require_handoff(session=session, handoff_id=handoff_id)
        _check_actor(handoff, user)
        target = await session.get(User, to_agent_id)
        if target is None or not target.active or target.role not in ACT:
            raise BadRequest("agent_id must be an active agent", field="agent_id")
        if target.id == handoff.agent_id:
            raise Conflict("The conversation is already assigned to that agent.")
        previous = handoff.agent_id
        previous_agent = await session.get(User, previous) if previous is not None else None
        handoff.agent_id = target.id
        await repo.add_event(
            session,
            handoff,
            HandoffEventType.TRANSFERRED,
            agent_id=user.id,
            data={"from_agent_id": previous, "to_agent_id": target.id, "note": note},
        )
        if note:
            session.add(
                Note(
                    handoff_id=handoff.id,
                    author_id=user.id,
                    text=f"Transfer note: {note}",
                    created_at=utcnow(),
                )
            )
        notice = await _system_message(
            session,
            handoff,
            "transferred",
            target,
            from_agent_name=previous_agent.name if previous_agent is not None else None,
        )
    await _lifecycle(hub, handoff, "transferred", [notice])
    return handoff


# The two ways an agent closes a handoff: the event recorded, the conversation's next mode.
_CLOSINGS = {
    HandoffStatus.RESOLVED: (HandoffEventType.RESOLVED, Mode.CLOSED),
    HandoffStatus.HANDED_BACK: (HandoffEventType.HANDED_BACK, Mode.BOT),
}


async def _close(
    session: AsyncSession, handoff: Handoff, status: HandoffStatus, *, user: User, note: str | None
) -> Conversation:
    """Closes the handoff with the agent's note, records it in its history and moves its
    conversation on (_CLOSINGS); returns the conversation."""
    event, mode = _CLOSINGS[status]
    handoff.status = status
    handoff.closed_at = utcnow()
    handoff.resolution = note
    conversation = await require_conversation(
        session=session, conversation_id=handoff.conversation_id
    )
    conversation.mode = mode
    await repo.add_event(session, handoff, event, agent_id=user.id, data={"note": note})
    return conversation


async def resolve(hub: Hub, *, handoff_id: int, user: User, note: str | None) -> Handoff:
    async with hub.db.session() as session:
        handoff = await require_handoff(session=session, handoff_id=handoff_id)
        _check_actor(handoff, user)
    # Once per session: not when the bot already asked the CES question in this Rasa session.
    bot_asked = await ces.bot_already_asked(hub, handoff.conversation_id)
    asked = False
    async with hub.db.session() as session:
        handoff = await require_handoff(session=session, handoff_id=handoff_id)
        _check_actor(handoff, user)
        conversation = await _close(session, handoff, HandoffStatus.RESOLVED, user=user, note=note)
        notices = [await _system_message(session, handoff, "resolved", user)]
        if not bot_asked and await ces.should_ask(session, handoff=handoff):
            notices.append(
                await ces.ask(
                    session,
                    conversation=conversation,
                    handoff=handoff,
                    shop_name=hub.settings.shop_name,
                )
            )
            asked = True
    await _lifecycle(hub, handoff, "resolved", notices)
    try:  # so the bot answers if the customer writes again later
        await hub.rasa.resume(handoff.conversation_id)
    except BotUnavailable:
        log.warning("could not resume the bot after resolve", extra={"handoff_id": handoff_id})
    else:
        if asked:  # the bot must not ask again in this session
            await ces.tell_bot(hub, handoff.conversation_id, ces_asked=True)
    return handoff


async def hand_back(hub: Hub, *, handoff_id: int, user: User, note: str) -> Handoff:
    """Resume the Rasa conversation with the agent's outcome; the bot carries on."""
    if not isinstance(note, str) or not note.strip():
        raise BadRequest("note (the outcome the bot should know) is required", field="note")
    note = note.strip()
    async with hub.db.session() as session:
        handoff = await require_handoff(session=session, handoff_id=handoff_id)
        _check_actor(handoff, user)
    async with hub.locks[handoff.conversation_id]:
        try:
            replies = await hub.rasa.hand_back(handoff.conversation_id, note)
        except BotUnavailable as exc:
            raise Conflict(
                "The assistant is unavailable; resolve the conversation instead.",
                code="bot_unavailable",
            ) from exc
        stored: list[Message] = []
        async with hub.db.session() as session:
            handoff = await require_handoff(session=session, handoff_id=handoff_id)
            await _close(session, handoff, HandoffStatus.HANDED_BACK, user=user, note=note)
            stored.append(
                await _system_message(session, handoff, "handed_back", user, resolution=note)
            )
            got = await store_bot_replies(
                session, conversation_id=handoff.conversation_id, replies=replies
            )
            stored += got.stored
            again = got.handoff
    log.info("handed back", extra={"handoff_id": handoff_id, "agent_id": user.id})
    await _lifecycle(hub, handoff, "handed_back", stored)
    if again is not None:  # the bot asked for a human straight away: queue again, honestly
        await start_handoff(
            hub,
            conversation_id=handoff.conversation_id,
            reason=str(again.get("reason") or "customer_request"),
            bot_payload=again,
        )
    return handoff


async def release_all(hub: Hub, *, user: User) -> list[int]:
    """The agent signs out: their open conversations go back to the queue (keeping their place)
    and each customer is told (`agent_left`, then the queue notice) instead of waiting on
    someone who is gone."""
    released: list[tuple[Handoff, list[Message]]] = []
    async with hub.db.session() as session:
        claimed = await repo.list_handoffs(
            session, statuses=(HandoffStatus.CLAIMED,), agent_id=user.id
        )
        for handoff in claimed:
            conversation = await require_conversation(
                session=session, conversation_id=handoff.conversation_id
            )
            notices = [await _system_message(session, handoff, "agent_left", user)]
            handoff.status = HandoffStatus.QUEUED
            handoff.agent_id = None
            handoff.claimed_at = None
            conversation.mode = Mode.QUEUED
            await repo.add_event(session, handoff, HandoffEventType.RELEASED, agent_id=user.id)
            await session.flush()
            info = await queue.queue_info(session=session, settings=hub.settings, handoff=handoff)
            notices += await queued_notices(
                session, conversation=conversation, info=info, handoff=handoff
            )
            released.append((handoff, notices))
    for handoff, notices in released:
        log.info("handoff released", extra={"handoff_id": handoff.id, "agent_id": user.id})
        await _lifecycle(hub, handoff, "released", notices)
    return [h.id for h, _ in released]


async def set_available(*, session: AsyncSession, user: User, available: bool) -> User:
    user.available = available
    user.last_seen_at = utcnow()
    return user
