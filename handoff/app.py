"""The Sanic application factory."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from sanic import Sanic

from handoff import cors, csrf, inputs, security
from handoff.analytics.live import LiveComputer
from handoff.analytics.routes import bp as analytics_bp
from handoff.attachments.storage import FileStorage
from handoff.config import Settings
from handoff.console import account_routes
from handoff.console import socket as console_socket
from handoff.console.routes import bp as console_bp
from handoff.gateway import photos
from handoff.gateway import socket as gateway_socket
from handoff.gateway.routes import bp as gateway_bp
from handoff.gateway.sweeper import run_sweeper
from handoff.gateway.turns import release_own_leases
from handoff.http import register_error_handlers
from handoff.hub import Hub
from handoff.locks import make_locks
from handoff.mail import Mailer
from handoff.openapi import openapi_document
from handoff.presence_registry import make_registry
from handoff.pubsub import make_pubsub
from handoff.rasa import RasaClient
from handoff.ratelimit import RateLimits
from handoff.store.db import Database
from handoff.store.migrate import ensure_sqlite_dir, upgrade_if_needed
from handoff.web.routes import bp as web_bp
from handoff.web.routes import demo_bp
from launcher.serve import add_health_and_openapi

log = logging.getLogger(__name__)


async def _heartbeat(hub: Hub) -> None:
    """Tell the other instances this one is alive (its customers' sockets count)."""
    while True:
        try:
            await hub.presence.heartbeat()
        except Exception:
            log.warning("presence heartbeat failed", exc_info=True)
        await asyncio.sleep(5)


App = Sanic[Any, Any]


def create_app(settings: Settings, *, name: str = "handoff") -> App:
    app: App = Sanic(name, configure_logging=False)
    app.config.REQUEST_MAX_SIZE = 1_000_000
    app.config.WEBSOCKET_MAX_SIZE = 64 * 1024
    app.config.WEBSOCKET_PING_INTERVAL = 20
    app.config.WEBSOCKET_PING_TIMEOUT = 20
    app.config.GRACEFUL_SHUTDOWN_TIMEOUT = 5
    app.ctx.settings = settings
    features = [gateway_bp, photos.bp, gateway_socket.bp]
    features += [account_routes.bp, console_bp, console_socket.bp, analytics_bp, web_bp]
    if settings.demo_enabled:  # never in production (Settings.validate refuses it)
        features.append(demo_bp)
    for bp in features:
        app.blueprint(bp)
    inputs.register(app)
    cors.register(app)
    csrf.register(app)
    register_error_handlers(app)

    add_health_and_openapi(app, "/api/openapi.json", openapi_document)

    app.before_server_start(_start)
    app.after_server_start(_start_background)
    app.after_server_stop(_stop)
    return app


async def _start(app: App) -> None:
    settings: Settings = app.ctx.settings
    ensure_sqlite_dir(settings.database_url)
    db = Database(settings.database_url)
    if settings.run_migrations:
        await upgrade_if_needed(db.engine)
    app.ctx.hub = Hub(
        settings=settings,
        db=db,
        rasa=RasaClient(settings.rasa_url, settings.rasa_token, settings.rasa_timeout),
        pubsub=make_pubsub(settings.pubsub_url),
        limits=RateLimits.from_settings(settings),
        locks=make_locks(settings.pubsub_url),
        presence=make_registry(settings.pubsub_url, settings.instance),
        mailer=Mailer(settings),
        attachments=FileStorage(settings.attachments_dir),
    )
    # Turns this instance was driving when it died are free at once, before the first request:
    # a customer's resend right after the restart takes its turn instead of waiting for a sweep.
    await release_own_leases(app.ctx.hub)
    write_lock = db.write_lock
    if write_lock is not None:  # SQLite: `GET /health` says how long its writers held the lock
        app.ctx.health_figures = lambda: {"write_lock": write_lock.holds.figures()}
    if settings.analytics_live_seconds > 0:
        live = LiveComputer(db, settings)
        app.ctx.analytics_live = live
        app.ctx.hub.spawn(live.run(), name="analytics-live")
    log.info(
        "handoff service starting",
        extra={"environment": settings.environment, "rasa_url": settings.rasa_url},
    )


async def _start_background(app: App) -> None:
    # Unfinished bot turns (this instance's before a crash, or any instance's that died)
    # are driven again: at start, then every HANDOFF_TURN_SWEEP_SECONDS.
    app.ctx.hub.spawn(run_sweeper(app.ctx.hub), name="bot-turn-sweeper")
    app.ctx.hub.spawn(_heartbeat(app.ctx.hub), name="presence-heartbeat")
    # The dummy password hash (about a second of argon2 on a busy machine) is computed while
    # the service already answers: customers need none, and a login before it is ready computes
    # the same hash itself. A restarted instance serves its customers that much sooner.
    app.ctx.hub.spawn(security.warm_up(), name="password-warm-up")


async def _stop(app: App) -> None:
    hub: Hub | None = getattr(app.ctx, "hub", None)
    if hub is None:
        return
    live: LiveComputer | None = getattr(app.ctx, "analytics_live", None)
    if live is not None:
        live.stop()
        running = [t for t in hub.tasks if t.get_name() == "analytics-live"]
        with contextlib.suppress(Exception):
            await asyncio.wait(running, timeout=5)
    for task in list(hub.tasks):
        task.cancel()
    for task in list(hub.tasks):
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task
    await hub.pubsub.close()
    await hub.limits.close()
    await hub.locks.close()
    await hub.presence.close()
    await hub.rasa.close()
    await hub.db.close()
    log.info("handoff service stopped")
