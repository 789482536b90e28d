"""The order API application factory: `create_app(settings) -> Sanic`."""

from __future__ import annotations

import asyncio
import hmac
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from itertools import count
from types import SimpleNamespace
from typing import TypeAlias

from sanic import Request, Sanic
from sanic.config import Config
from sanic.exceptions import SanicException
from sanic.response import BaseHTTPResponse, HTTPResponse, json

from shop import db
from shop.config import Settings
from shop.errors import FaultInjected, ShopError, Unauthorized, http_status
from shop.faults import Faults
from shop.routes import admin, meta, orders

logger = logging.getLogger(__name__)
access_logger = logging.getLogger("shop.access")

Clock = Callable[[], datetime]
ShopApp: TypeAlias = Sanic[Config, SimpleNamespace]
PUBLIC_PATHS = frozenset({"/v1/health", "/v1/openapi.json"})
_SANIC_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    408: "request_timeout",
    413: "payload_too_large",
    416: "range_not_satisfiable",
    503: "service_unavailable",
}
_app_ids = count(1)


def utcnow() -> datetime:
    """The current time as naive UTC (how the database stores timestamps)."""
    return datetime.now(UTC).replace(tzinfo=None)


def error_response(exc: BaseException) -> HTTPResponse:
    """The one place mapping errors to HTTP responses."""
    if isinstance(exc, ShopError):
        return json(exc.body(), status=http_status(exc))
    if isinstance(exc, SanicException):
        status = int(getattr(exc, "status_code", 500) or 500)
        if status < 500:
            code = _SANIC_CODES.get(status, "client_error")
            message = str(exc) or code.replace("_", " ")
            return json({"code": code, "message": message}, status=status)
    logger.error("unhandled error: %s", exc.__class__.__name__, exc_info=exc)
    return json({"code": "internal_error", "message": "Something went wrong on our side."}, 500)


def create_app(
    settings: Settings, *, clock: Clock | None = None, name: str | None = None
) -> ShopApp:
    app = Sanic(name or f"shop{next(_app_ids)}", configure_logging=False)
    app.config.REQUEST_MAX_SIZE = settings.max_body_bytes
    app.config.FALLBACK_ERROR_FORMAT = "json"
    app.config.ACCESS_LOG = False
    app.ctx.settings = settings
    app.ctx.clock = clock or utcnow
    app.ctx.faults = Faults(
        latency_ms=settings.fault_latency_ms, error_rate=settings.fault_error_rate
    )
    app.blueprint(meta.bp)
    app.blueprint(orders.bp)
    app.blueprint(admin.bp)

    @app.before_server_start
    async def open_database(app: ShopApp) -> None:
        engine = db.create_engine(settings.database_url)
        app.ctx.engine = engine
        app.ctx.sessions = db.session_factory(engine)
        # SQLite ignores SELECT ... FOR UPDATE: serialise writes in this (single) process.
        app.ctx.write_lock = asyncio.Lock() if db.is_sqlite(engine) else None
        logger.info("order API database: %s", engine.url.render_as_string(hide_password=True))

    @app.after_server_stop
    async def close_database(app: ShopApp) -> None:
        engine = getattr(app.ctx, "engine", None)
        if engine is not None:
            await engine.dispose()

    async def start_timer(request: Request) -> None:
        request.ctx.started = time.perf_counter()

    async def authenticate(request: Request) -> None:
        path = request.path
        if not path.startswith("/v1/") or path in PUBLIC_PATHS:
            return
        given = request.headers.get("x-api-key", "")
        # Undecodable header bytes arrive as surrogates: encode them back instead of failing.
        if not hmac.compare_digest(
            given.encode("utf-8", "surrogateescape"), settings.api_key.encode()
        ):
            raise Unauthorized("unauthorized", "A valid X-API-Key header is required.")

    async def inject_faults(request: Request) -> None:
        faults: Faults = request.app.ctx.faults
        if not faults.applies_to(request.path):
            return
        if faults.latency_ms:
            await asyncio.sleep(faults.latency_ms / 1000)
        if faults.should_fail():
            raise FaultInjected("fault_injected", "Injected failure (fault injection is on).")

    async def log_access(request: Request, response: BaseHTTPResponse) -> None:
        started = getattr(request.ctx, "started", None)
        elapsed = (time.perf_counter() - started) * 1000 if started else 0.0
        access_logger.info(
            "%s %s %s %.1fms", request.method, request.path, response.status, elapsed
        )

    app.register_middleware(start_timer, "request", priority=100)
    app.register_middleware(authenticate, "request", priority=90)
    app.register_middleware(inject_faults, "request", priority=80)
    app.register_middleware(log_access, "response")

    @app.exception(Exception)
    async def handle_error(request: Request, exc: Exception) -> HTTPResponse:
        return error_response(exc)

    return app
