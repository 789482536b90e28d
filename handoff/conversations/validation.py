"""Client input on conversations, checked the same way on REST and WebSocket."""

from __future__ import annotations

from typing import Any

from handoff.config import LANGUAGES
from handoff.errors import BadRequest

MAX_TEXT = 5000
MAX_CLIENT_ID = 100


def normalise_language(value: Any, accept_language: str | None = None) -> str:
    if isinstance(value, str) and value:
        lang = value.strip().lower().split("-")[0]
        if lang not in LANGUAGES:
            raise BadRequest(f"language must be one of {', '.join(LANGUAGES)}", field="language")
        return lang
    if accept_language:
        for part in accept_language.split(","):
            lang = part.split(";")[0].strip().lower().split("-")[0]
            if lang in LANGUAGES:
                return lang
    return "en"


def validate_text(text: Any) -> str:
    if isinstance(text, str):
        # PostgreSQL text cannot hold NUL: storing it failed with a 500 (pasted binary junk).
        text = text.replace("\x00", "")
    if not isinstance(text, str) or not text.strip():
        raise BadRequest("text must be a non-empty string", field="text")
    if len(text) > MAX_TEXT:
        raise BadRequest(f"text must be at most {MAX_TEXT} characters", field="text")
    return text


def validate_client_id(value: Any) -> str:
    """The sender's id of a message (`client_message_id`), which makes resending it safe."""
    if not isinstance(value, str) or not value or len(value) > MAX_CLIENT_ID or "\x00" in value:
        raise BadRequest(
            f"client_message_id must be a non-empty string (≤ {MAX_CLIENT_ID} chars)",
            field="client_message_id",
        )
    return value


MAX_WAITED_MS = 60_000


def validate_waited(value: Any) -> float:
    """`waited_ms`: how long the client has been trying to send the message (its outbox age),
    in seconds for the service, at most a minute. It only brings the "still checking" notice
    forward, so a wrong value costs nothing but an early notice."""
    if value is None:
        return 0.0
    if isinstance(value, bool) or not isinstance(value, int | float) or not value >= 0:
        raise BadRequest("waited_ms must be a number ≥ 0", field="waited_ms")
    return min(float(value), MAX_WAITED_MS) / 1000


def optional_client_id(value: Any) -> str | None:
    """`client_message_id` where it may be left out (agents' replies, photo uploads)."""
    return None if value is None else validate_client_id(value)
