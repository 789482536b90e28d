"""How a Sanic server of this project serves once started (`python -m handoff`, `python -m shop`):
a single process (more instances are more processes, started by the launcher or the deployment),
without Sanic's access log and banner; `GET …/health` (what the launcher and the proxies poll;
with the event loop's lateness when served this way) and its OpenAPI document."""

from __future__ import annotations

import asyncio
import gc
import time
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sanic import Blueprint, Request, Sanic
    from sanic.response import HTTPResponse


def serve(app: Sanic[Any, Any], host: str, port: int) -> None:
    """Serves `app` on host:port until the process is stopped."""
    app.after_server_start(freeze_startup_objects)
    app.after_server_start(watch_loop_lag)
    app.run(host=host, port=port, single_process=True, access_log=False, motd=False)


async def freeze_startup_objects(app: Sanic[Any, Any]) -> None:
    """Once the server is up: what exists now (modules, routes, the app, its engine) lives as
    long as the process, so it leaves the garbage collector's view (`gc.freeze`). A full
    collection otherwise walks all of it: under 100 live chats that paused the handoff
    service's event loop 75-146 ms a few times a minute; frozen, the longest pause was about
    30 ms (issue 16, docs/benchmarks.md)."""
    gc.collect()
    gc.freeze()


class LoopLag:
    """How late the event loop runs a timer of `interval` seconds, over the last `window`
    timers (a minute by default): a loop held up by one long callback (a full garbage
    collection, a blocking call) shows here, and every request waits that long."""

    def __init__(self, interval: float = 0.1, window: int = 600) -> None:
        self.interval = interval
        self.lags: deque[float] = deque(maxlen=window)

    async def run(self) -> None:
        while True:  # perf_counter: uvloop's loop.time() counts whole milliseconds
            started = time.perf_counter()
            await asyncio.sleep(self.interval)
            self.lags.append(max(0.0, time.perf_counter() - started - self.interval))

    def figures(self) -> dict[str, float]:
        """The last and the worst lateness, in ms."""
        if not self.lags:
            return {"last_ms": 0.0, "max_ms": 0.0}
        return {
            "last_ms": round(self.lags[-1] * 1000, 1),
            "max_ms": round(max(self.lags) * 1000, 1),
        }


async def watch_loop_lag(app: Sanic[Any, Any]) -> None:
    """Measure the loop's lateness for `GET /health` (as ``loop_lag``)."""
    lag = app.ctx.loop_lag = LoopLag()
    app.add_task(lag.run(), name="loop-lag")


def add_health_and_openapi(
    target: Sanic[Any, Any] | Blueprint, openapi_path: str, document: Callable[[], dict[str, Any]]
) -> None:
    """`GET /health` ({"status": "ok"}, ``loop_lag`` when `serve` runs the app, and what the
    app's ``ctx.health_figures()`` adds) and
    `GET <openapi_path>` (`document()`), no credentials, on an app or a blueprint (below its URL
    prefix)."""
    from sanic.response import json

    async def health(request: Request) -> HTTPResponse:
        lag: LoopLag | None = getattr(request.app.ctx, "loop_lag", None)
        body: dict[str, Any] = {"status": "ok"}
        if lag is not None:
            body["loop_lag"] = lag.figures()
        more: Callable[[], dict[str, Any]] | None = getattr(request.app.ctx, "health_figures", None)
        if more is not None:  # the app's own figures (the handoff service: its write lock)
            body.update(more())
        return json(body)

    async def openapi(request: Request) -> HTTPResponse:
        return json(document())

    target.add_route(health, "/health", methods=["GET"])
    target.add_route(openapi, openapi_path, methods=["GET"])
