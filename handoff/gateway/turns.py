"""Durable bot turns: a stored customer message is answered once, even across crashes.

A customer message stored in bot mode carries ``bot_status = "pending"``. A driver (the request
that stored it, a resend of the same ``client_message_id``, or the sweeper of any instance)
takes the conversation's lock (``hub.locks``, Redis-backed across instances), then *claims* the
turn with one conditional UPDATE (pending, or running with an expired lease → running, leased to
this instance for ``turn_lease_seconds``). Only the claimer talks to Rasa. The replies are
stored and the turn marked ``done`` in one transaction, before anything is delivered.

Never twice to the bot: every message goes to Rasa with ``metadata.handoff_message_id``; Rasa
keeps it on the user event in the tracker. A turn claimed again after its driver died (lease
expired) is not re-sent blindly: the tracker is read first, and if Rasa already processed the
message its bot events are stored as the replies. Only when the tracker does not have it is the
message sent again. (A crash while Rasa is still working on the message for longer than the
lease could still lead to a second send; the lease is longer than the turn deadline.)

Whatever hangs or dies, the customer hears something within ``rasa_timeout``: a "still
checking" notice ``still_checking_seconds`` after they sent the message (at once when a turn is
re-driven later than that, e.g. after a restart, unless they got it before), and at the deadline
(or when Rasa fails or says nothing at all, as it does when the action server is down) the
conversation is queued for a human as ``bot_unavailable``. Nothing is remembered about the
outage: the next turn tries the bot again, so recovery is automatic. (What a REST send answers
meanwhile: handoff.gateway.answer.)
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from handoff.conversations.handoffs import BOT_UNAVAILABLE, start_handoff
from handoff.conversations.notices import system_message
from handoff.conversations.publish import publish_message
from handoff.conversations.replies import store_bot_replies
from handoff.conversations.state import require_conversation
from handoff.errors import BotUnavailable
from handoff.gateway import payloads
from handoff.hub import Hub
from handoff.store import repositories as repo
from handoff.store.models import Message, utcnow
from handoff.values import BotStatus, Mode, Sender

log = logging.getLogger(__name__)

PENDING, RUNNING, DONE = BotStatus.PENDING, BotStatus.RUNNING, BotStatus.DONE
UNFINISHED = (PENDING, RUNNING)
MAX_ATTEMPTS = 3
META_KEY = "handoff_message_id"
# An overdue notice (a turn re-driven after a restart) still gives the bot this long first.
OVERDUE_GRACE_SECONDS = 0.2


# --- claims --------------------------------------------------------------------------------


async def claim(hub: Hub, message_id: int) -> int | None:
    """Take the turn if nobody holds a live lease on it; the earlier attempts, or None."""
    now = utcnow()
    async with hub.db.session() as session:
        result = await session.execute(
            update(Message)
            .where(
                Message.id == message_id,
                or_(
                    Message.bot_status == PENDING,
                    and_(Message.bot_status == RUNNING, Message.bot_lease_until < now),
                ),
            )
            .values(
                bot_status=RUNNING,
                bot_lease_until=now + timedelta(seconds=hub.settings.turn_lease_seconds),
                bot_owner=hub.settings.instance,
                bot_attempts=Message.bot_attempts + 1,
            )
            .returning(Message.bot_attempts)
        )
        attempts = result.scalar_one_or_none()
    return None if attempts is None else int(attempts) - 1


async def release_own_leases(hub: Hub) -> int:
    """At start: turns this instance was driving when it died are free to take at once."""
    async with hub.db.session() as session:
        result = await session.execute(
            update(Message)
            .where(Message.bot_status == RUNNING, Message.bot_owner == hub.settings.instance)
            .values(bot_lease_until=utcnow() - timedelta(seconds=1))
        )
    count = int(getattr(result, "rowcount", 0) or 0)
    if count:
        log.warning("taking back unfinished bot turns after a restart", extra={"turns": count})
    return count


# --- replies -------------------------------------------------------------------------------


async def stored_replies(session: AsyncSession, message: Message) -> list[Message]:
    """The bot and system messages that answered `message` (up to the next customer message)."""
    next_customer = (
        await session.execute(
            select(func.min(Message.seq)).where(
                Message.conversation_id == message.conversation_id,
                Message.role == Sender.CUSTOMER,
                Message.seq > message.seq,
            )
        )
    ).scalar_one_or_none()
    stmt = select(Message).where(
        Message.conversation_id == message.conversation_id,
        Message.seq > message.seq,
        Message.role.in_((Sender.BOT, Sender.SYSTEM)),
    )
    if next_customer is not None:
        stmt = stmt.where(Message.seq < next_customer)
    return list((await session.execute(stmt.order_by(Message.seq))).scalars().all())


def _message_of(event: dict[str, Any]) -> Any:  # the gateway message id of a user event
    metadata = event.get("metadata") if event.get("event") == "user" else None
    return metadata.get(META_KEY) if isinstance(metadata, dict) else None


def replies_in_tracker(tracker: dict[str, Any], message_id: int) -> list[dict[str, Any]] | None:
    """The bot's replies to our message (replays in its turn too) if Rasa has them, else None."""
    events = [e for e in tracker.get("events") or [] if isinstance(e, dict)]
    for index, event in enumerate(events):
        if _message_of(event) != message_id:
            continue
        replies: list[dict[str, Any]] = []
        for later in events[index + 1 :]:
            if later.get("event") == "user" and _message_of(later) != message_id:
                break
            if later.get("event") == "bot":
                data = later.get("data") or {}
                reply = {k: v for k, v in data.items() if v not in (None, [], {}, "")}
                if isinstance(later.get("text"), str):
                    reply["text"] = later["text"]
                replies.append(reply)
        return replies
    return None


