"""The CES question the service asks itself: after an agent resolves, and when the customer
ends a substantive chat with the bot (*End chat*); the bot asks its own after a contained ending.
One scale everywhere: "<shop> made it easy for me to handle my issue", 1 = strongly disagree …
7 = strongly agree, answered with the payload `/ces{"ces_score": N}`.

Once per session: not when the bot already asked in this Rasa session (slot `ces_asked`), not
twice for one handoff, and not again within an hour when Rasa cannot be asked. The question and
the answer are stored in `ces_ratings` (conversation, handoff, `after` = "agent" or "bot"), and
the answer is also written to the tracker (`ces_score`), so analytics sees it in the session."""

from __future__ import annotations

import logging
import re
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from catalogue.vocabulary import CES_INTENT, SMALL_TALK
from handoff import texts
from handoff.errors import BotUnavailable
from handoff.hub import Hub
from handoff.store import repositories as repo
from handoff.store.models import CesRating, Conversation, Handoff, Message, utcnow
from handoff.values import Mode, Sender

log = logging.getLogger(__name__)
ANSWER = re.compile(r'^/ces\{"ces_score":\s*([1-7])\}$')
BUTTONS = [{"title": str(n), "payload": f'/ces{{"ces_score": {n}}}'} for n in range(1, 8)]
SESSION = timedelta(hours=1)


def parse_answer(text: str) -> int | None:
    match = ANSWER.match(text.strip())
    return int(match.group(1)) if match else None


async def bot_already_asked(hub: Hub, conversation_id: str) -> bool:
    try:
        tracker = await hub.rasa.tracker(conversation_id)
    except BotUnavailable:
        return False
    return bool((tracker.get("slots") or {}).get("ces_asked"))


def substantive_session(tracker: dict[str, object]) -> bool:
    """The current Rasa session has an intent other than small talk (and button answers)."""
    events = tracker.get("events")
    current: list[dict[str, object]] = []
    for event in events if isinstance(events, list) else []:
        if not isinstance(event, dict):
            continue
        if event.get("event") == "session_started":
            current = []
        current.append(event)
    for event in current:
        if event.get("event") != "user":
            continue
        parse = event.get("parse_data")
        intent = parse.get("intent") if isinstance(parse, dict) else None
        name = intent.get("name") if isinstance(intent, dict) else None
        if isinstance(name, str) and name not in SMALL_TALK and name != CES_INTENT:
            if not name.startswith("EXTERNAL_"):
                return True
    return False


async def should_ask(session: AsyncSession, *, handoff: Handoff) -> bool:
    since = utcnow() - SESSION
    stmt = select(CesRating.id).where(
        CesRating.conversation_id == handoff.conversation_id,
        (CesRating.handoff_id == handoff.id) | (CesRating.asked_at >= since),
    )
    return (await session.execute(stmt.limit(1))).first() is None


async def asked_recently(session: AsyncSession, *, conversation_id: str) -> bool:
    stmt = select(CesRating.id).where(
        CesRating.conversation_id == conversation_id, CesRating.asked_at >= utcnow() - SESSION
    )
    return (await session.execute(stmt.limit(1))).first() is not None


async def ask_on_leave(hub: Hub, conversation_id: str) -> Message | None:
    """The customer ended the chat: ask once, if the session was substantive and nobody asked
    yet. Not while the conversation is still open for a human (queued for a customer who can be
    answered later, or with an agent: that ending is the agent's resolve), and not when Rasa
    cannot tell what the session was. An anonymous customer who gives up waiting has ended it
    (the handoff is `abandoned`): asked."""
    try:
        tracker = await hub.rasa.tracker(conversation_id)
    except BotUnavailable:
        return None
    if (tracker.get("slots") or {}).get("ces_asked") or not substantive_session(tracker):
        return None
    async with hub.db.session() as session:
        conversation = await repo.get_conversation(session, conversation_id)
        if conversation is None or conversation.mode not in (Mode.BOT, Mode.CLOSED):
            return None
        if await asked_recently(session, conversation_id=conversation_id):
            return None
        message = await ask(
            session, conversation=conversation, handoff=None, shop_name=hub.settings.shop_name
        )
    await tell_bot(hub, conversation_id, ces_asked=True)
    return message


async def ask(
    session: AsyncSession,
    *,
    conversation: Conversation,
    handoff: Handoff | None,
    shop_name: str,
) -> Message:
    """The question as a system message with the seven buttons, and its record."""
    shop = shop_name or texts.text(conversation.language, "the_shop")
    question = texts.text(conversation.language, "ces_question", shop=shop)
    message = await repo.add_message(
        session,
        conversation_id=conversation.id,
        role=Sender.SYSTEM,
        text=question,
        payload={"event": "ces", "custom": {"event": "ces"}, "buttons": BUTTONS},
    )
    session.add(
        CesRating(
            conversation_id=conversation.id,
            handoff_id=handoff.id if handoff is not None else None,
            # what ended: an agent's resolve, or the customer's End chat after the bot
            after="agent" if handoff is not None else "bot",
            asked_seq=message.seq,
            asked_at=message.created_at,
        )
    )
    await session.flush()
    return message


async def record_answer(
    session: AsyncSession, *, conversation: Conversation, score: int
) -> Message | None:
    """Store the answer to the service's open question (None when there is none: the bot asked,
    and the answer goes to the bot). Returns the thank-you notice."""
    stmt = (
        select(CesRating)
        .where(CesRating.conversation_id == conversation.id, CesRating.score.is_(None))
        .order_by(CesRating.asked_at.desc())
        .limit(1)
    )
    rating = (await session.execute(stmt)).scalar_one_or_none()
    if rating is None:
        return None
    rating.score = score
    rating.answered_at = utcnow()
    return await repo.add_message(
        session,
        conversation_id=conversation.id,
        role=Sender.SYSTEM,
        text=texts.text(conversation.language, "ces_thanks"),
        payload={"event": "ces_thanks", "custom": {"event": "ces_thanks", "score": score}},
    )


async def tell_bot(hub: Hub, conversation_id: str, **slots: object) -> None:
    try:
        await hub.rasa.set_slots(conversation_id, dict(slots))
    except BotUnavailable:
        log.warning("could not write the CES slots", extra={"conversation_id": conversation_id})
