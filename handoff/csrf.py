"""Cross-site request forgery protection for the cookie-authenticated API.

The agent console and the analytics dashboard authenticate with the `handoff_session` cookie
(HttpOnly, SameSite=Strict, Secure in production). On top of SameSite, a state-changing request
(POST, PUT, PATCH, DELETE) to the agent, admin or analytics API that carries the cookie must

- have `Content-Type: application/json` (a cross-site form or `text/plain` fetch cannot), and
- come from this service's own origin: an `Origin` header naming it, or, from a browser that
  sends no `Origin`, the `X-Requested-With` header (which another site cannot set without a
  CORS preflight that this API never grants).

Requests with `Authorization: Bearer …` are exempt (a browser never adds that header on its
own); the customer API (`/api/conversations…`) uses bearer conversation tokens only. The login
endpoint is checked too when the call comes from a browser (login CSRF)."""

from __future__ import annotations

from typing import Any

from sanic import Request, Sanic
from sanic.response import HTTPResponse

from handoff.cors import is_cross_origin_path, same_origin
from handoff.http import error_json
from handoff.security import SESSION_COOKIE

STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
CSRF_HEADER = "X-Requested-With"
LOGIN = "/api/auth/login"


def _is_json(request: Request) -> bool:
    content_type = request.headers.get("content-type", "")
    return content_type.split(";", 1)[0].strip().lower() == "application/json"


def refusal(request: Request) -> HTTPResponse | None:
    """The error response for a request that fails the check; None when it passes."""
    if (
        request.method not in STATE_CHANGING
        or not request.path.startswith("/api/")
        or is_cross_origin_path(request.path)
        or request.headers.get("authorization", "").lower().startswith("bearer ")
    ):
        return None
    login = request.path == LOGIN
    if not login and SESSION_COOKIE not in request.cookies:
        return None  # not authenticated at all: the route answers 401
    origin = request.headers.get("origin")
    if origin is not None and not same_origin(request, origin):
        return error_json(
            403, "origin_not_allowed", "Requests from another site are refused (CSRF protection)."
        )
    if not _is_json(request):
        return error_json(
            415, "json_required", "Send the request body as JSON (Content-Type: application/json)."
        )
    if origin is None and not login and not request.headers.get(CSRF_HEADER):
        return error_json(
            403,
            "csrf_check_failed",
            f"Cookie-authenticated requests need an Origin or {CSRF_HEADER} header.",
        )
    return None


def register(app: Sanic[Any, Any]) -> None:
    @app.on_request
    async def refuse_cross_site(request: Request) -> HTTPResponse | None:
        return refusal(request)
