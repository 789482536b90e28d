"""launcher.serve: what a served process does once its server is up."""

from __future__ import annotations

import asyncio
import gc
import time
import uuid
from typing import Any, cast

import httpx
from sanic import Sanic

from launcher.serve import (
    LoopLag,
    add_health_and_openapi,
    freeze_startup_objects,
    serve,
    watch_loop_lag,
)
from tests.support.served import Served


class FakeApp:
    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []

    def after_server_start(self, listener: Any) -> None:
        self.calls.append(("after_server_start", listener))

    def run(self, **options: Any) -> None:
        self.calls.append(("run", options))


def test_serve_freezes_the_startup_objects_once_up() -> None:
    app = FakeApp()
    serve(cast(Any, app), "127.0.0.1", 8099)
    assert app.calls[0] == ("after_server_start", freeze_startup_objects)
    assert app.calls[1] == ("after_server_start", watch_loop_lag)
    assert app.calls[2][0] == "run" and app.calls[2][1]["port"] == 8099


async def test_startup_objects_leave_the_collectors_view() -> None:
    gc.unfreeze()
    kept = [{"n": n} for n in range(1000)]
    try:
        await freeze_startup_objects(cast(Any, None))
        assert gc.get_freeze_count() >= len(kept)
        # a collection now walks only what was made after the server started
        assert len(gc.get_objects(generation=2)) < gc.get_freeze_count()
    finally:
        gc.unfreeze()


async def test_loop_lag_shows_a_blocked_loop() -> None:
    lag = LoopLag(interval=0.01, window=50)
    assert lag.figures() == {"last_ms": 0.0, "max_ms": 0.0}
    task = asyncio.create_task(lag.run())
    try:
        await asyncio.sleep(0.05)
        time.sleep(0.15)  # noqa: ASYNC251 - a blocking call on the loop's thread, on purpose
        await asyncio.sleep(0.05)
        figures = lag.figures()
        assert figures["max_ms"] >= 100
        assert figures["last_ms"] < figures["max_ms"]
    finally:
        task.cancel()


async def test_health_reports_the_loop_lag_when_served() -> None:
    app = Sanic(f"serve-{uuid.uuid4().hex[:8]}")
    add_health_and_openapi(app, "/openapi.json", dict)
    served = Served(app)
    await served.start()
    try:
        async with httpx.AsyncClient(base_url=served.url) as http:
            assert (await http.get("/health")).json() == {"status": "ok"}
            lag = app.ctx.loop_lag = LoopLag()
            lag.lags.extend([0.25, 0.002])
            watched = (await http.get("/health")).json()
    finally:
        await served.stop()
    assert watched == {"status": "ok", "loop_lag": {"last_ms": 2.0, "max_ms": 250.0}}
