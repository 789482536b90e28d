"""Untrusted input at the edge, checked in one place before any handler uses it.

- `parse_json_object`: the one parser for request bodies and WebSocket frames. Malformed,
  too deeply nested or non-object JSON, and strings that are not valid Unicode (lone surrogates
  such as `"\\ud800"`, which no database or hash can encode) are a 400 `bad_request`.
- `register`: a request guard. Query arguments and the headers the service reads must be valid
  UTF-8 (Sanic hands undecodable bytes on as surrogates), else 400; credentials (the
  `Authorization` header, the `token` argument, the session cookie) must be printable ASCII of
  sane length, else 401."""

from __future__ import annotations

import json
from typing import Any, TypeGuard

from sanic import Request, Sanic

from handoff.errors import BadRequest, Unauthorized

MAX_CREDENTIAL = 4096
# Ids and counters from clients: larger values overflow the database's integers (was a 500).
MAX_ID = 2**53


def id_in_range(value: object, *, minimum: int = 1) -> TypeGuard[int]:
    """An integer (not a bool) the database can hold, at least `minimum`."""
    return isinstance(value, int) and not isinstance(value, bool) and minimum <= value <= MAX_ID


READ_HEADERS = ("host", "origin", "accept-language", "content-type", "cookie", "authorization")
CREDENTIAL_COOKIES = ("handoff_session",)


def is_unicode(text: str) -> bool:
    """False for text holding lone surrogates (undecodable bytes or `\\udXXX` escapes)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def parse_json_object(raw: bytes | str, *, what: str = "The request body") -> dict[str, Any]:
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
        value = json.loads(text)
    except (ValueError, RecursionError) as exc:  # UnicodeDecodeError is a ValueError
        raise BadRequest(f"{what} is not valid JSON.") from exc
    if not isinstance(value, dict):
        raise BadRequest(f"{what} must be a JSON object.")
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError as exc:
        raise BadRequest(f"{what} contains text that is not valid Unicode.") from exc
    except (ValueError, RecursionError) as exc:  # nested just below the parser's limit
        raise BadRequest(f"{what} is nested too deeply.") from exc
    return value


def is_credential(value: str) -> bool:
    return len(value) <= MAX_CREDENTIAL and value.isascii() and value.isprintable()


def check_request(request: Request) -> None:
    """Raise the DomainError the request deserves, if any (see the module docstring)."""
    for name in READ_HEADERS:
        for value in request.headers.getall(name, []):
            if not is_unicode(value):
                raise BadRequest(f"The {name} header is not valid UTF-8.", field=name)
    for key, values in request.args.items():
        if not is_unicode(key) or not all(is_unicode(v) for v in values):
            raise BadRequest("The query string is not valid UTF-8.", field="query")
    credentials = [request.headers.get("authorization"), request.args.get("token")]
    credentials += [request.cookies.get(name) for name in CREDENTIAL_COOKIES]
    if not all(is_credential(c) for c in credentials if c is not None):
        raise Unauthorized("The credentials are malformed.", code="invalid_credentials")


async def refuse_malformed_input(request: Request) -> None:
    check_request(request)  # a DomainError goes to the one error mapping (handoff.http)


def register(app: Sanic[Any, Any]) -> None:
    app.register_middleware(refuse_malformed_input, "request", priority=100)
