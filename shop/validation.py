"""Parsing request bodies: every problem becomes a 400 `bad_request` naming the field."""

from __future__ import annotations

import json
from typing import Any

from shop.errors import BadRequest


def parse_object(raw: bytes | None, *, allow_empty: bool = False) -> dict[str, Any]:
    if not raw or not raw.strip():
        if allow_empty:
            return {}
        raise BadRequest("request body must be a JSON object")
    try:
        value = json.loads(raw)
    except (ValueError, RecursionError) as exc:  # UnicodeDecodeError is a ValueError
        raise BadRequest(f"request body is not valid JSON: {exc.__class__.__name__}") from None
    if not isinstance(value, dict):
        raise BadRequest("request body must be a JSON object")
    field = _invalid_text(value)
    if field is not None:
        raise BadRequest(f"field '{field}' is not valid Unicode text", field=field)
    return value


def _invalid_text(body: dict[str, Any]) -> str | None:
    """The top-level field holding text that is not valid Unicode (a lone surrogate such as
    "\ud800", which can be neither stored nor hashed), keys included; None if all is well."""
    for key, value in body.items():
        stack: list[Any] = [key, value]
        while stack:
            item = stack.pop()
            if isinstance(item, str):
                try:
                    item.encode("utf-8")
                except UnicodeEncodeError:
                    return key.encode("utf-8", "replace").decode("utf-8")
            elif isinstance(item, dict):
                stack.extend(item.keys())
                stack.extend(item.values())
            elif isinstance(item, list):
                stack.extend(item)
    return None


def _check_text(value: str, field: str, max_length: int) -> str:
    if len(value) > max_length:
        raise BadRequest(f"field '{field}' is longer than {max_length} characters", field=field)
    if "\x00" in value:
        raise BadRequest(f"field '{field}' must not contain NUL characters", field=field)
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise BadRequest(f"field '{field}' is not valid Unicode text", field=field) from None
    return value


def _field(body: dict[str, Any], field: str, required: bool, kind: Any, noun: str) -> Any:
    """The field's value (None if it is absent and not required), checked to be a `kind`."""
    if field not in body or body[field] is None:
        if required:
            raise BadRequest(f"field '{field}' is required", field=field)
        return None
    value = body[field]
    if isinstance(value, bool) or not isinstance(value, kind):
        raise BadRequest(f"field '{field}' must be {noun}", field=field)
    return value


def _check_range(value: float, field: str, minimum: float, maximum: float) -> None:
    if not minimum <= value <= maximum:
        raise BadRequest(f"field '{field}' must be between {minimum} and {maximum}", field=field)


def string(
    body: dict[str, Any], field: str, *, required: bool = True, max_length: int = 200
) -> str | None:
    value = _field(body, field, required, str, "a string")
    return None if value is None else _check_text(value, field, max_length)


def required_string(body: dict[str, Any], field: str, *, max_length: int = 200) -> str:
    value = string(body, field, required=True, max_length=max_length)
    assert value is not None
    return value


def integer(
    body: dict[str, Any], field: str, *, minimum: int, maximum: int, required: bool = True
) -> int | None:
    value: int | None = _field(body, field, required, int, "an integer")
    if value is not None:
        _check_range(value, field, minimum, maximum)
    return value


def number(
    body: dict[str, Any], field: str, *, minimum: float, maximum: float, required: bool = True
) -> float | None:
    value = _field(body, field, required, int | float, "a number")
    if value is None:
        return None
    _check_range(float(value), field, minimum, maximum)
    return float(value)


def query_int(args: Any, field: str, *, default: int, minimum: int, maximum: int) -> int:
    raw = args.get(field)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadRequest(f"query parameter '{field}' must be an integer", field=field) from None
    if not minimum <= value <= maximum:
        raise BadRequest(
            f"query parameter '{field}' must be between {minimum} and {maximum}", field=field
        )
    return value
