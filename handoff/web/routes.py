"""Routes serving the widget script, the agent console, static files and (development only)
the demo shop page."""

from __future__ import annotations

import logging
import mimetypes
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sanic import Blueprint, Request
from sanic.response import HTTPResponse, html, raw

from catalogue.texts import script_texts
from handoff.errors import NotFound
from handoff.http import hub_of
from handoff.security import DEMO_CUSTOMERS, demo_customer_token

log = logging.getLogger(__name__)
bp = Blueprint("web")
# The demo shop page signs customer tokens for seed customers: registered only when
# Settings.demo_enabled (never in production), so there `/demo` is a 404.
demo_bp = Blueprint("demo")

PACKAGE = Path(__file__).resolve().parent.parent
STATIC = PACKAGE / "static"
TEMPLATES = PACKAGE / "templates"
CONTENT_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".html": "text/html; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
    ".json": "application/json",
}
PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; connect-src 'self'; frame-ancestors 'none'; "
    "base-uri 'none'; form-action 'self'"
)


@lru_cache(maxsize=1)
def _templates() -> Environment:
    return Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(["html"]),
        enable_async=False,
    )


def _page(name: str, **values: Any) -> HTTPResponse:
    body = _templates().get_template(name).render(**values)
    return html(
        body,
        headers={
            "Content-Security-Policy": PAGE_CSP,
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "same-origin",
            "Cache-Control": "no-store",
        },
    )


@lru_cache(maxsize=32)
def _script(path: Path, mtime_ns: int) -> bytes:
    """A script with the catalogue's texts filled in (cached until the file changes)."""
    return script_texts(path.read_text(encoding="utf-8")).encode("utf-8")


def static_file(relative: str) -> HTTPResponse:
    """One file under handoff/static with its content type; 404 for anything outside it."""
    try:
        path = (STATIC / relative).resolve()
        found = path.is_file() and STATIC in path.parents
    except (OSError, ValueError):  # a name too long for the file system, a NUL byte
        found = False
    if not found:
        raise NotFound("No such file.")
    content_type = CONTENT_TYPES.get(path.suffix.lower()) or (
        mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    )
    if path.suffix == ".js":  # the widget and the console get their texts from the catalogue
        body = _script(path, path.stat().st_mtime_ns)
    else:
        body = path.read_bytes()
    return raw(
        body,
        content_type=content_type,
        headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "no-cache"},
    )


@bp.get("/widget.js")
async def widget(request: Request) -> HTTPResponse:
    response = static_file("widget.js")
    # Shops embed the script from their own origin (CORS headers: handoff.cors).
    response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response


@bp.get("/static/<relative:path>")
async def static(request: Request, relative: str) -> HTTPResponse:
    return static_file(relative)


@bp.get("/console")
async def console(request: Request) -> HTTPResponse:
    return _page("console.html")


@demo_bp.get("/demo")
async def demo(request: Request) -> HTTPResponse:
    settings = hub_of(request).settings
    customer_id = request.args.get("as") or ""
    if customer_id not in DEMO_CUSTOMERS:
        customer_id = ""
    language = request.args.get("lang") or ""
    if language not in ("en", "ko"):
        language = "ko" if customer_id == "C0002" else "en"
    token = demo_customer_token(settings.shop_secret, customer_id) if customer_id else ""
    return _page(
        "demo.html",
        customer_id=customer_id,
        customer_name=DEMO_CUSTOMERS.get(customer_id, ""),
        customer_token=token,
        language=language,
        customers=DEMO_CUSTOMERS,
    )
