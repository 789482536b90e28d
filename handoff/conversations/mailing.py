"""E-mail to customers: the transcript on request, and an agent's reply when the customer is not
connected (to the address the customer left, or the signed-in customer's from the shop token)."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from handoff import texts
from handoff.conversations import ces
from handoff.conversations.state import require_conversation
from handoff.hub import Hub
from handoff.mail import MailUnavailable, validate_address
from handoff.pubsub import InMemoryPubSub
from handoff.store import repositories as repo
from handoff.store.models import Conversation, Message
from handoff.values import Sender

log = logging.getLogger(__name__)


def _shop(hub: Hub, language: str) -> str:
    return hub.settings.shop_name or texts.text(language, "the_shop")


def transcript_text(conversation: Conversation, messages: Sequence[Message], shop: str) -> str:
    """Plain text, one line per message, in the conversation's language; button answers as the
    customer saw them (the button's title, "6" for a rating), never raw payloads."""
    lang = conversation.language
    titles: dict[str, str] = {}
    lines = [texts.text(lang, "transcript_intro", shop=shop), ""]
    for message in messages:
        for button in (message.payload or {}).get("buttons") or []:
            if isinstance(button, dict):
                titles[str(button.get("payload"))] = str(button.get("title"))
        text = message.text or ""
        if not text:
            continue
        if message.role == Sender.CUSTOMER:
            score = ces.parse_answer(text)
            text = str(score) if score is not None else titles.get(text, text)
            who = texts.text(lang, "you")
        elif message.role == Sender.AGENT:
            who = str((message.payload or {}).get("agent_name") or texts.text(lang, "agent"))
        else:
            who = texts.text(lang, "bot" if message.role == "bot" else "system")
        stamp = message.created_at.strftime("%Y-%m-%d %H:%M UTC")
        lines.append(f"[{stamp}] {who}: {text}")
    return "\n".join(lines) + "\n"


def _address(hub: Hub, address: object) -> str:
    to = validate_address(address)
    if not hub.mailer.enabled:
        raise MailUnavailable("E-mail is not available.")
    return to


async def send_transcript(hub: Hub, *, conversation_id: str, address: object) -> str:
    to = _address(hub, address)
    async with hub.db.session() as session:
        conversation = await require_conversation(session=session, conversation_id=conversation_id)
        messages = await repo.list_messages(session, conversation_id)
    shop = _shop(hub, conversation.language)
    await hub.mailer.send(
        to=to,
        subject=texts.text(conversation.language, "transcript_subject", shop=shop),
        body=transcript_text(conversation, messages, shop),
    )
    log.info("transcript e-mailed", extra={"conversation_id": conversation_id})
    return to


async def set_reply_address(hub: Hub, *, conversation_id: str, address: object) -> str:
    to = _address(hub, address)
    async with hub.db.session() as session:
        conversation = await require_conversation(session=session, conversation_id=conversation_id)
        conversation.reply_email = to
    log.info("reply address set", extra={"conversation_id": conversation_id})
    return to


def customer_connected(hub: Hub, conversation: Conversation) -> bool:
    """Present in the database, and (with one instance) a socket open here. With several
    instances the socket may be on another one, so the database flag decides."""
    if not conversation.customer_present:
        return False
    if isinstance(hub.pubsub, InMemoryPubSub):
        return hub.customer_sockets.get(conversation.id, 0) > 0
    return True


async def reply_if_offline(hub: Hub, *, conversation_id: str, message: Message) -> bool:
    """E-mail an agent's reply to a customer who is not connected and left an address."""
    if not hub.mailer.enabled:
        return False
    async with hub.db.session() as session:
        conversation = await repo.get_conversation(session, conversation_id)
    if conversation is None or not conversation.reply_email:
        return False
    if customer_connected(hub, conversation):
        return False
    lang = conversation.language
    shop = _shop(hub, lang)
    agent = str((message.payload or {}).get("agent_name") or texts.text(lang, "agent"))
    body = "\n\n".join(
        [
            texts.text(lang, "reply_intro", agent=agent),
            message.text or "",
            texts.text(lang, "reply_outro"),
        ]
    )
    try:
        await hub.mailer.send(
            to=conversation.reply_email,
            subject=texts.text(lang, "reply_subject", shop=shop),
            body=body + "\n",
        )
    except MailUnavailable:
        return False
    log.info("agent reply e-mailed", extra={"conversation_id": conversation_id})
    return True
