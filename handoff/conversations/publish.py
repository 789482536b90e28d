"""Live events: to the customer's conversation channel and to the agents' console channel."""

from __future__ import annotations

from typing import Any

from handoff.conversations.state import conversation_state, require_conversation
from handoff.hub import Hub
from handoff.pubsub import CONSOLE, conversation_channel
from handoff.store.models import Handoff, Message
from handoff.views import message_view


async def to_console(hub: Hub, kind: str, handoff: Handoff, **data: Any) -> None:
    """An event about one handoff for the agents (each sees those of their own handoffs)."""
    await hub.pubsub.publish(
        CONSOLE,
        {
            "type": kind,
            "handoff_id": handoff.id,
            "conversation_id": handoff.conversation_id,
            "agent_id": handoff.agent_id,
            **data,
        },
    )


async def queue_changed(hub: Hub, reason: str, handoff_id: int | None = None) -> None:
    """The queue (or who is online) changed: the consoles reload it."""
    event: dict[str, Any] = {"type": "queue", "reason": reason}
    if handoff_id is not None:
        event["handoff_id"] = handoff_id
    await hub.pubsub.publish(CONSOLE, event)


async def publish_message(
    hub: Hub, conversation_id: str, message: Message, handoff: Handoff | None
) -> None:
    await hub.pubsub.publish(
        conversation_channel(conversation_id), {"type": "message", "message": message_view(message)}
    )
    if handoff is not None:
        await to_console(hub, "message", handoff, message=message_view(message, internal=True))


async def publish_messages(
    hub: Hub, conversation_id: str, messages: list[Message], handoff: Handoff | None
) -> None:
    for message in messages:
        await publish_message(hub, conversation_id, message, handoff)


async def publish_status(hub: Hub, conversation_id: str) -> None:
    async with hub.db.session() as session:
        conversation = await require_conversation(session=session, conversation_id=conversation_id)
        state = await conversation_state(
            session=session, settings=hub.settings, conversation=conversation
        )
    await hub.pubsub.publish(
        conversation_channel(conversation_id), {"type": "status", "conversation": state}
    )
