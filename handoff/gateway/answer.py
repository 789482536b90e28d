"""What a REST send (`POST …/messages`) answers: the bot's turn, or "still checking" and
`pending: true`.

A REST customer has nothing but this response to hear from, so the request does not hold on
until the turn's deadline (or, after a restart, until a re-driven turn ends): it waits until the
turn is done (its replies, `pending: false`) or the customer has been told "still checking"
(`still_checking_seconds` after they sent the message, at once for a resend of an older one),
then answers with what is stored and `pending: true`; the rest of the turn arrives over the
WebSocket and in `GET …/messages`. The turn runs as the hub's task, so it outlives the request.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any

from handoff.gateway import turns
from handoff.hub import Hub
from handoff.pubsub import Subscription, conversation_channel
from handoff.store.models import Message
from handoff.values import Sender

log = logging.getLogger(__name__)

# How long past the notice's due time a request waits for a turn another driver runs.
NOTICE_SLACK_SECONDS = 0.5


@dataclass
class Outcome:
    """What a (re)sent customer message got: its replies so far, and whether more will come."""

    replies: list[Message]
    pending: bool


async def stored(hub: Hub, message_id: int) -> Outcome:
    """The replies stored for a message so far, and whether its bot turn is unfinished."""
    async with hub.db.session() as session:
        current = await session.get(Message, message_id)
        if current is None:
            return Outcome([], False)
        replies = await turns.stored_replies(session, current)
        return Outcome(replies, current.bot_status in turns.UNFINISHED)


async def respond(
    hub: Hub, *, conversation_id: str, message: Message, created: bool, waited: float = 0.0
) -> Outcome:
    """Drive the message's turn if it is unfinished and free; answer once it is done or the
    customer has heard "still checking" (see the module's docstring). `waited`: seconds the
    client had been trying to send it (`waited_ms`)."""
    if message.bot_status not in turns.UNFINISHED:
        return await stored(hub, message.id)
    subscription = await hub.pubsub.subscribe(conversation_channel(conversation_id))
    try:
        if not created:
            # A resend: what the customer was told already answers it now. (The turn is driven
            # on regardless: its first driver may have died.)
            got = await stored(hub, message.id)
            if got.replies or not got.pending:
                if got.pending:
                    _drive(hub, conversation_id, message.id, waited)
                return got
        driving = _drive(hub, conversation_id, message.id, waited)
        heard = asyncio.ensure_future(_first_reply(subscription, message.seq))
        try:
            replies = await _wait(hub, message, driving, heard, waited)
        finally:
            heard.cancel()
    finally:
        await subscription.close()
    return Outcome(replies, False) if replies is not None else await stored(hub, message.id)


def _drive(
    hub: Hub, conversation_id: str, message_id: int, waited: float
) -> asyncio.Task[list[Message] | None]:
    return hub.spawn(
        turns.drive_logged(
            hub, conversation_id=conversation_id, message_id=message_id, waited=waited
        ),
        name=f"bot-turn-{conversation_id}",
    )


async def _wait(
    hub: Hub,
    message: Message,
    driving: asyncio.Task[list[Message] | None],
    heard: asyncio.Future[dict[str, Any]],
    waited: float,
) -> list[Message] | None:
    """The turn's replies if this request's driver finished it; None: answer from the store."""
    limit = hub.settings.rasa_timeout + 1.0  # the turn has its own deadline; this is a backstop
    either: set[asyncio.Future[Any]] = {driving, heard}
    await asyncio.wait(either, timeout=limit, return_when=asyncio.FIRST_COMPLETED)
    if driving.done():
        if driving.result() is not None:
            return driving.result()
        # Not ours to drive (done, or another driver holds it): wait until the customer should
        # have heard something from that driver.
        due = turns.notice_due_in(hub, message, waited)
        if not heard.done() and due is not None:
            await asyncio.wait({heard}, timeout=due + NOTICE_SLACK_SECONDS)
        return None
    if heard.done() and not _is_notice(heard.result()):
        # The bot's replies are out; what the turn does next (a handoff it asked for) is quick.
        await asyncio.wait({driving}, timeout=limit)
        if driving.done():
            return driving.result()
    return None


async def _first_reply(subscription: Subscription, after_seq: int) -> dict[str, Any]:
    """The first bot or system message published after the customer's message."""
    async for event in subscription:
        message = event.get("message") if event.get("type") == "message" else None
        if (
            isinstance(message, dict)
            and message.get("role") in (Sender.BOT, Sender.SYSTEM)
            and int(message.get("seq") or 0) > after_seq
        ):
            return message
    return {}


def _is_notice(message: dict[str, Any]) -> bool:
    return (message.get("custom") or {}).get("event") == "still_checking"
