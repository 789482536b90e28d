"""Idempotency-Key handling: the first response to a write is stored in the write's transaction."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from shop.errors import BadRequest, Invalid
from shop.models import IdempotencyRecord

MAX_KEY_LENGTH = 200


@dataclass(frozen=True)
class StoredResponse:
    status: int
    body: dict[str, Any]


def check_key(key: str | None) -> str | None:
    if key is None:
        return None
    key = key.strip()
    if not key:
        return None
    if len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise BadRequest(
            f"header 'Idempotency-Key' must be printable and at most {MAX_KEY_LENGTH} characters",
            field="Idempotency-Key",
        )
    return key


def fingerprint(method: str, path: str, body: dict[str, Any]) -> str:
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(f"{method} {path}\n{canonical}".encode()).hexdigest()


async def replay(*, session: AsyncSession, key: str, print_: str) -> StoredResponse | None:
    """The stored response for `key`, None if unseen; 422 if used for a different request."""
    record = await session.get(IdempotencyRecord, key)
    if record is None:
        return None
    if record.fingerprint != print_:
        raise Invalid(
            "idempotency_key_reused",
            "This Idempotency-Key was already used for a different request.",
        )
    return StoredResponse(status=record.status, body=json.loads(record.body))


def remember(
    *,
    session: AsyncSession,
    key: str,
    print_: str,
    status: int,
    body: dict[str, Any],
    now: datetime,
) -> None:
    session.add(
        IdempotencyRecord(
            key=key,
            fingerprint=print_,
            status=status,
            body=json.dumps(body, ensure_ascii=False),
            created_at=now,
        )
    )
