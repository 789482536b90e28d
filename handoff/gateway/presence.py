"""Customer presence: leaving is an explicit leave, or a closed socket not back within a grace."""

from __future__ import annotations

import asyncio
import logging

from handoff.conversations.publish import queue_changed, to_console
from handoff.hub import Hub
from handoff.store import repositories as repo
from handoff.store.models import Conversation, utcnow
from handoff.values import HandoffEventType, HandoffStatus, Mode

log = logging.getLogger(__name__)


async def customer_connected(hub: Hub, conversation_id: str) -> None:
    hub.customer_sockets[conversation_id] += 1
    await hub.presence.connected(conversation_id)
    async with hub.db.session() as session:
        conversation = await repo.get_conversation(session, conversation_id)
        if conversation is None or conversation.customer_present:
            return
        conversation.customer_present = True
        conversation.left_at = None
        handoff = await repo.open_handoff(session, conversation_id)
    if handoff is not None:
        await to_console(hub, "customer_returned", handoff)


def customer_disconnected(hub: Hub, conversation_id: str) -> None:
    hub.customer_sockets[conversation_id] -= 1
    if hub.customer_sockets[conversation_id] <= 0:
        del hub.customer_sockets[conversation_id]
    hub.spawn(_grace(hub, conversation_id), name=f"leave-grace-{conversation_id}")


async def _grace(hub: Hub, conversation_id: str) -> None:
    """Left = no socket of this conversation open on any instance after the grace period."""
    await hub.presence.disconnected(conversation_id)
    if await hub.presence.count(conversation_id) > 0:
        return
    await asyncio.sleep(hub.settings.leave_grace_seconds)
    if await hub.presence.count(conversation_id) == 0:
        await customer_left(hub, conversation_id, explicit=False)


def is_anonymous(conversation: Conversation) -> bool:
    """Nobody can reach this customer again: not signed in and no e-mail address given (neither
    verified with the bot nor left for a reply)."""
    return not conversation.customer_id and not conversation.email and not conversation.reply_email


async def customer_left(hub: Hub, conversation_id: str, *, explicit: bool) -> None:
    """The customer left. An anonymous customer who *ended* the chat (explicit) while still
    queued cannot be answered by anyone: the handoff closes as `abandoned` and leaves the queue
    (a claimed one stays with its agent, who sees that the customer left)."""
    withdrawn = False
    async with hub.db.session() as session:
        conversation = await repo.get_conversation(session, conversation_id)
        if conversation is None or not conversation.customer_present:
            return
        conversation.customer_present = False
        conversation.left_at = utcnow()
        handoff = await repo.open_handoff(session, conversation_id)
        if handoff is not None:
            await repo.add_event(
                session,
                handoff,
                HandoffEventType.ABANDONED,
                agent_id=handoff.agent_id,
                data={"explicit": explicit, "status": handoff.status},
            )
            if explicit and handoff.status == HandoffStatus.QUEUED and is_anonymous(conversation):
                handoff.status = HandoffStatus.ABANDONED
                handoff.closed_at = conversation.left_at
                conversation.mode = Mode.CLOSED
                withdrawn = True
    log.info("customer left", extra={"conversation_id": conversation_id, "explicit": explicit})
    if handoff is not None and withdrawn:
        log.info("queued handoff withdrawn", extra={"handoff_id": handoff.id})
        await queue_changed(hub, "abandoned", handoff.id)
    if handoff is not None:
        await to_console(hub, "customer_left", handoff, explicit=explicit)
