"""JSON shapes of the API (see docs/api.md)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from handoff.store.models import Conversation, Handoff, HandoffEvent, Message, Note, User, utcnow


def iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.isoformat().replace("+00:00", "Z")


def attachment_view(
    ref: dict[str, Any], *, conversation_id: str, for_agent: bool
) -> dict[str, Any]:
    """An attachment with the URLs its reader may fetch: agents (login session) under
    /api/attachments, the customer (conversation token) under their conversation."""
    base = (
        f"/api/attachments/{ref['id']}"
        if for_agent
        else f"/api/conversations/{conversation_id}/attachments/{ref['id']}"
    )
    return {**ref, "url": base, "thumbnail_url": base + "/thumbnail"}


def message_view(message: Message, *, internal: bool = False) -> dict[str, Any]:
    payload = message.payload or {}
    attachment = payload.get("attachment")
    data: dict[str, Any] = {
        "seq": message.seq,
        "role": message.role,
        "text": message.text,
        "buttons": payload.get("buttons"),
        "custom": payload.get("custom"),
        "client_message_id": message.client_message_id,
        "agent_name": payload.get("agent_name"),
        "created_at": iso(message.created_at),
        "attachment": (
            attachment_view(attachment, conversation_id=message.conversation_id, for_agent=internal)
            if isinstance(attachment, dict)
            else None
        ),
    }
    if internal:
        data["payload"] = payload
        data["agent_id"] = message.agent_id
    return data


def customer_view(conversation: Conversation) -> dict[str, Any] | None:
    if not conversation.customer_id:
        return None
    return {"id": conversation.customer_id, "name": conversation.customer_name}


def conversation_view(
    conversation: Conversation,
    *,
    queue: dict[str, Any] | None = None,
    agent: User | None = None,
) -> dict[str, Any]:
    return {
        "conversation_id": conversation.id,
        "language": conversation.language,
        "mode": conversation.mode,
        "last_seq": conversation.last_seq,
        "customer": customer_view(conversation),
        "queue": queue,
        "agent": {"name": agent.name} if agent is not None else None,
        "reply_email": conversation.reply_email,
    }


def user_view(user: User, *, online: bool | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": user.id,
        "email": user.email,
        "name": user.name,
        "role": user.role,
        "languages": list(user.languages or []),
        "available": user.available,
    }
    if online is not None:
        data["online"] = online
    return data


def colleague_view(user: User, *, online: bool) -> dict[str, Any]:
    """What any agent may see of a colleague (no email, role or account details)."""
    return {
        "id": user.id,
        "name": user.name,
        "languages": list(user.languages or []),
        "online": online,
    }


def handoff_summary_view(
    handoff: Handoff,
    *,
    conversation: Conversation | None,
    agent: User | None,
    reasons: list[str] | None = None,
    priority: int | None = None,
) -> dict[str, Any]:
    identity = (handoff.context or {}).get("identity") or {}
    end = handoff.claimed_at or handoff.closed_at or utcnow()
    return {
        "id": handoff.id,
        "conversation_id": handoff.conversation_id,
        "status": handoff.status,
        "reason": handoff.reason,
        "language": handoff.language,
        "priority": handoff.priority if priority is None else priority,
        "priority_reasons": list(handoff.priority_reasons or []) if reasons is None else reasons,
        "summary": handoff.summary,
        "customer": {
            "id": identity.get("customer_id"),
            "name": identity.get("name"),
            "email": identity.get("email"),
            "verified": identity.get("verified", False),
        },
        "requested_at": iso(handoff.requested_at),
        "claimed_at": iso(handoff.claimed_at),
        "closed_at": iso(handoff.closed_at),
        "resolution": handoff.resolution,
        "agent": {"id": agent.id, "name": agent.name} if agent is not None else None,
        "waiting_seconds": int((end - handoff.requested_at).total_seconds()),
        "customer_present": conversation.customer_present if conversation else None,
    }


def event_view(event: HandoffEvent) -> dict[str, Any]:
    return {
        "id": event.id,
        "handoff_id": event.handoff_id,
        "conversation_id": event.conversation_id,
        "type": event.type,
        "at": iso(event.at),
        "agent_id": event.agent_id,
        "data": event.data or {},
    }


def note_view(note: Note, author: User | None) -> dict[str, Any]:
    return {
        "id": note.id,
        "author": {"id": author.id, "name": author.name} if author else None,
        "text": note.text,
        "created_at": iso(note.created_at),
    }