# --- driving -------------------------------------------------------------------------------


async def drive(
    hub: Hub, *, conversation_id: str, message_id: int, waited: float = 0.0
) -> list[Message] | None:
    """Run the bot's turn for one stored customer message, in order within its conversation.

    Returns the messages stored for it, or None when the turn was not ours to run (done
    already, or leased to another driver)."""
    async with hub.locks[conversation_id]:
        attempts = await claim(hub, message_id)
        if attempts is None:
            return None
        if attempts >= MAX_ATTEMPTS:
            log.error(
                "bot turn failed %d times; queueing for a human",
                attempts,
                extra={"conversation_id": conversation_id, "message_id": message_id},
            )
            return await _unavailable(hub, conversation_id, message_id, [])
        return await _run(hub, conversation_id, message_id, redrive=attempts > 0, waited=waited)


async def drive_logged(
    hub: Hub, *, conversation_id: str, message_id: int, waited: float = 0.0
) -> list[Message] | None:
    """`drive` as a task of its own (the hub's): a failure is logged, never raised."""
    try:
        return await drive(
            hub, conversation_id=conversation_id, message_id=message_id, waited=waited
        )
    except Exception:
        log.exception("bot turn failed", extra={"conversation_id": conversation_id})
        return None


async def _unavailable(
    hub: Hub, conversation_id: str, message_id: int, notices: list[Message]
) -> list[Message]:
    queued = await start_handoff(
        hub,
        conversation_id=conversation_id,
        reason=BOT_UNAVAILABLE,
        bot_payload=None,
        done_message_id=message_id,
    )
    return notices + queued


@dataclass
class _Turn:
    """A stored customer message on its way to the bot."""

    message: Message
    language: str
    text: str  # what Rasa gets (a button's payload, or the text as typed)
    metadata: dict[str, Any]


async def _prepare(hub: Hub, conversation_id: str, message_id: int) -> _Turn | None:
    """The turn to run, or None when the message is gone or no longer the bot's (handed off
    while it waited: it belongs to the agent now)."""
    async with hub.db.session() as session:
        message = await session.get(Message, message_id)
        if message is None:
            return None
        conversation = await require_conversation(session=session, conversation_id=conversation_id)
        if conversation.mode != Mode.BOT:
            handoff = await repo.open_handoff(session, conversation_id)
            await repo.mark_turn_done(session, message_id)
        else:
            recent = await repo.recent_bot_messages(
                session, conversation_id, before=message.seq, limit=payloads.RECENT_BOT_MESSAGES
            )
            offered = payloads.offered_payloads(m.payload or {} for m in recent)
    if conversation.mode != Mode.BOT:
        if handoff is not None:
            await publish_message(hub, conversation_id, message, handoff)
        return None
    sent = payloads.text_for_rasa(message.text or "", offered)
    if payloads.is_payload_like(message.text or "") and sent not in offered:
        log.info(
            "customer text sent as plain text, not as a payload",
            extra={"conversation_id": conversation_id, "seq": message.seq},
        )
    metadata: dict[str, Any] = {
        "language": conversation.language,
        "customer_id": conversation.customer_id,
        "channel": conversation.channel,
        META_KEY: message_id,
    }
    return _Turn(message, conversation.language, sent, metadata)


