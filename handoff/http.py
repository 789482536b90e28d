"""HTTP plumbing shared by the blueprints: JSON bodies, the hub, and the one error mapping."""

from __future__ import annotations

import logging
from typing import Any

from sanic import Request, Sanic
from sanic.exceptions import SanicException
from sanic.response import HTTPResponse, json, raw

from handoff.errors import INTERNAL_ERROR, BadRequest, DomainError, TooManyRequests
from handoff.hub import Hub
from handoff.inputs import MAX_ID, parse_json_object

log = logging.getLogger(__name__)


def hub_of(request: Request) -> Hub:
    hub: Hub = request.app.ctx.hub
    return hub


def bearer_token(request: Request) -> str | None:
    """The token of an `Authorization: Bearer …` header, if there is one."""
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    return None


def client_address(request: Request) -> str:
    """The client's address: from the proxy headers when Sanic is told to trust them
    (`SANIC_PROXIES_COUNT`, `SANIC_REAL_IP_HEADER`, `SANIC_FORWARDED_SECRET`), else the peer."""
    return request.remote_addr or request.ip or "unknown"


def json_body(request: Request) -> dict[str, Any]:
    """The request's JSON object ({} for an empty body); anything else is a 400."""
    if not request.body:
        return {}
    return parse_json_object(request.body)


def error_json(status: int, code: str, message: str, **extra: Any) -> HTTPResponse:
    return json({"code": code, "message": message, **extra}, status=status)


def register_error_handlers(app: Sanic[Any, Any]) -> None:
    @app.exception(DomainError)
    async def domain_error(request: Request, exc: DomainError) -> HTTPResponse:
        response = error_json(exc.status, exc.code, exc.message, **exc.extra)
        if isinstance(exc, TooManyRequests):
            response.headers["Retry-After"] = str(exc.retry_after)
        return response

    @app.exception(SanicException)
    async def sanic_error(request: Request, exc: SanicException) -> HTTPResponse:
        status = getattr(exc, "status_code", 500) or 500
        codes = {400: "bad_request", 404: "not_found", 405: "method_not_allowed", 413: "too_large"}
        if status >= 500:
            log.error("server error", exc_info=exc)
            return error_json(500, **INTERNAL_ERROR)
        return error_json(status, codes.get(status, "error"), str(exc) or "Request refused.")

    @app.exception(Exception)
    async def catch_all(request: Request, exc: Exception) -> HTTPResponse:
        log.error(
            "unhandled error", exc_info=exc, extra={"path": request.path, "method": request.method}
        )
        return error_json(500, **INTERNAL_ERROR)


def int_arg(
    request: Request, name: str, default: int, *, minimum: int = 0, maximum: int = MAX_ID
) -> int:
    """An integer query argument within [minimum, maximum]; anything else is a 400 naming it."""
    raw = request.args.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise BadRequest(f"{name} must be an integer", field=name) from exc
    if not minimum <= value <= maximum:
        raise BadRequest(f"{name} must be between {minimum} and {maximum}", field=name)
    return value


def file_response(data: bytes, content_type: str, filename: str) -> HTTPResponse:
    """Photo bytes for a reader who was checked: never cached by shared caches, never sniffed."""
    return raw(
        data,
        content_type=content_type,
        headers={
            "Cache-Control": "private, max-age=300",
            "X-Content-Type-Options": "nosniff",
            "Content-Disposition": f'inline; filename="{filename}"',
            "Content-Security-Policy": "default-src 'none'; sandbox",
        },
    )
