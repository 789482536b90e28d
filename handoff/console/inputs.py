"""Request fields the agent API reads."""

from __future__ import annotations

from typing import Any

from handoff.errors import BadRequest


def string_field(body: dict[str, Any], key: str, *, required: bool = True) -> str | None:
    value = body.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        raise BadRequest(f"{key} must be a non-empty string", field=key)
    return value
