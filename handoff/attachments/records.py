"""Attachment records (store level: keyword-only `session` callers pass in)."""

from __future__ import annotations

import re
import secrets
import unicodedata
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from handoff.attachments.images import Photo
from handoff.store import repositories as repo
from handoff.store.models import Attachment, utcnow

THUMBNAIL_SUFFIX = ".thumb"
MAX_FILENAME = 120


def clean_filename(raw: str | None, extension: str) -> str:
    """A display name: no path, no control characters, the extension of what was stored."""
    name = unicodedata.normalize("NFC", raw or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip(" .")
    stem = re.sub(r"\.[A-Za-z0-9]{1,5}$", "", name)[:MAX_FILENAME].strip() or "photo"
    return f"{stem}.{extension}"


def reference(attachment: Attachment) -> dict[str, Any]:
    """What a message's payload keeps of its attachment (views add the URLs)."""
    return {
        "id": attachment.id,
        "filename": attachment.filename,
        "content_type": attachment.content_type,
        "size": attachment.size,
        "width": attachment.width,
        "height": attachment.height,
    }


async def add(
    session: AsyncSession, *, conversation_id: str, photo: Photo, filename: str | None
) -> Attachment:
    attachment_id = "a_" + secrets.token_hex(12)
    attachment = Attachment(
        id=attachment_id,
        conversation_id=conversation_id,
        filename=clean_filename(filename, photo.extension),
        content_type=photo.content_type,
        size=len(photo.data),
        width=photo.width,
        height=photo.height,
        storage_key=f"{conversation_id}/{attachment_id}.{photo.extension}",
        created_at=utcnow(),
    )
    return await repo.add(session, attachment)


async def get(session: AsyncSession, attachment_id: str) -> Attachment | None:
    if not re.fullmatch(r"a_[0-9a-f]{24}", attachment_id):
        return None
    return await session.get(Attachment, attachment_id)


async def for_conversation(session: AsyncSession, conversation_id: str) -> Sequence[Attachment]:
    stmt = (
        select(Attachment)
        .where(Attachment.conversation_id == conversation_id)
        .order_by(Attachment.created_at, Attachment.id)
    )
    return (await session.execute(stmt)).scalars().all()
