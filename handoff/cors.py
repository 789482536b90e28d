"""CORS for the customer API and the widget script (shops embed the widget on their own origin).

Only `/api/conversations…` and `/widget.js` are cross-origin; the agent and analyst APIs stay
same-origin (no CORS headers, so a browser never lets another site read them). Allowed origins
come from `HANDOFF_ALLOWED_ORIGINS` (`*` = any; production refuses `*`)."""

from __future__ import annotations

from typing import Any

from sanic import Blueprint, Request, Sanic
from sanic.response import BaseHTTPResponse, HTTPResponse, empty

from handoff.config import ANY_ORIGIN, Settings
from handoff.http import error_json

bp = Blueprint("cors")
CUSTOMER_API = "/api/conversations"
WIDGET = "/widget.js"
ALLOW_METHODS = "GET, POST, OPTIONS"
ALLOW_HEADERS = "Authorization, Content-Type, Accept, Accept-Language"
MAX_AGE = "600"


def is_cross_origin_path(path: str) -> bool:
    return path == WIDGET or path == CUSTOMER_API or path.startswith(CUSTOMER_API + "/")


def same_origin(request: Request, origin: str) -> bool:
    """The page was served by this service (the console, the demo page). The host is the
    request's effective host: `SANIC_SERVER_NAME`, else the proxy's forwarded host when Sanic
    trusts the proxy, else the `Host` header."""
    host = request.host
    return bool(host) and origin.split("://", 1)[-1].lower() == host.lower()


def allowed(settings: Settings, request: Request, origin: str) -> bool:
    if ANY_ORIGIN in settings.allowed_origins:
        return True
    return origin.rstrip("/").lower() in settings.allowed_origins or same_origin(request, origin)


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.ctx.settings
    return settings


def _preflight(request: Request) -> HTTPResponse:
    origin = request.headers.get("origin")
    if origin is None:
        return empty(status=204, headers={"Allow": ALLOW_METHODS})
    if not allowed(_settings(request), request, origin):
        return error_json(403, "origin_not_allowed", "This origin may not use the chat API.")
    return empty(
        status=204,
        headers={
            "Access-Control-Allow-Origin": origin,
            "Access-Control-Allow-Methods": ALLOW_METHODS,
            "Access-Control-Allow-Headers": ALLOW_HEADERS,
            "Access-Control-Max-Age": MAX_AGE,
            "Vary": "Origin",
        },
    )


# Sanic matches the path before the method, so each customer route needs its own OPTIONS.
PREFLIGHT_PATHS = (
    CUSTOMER_API,
    CUSTOMER_API + "/<conversation_id:str>",
    CUSTOMER_API + "/<conversation_id:str>/messages",
    CUSTOMER_API + "/<conversation_id:str>/leave",
    CUSTOMER_API + "/<conversation_id:str>/token",
    CUSTOMER_API + "/<conversation_id:str>/attachments",
    CUSTOMER_API + "/<conversation_id:str>/attachments/<attachment_id:str>",
    CUSTOMER_API + "/<conversation_id:str>/attachments/<attachment_id:str>/thumbnail",
    CUSTOMER_API + "/<conversation_id:str>/transcript",
    CUSTOMER_API + "/<conversation_id:str>/reply-email",
    WIDGET,
)


async def preflight(
    request: Request, conversation_id: str | None = None, attachment_id: str | None = None
) -> HTTPResponse:
    return _preflight(request)


for _index, _path in enumerate(PREFLIGHT_PATHS):
    bp.add_route(preflight, _path, methods=["OPTIONS"], name=f"preflight_{_index}")


def register(app: Sanic[Any, Any]) -> None:
    app.blueprint(bp)

    @app.on_request
    async def refuse_foreign_origin(request: Request) -> HTTPResponse | None:
        """A customer-API call from a page whose origin is not allowed is refused outright."""
        origin = request.headers.get("origin")
        if (
            origin is None
            or request.method == "OPTIONS"
            or not is_cross_origin_path(request.path)
            or allowed(_settings(request), request, origin)
        ):
            return None
        return error_json(403, "origin_not_allowed", "This origin may not use the chat API.")

    async def add_cors_headers(request: Request, response: BaseHTTPResponse) -> None:
        origin = request.headers.get("origin")
        if request.method == "OPTIONS" or not is_cross_origin_path(request.path):
            return
        response.headers["Vary"] = "Origin"
        if origin is not None and allowed(_settings(request), request, origin):
            response.headers["Access-Control-Allow-Origin"] = origin

    app.register_middleware(add_cors_headers, "response")