async def _run(
    hub: Hub, conversation_id: str, message_id: int, *, redrive: bool, waited: float
) -> list[Message]:
    turn = await _prepare(hub, conversation_id, message_id)
    if turn is None:
        return []
    notices: list[Message] = []
    notice_in = notice_due_in(hub, turn.message, waited)
    if redrive and await _noticed(hub, turn.message):
        notice_in = None  # they were told before the driver died

    async def still_checking() -> None:
        async with hub.db.session() as session:
            notice = await system_message(
                session,
                conversation_id=conversation_id,
                language=turn.language,
                event="still_checking",
            )
        notices.append(notice)
        await publish_message(hub, conversation_id, notice, None)

    replies: list[dict[str, Any]] | None = None
    try:
        if redrive:
            tracker = await _within(
                hub, hub.rasa.tracker(conversation_id), still_checking, notice_in
            )
            replies = replies_in_tracker(tracker, message_id)
            if replies is not None:
                log.warning(
                    "bot turn recovered from the tracker (Rasa had answered already)",
                    extra={"conversation_id": conversation_id, "message_id": message_id},
                )
        if replies is None:
            replies = await _within(
                hub,
                hub.rasa.send_message(conversation_id, turn.text, turn.metadata),
                None if notices else still_checking,
                notice_in,
            )
    except BotUnavailable as exc:
        log.warning(
            "bot unavailable; queueing",
            extra={"conversation_id": conversation_id, "error": str(exc)},
        )
        return await _unavailable(hub, conversation_id, message_id, notices)
    if not replies:
        # Rasa says nothing when an action fails (a dead or failing action server): the
        # customer would be left without an answer.
        log.warning("the bot said nothing; queueing", extra={"conversation_id": conversation_id})
        return await _unavailable(hub, conversation_id, message_id, notices)
    return notices + await _answered(hub, conversation_id, message_id, replies)


async def _answered(
    hub: Hub, conversation_id: str, message_id: int, replies: Sequence[dict[str, Any]]
) -> list[Message]:
    """Store the bot's replies and end the turn in one transaction, then deliver them (and
    start the handoff the bot asked for)."""
    async with hub.db.session() as session:
        got = await store_bot_replies(session, conversation_id=conversation_id, replies=replies)
        await repo.mark_turn_done(session, message_id)
    stored = got.stored
    for reply_message in stored:
        await publish_message(hub, conversation_id, reply_message, None)
    if got.handoff is not None:
        reason = str(got.handoff.get("reason") or "customer_request")
        stored += await start_handoff(
            hub, conversation_id=conversation_id, reason=reason, bot_payload=got.handoff
        )
    return stored


def notice_due_in(hub: Hub, message: Message, waited: float = 0.0) -> float | None:
    """Seconds until the "still checking" notice is due: `still_checking_seconds` after the
    customer sent the message (stored, or `waited` seconds before the client got it through:
    `waited_ms`), or OVERDUE_GRACE_SECONDS for a turn driven later than that (a bot that answers
    at once needs no notice); None when the notice is off."""
    if hub.settings.still_checking_seconds >= hub.settings.rasa_timeout:
        return None
    age = max((utcnow() - message.created_at).total_seconds(), waited)
    return max(OVERDUE_GRACE_SECONDS, hub.settings.still_checking_seconds - age)


async def _noticed(hub: Hub, message: Message) -> bool:
    """Whether the customer was already told "still checking" about this message."""
    async with hub.db.session() as session:
        replies = await stored_replies(session, message)
    return any((m.payload or {}).get("event") == "still_checking" for m in replies)


async def _within(
    hub: Hub,
    call: Awaitable[Any],
    on_slow: Callable[[], Awaitable[None]] | None,
    notice_in: float | None,
) -> Any:
    """Await a Rasa call under the turn deadline; `on_slow` runs once if the call is not done
    after `notice_in` seconds (None: never)."""
    task = asyncio.ensure_future(call)
    deadline = asyncio.get_running_loop().time() + hub.settings.rasa_timeout
    try:
        if on_slow is not None and notice_in is not None:
            if notice_in > 0:
                await asyncio.wait({task}, timeout=notice_in)
            if not task.done():
                await on_slow()
        remaining = max(0.05, deadline - asyncio.get_running_loop().time())
        return await asyncio.wait_for(task, timeout=remaining)
    except TimeoutError as exc:
        raise BotUnavailable("rasa did not answer within the turn deadline") from exc
    finally:
        if not task.done():
            task.cancel()
