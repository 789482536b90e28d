"""How a Sanic server of this project serves once started (`python -m handoff`, `python -m shop`):
a single process (more instances are more processes, started by the launcher or the deployment),
without Sanic's access log and banner; `GET …/health` (what the launcher and the proxies poll)
and its OpenAPI document."""

from __future__ import annotations

import gc
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sanic import Blueprint, Request, Sanic
    from sanic.response import HTTPResponse


def serve(app: Sanic[Any, Any], host: str, port: int) -> None:
    """Serves `app` on host:port until the process is stopped."""
    app.after_server_start(freeze_startup_objects)
    app.run(host=host, port=port, single_process=True, access_log=False, motd=False)


async def freeze_startup_objects(app: Sanic[Any, Any]) -> None:
    """Once the server is up: what exists now (modules, routes, the app, its engine) lives as
    long as the process, so it leaves the garbage collector's view (`gc.freeze`). A full
    collection otherwise walks all of it: under 100 live chats that paused the handoff
    service's event loop 75-115 ms a few times a minute; frozen, under 20 ms (issue 16)."""
    gc.collect()
    gc.freeze()


def add_health_and_openapi(
    target: Sanic[Any, Any] | Blueprint, openapi_path: str, document: Callable[[], dict[str, Any]]
) -> None:
    """`GET /health` ({"status": "ok"}) and `GET <openapi_path>` (`document()`), no credentials,
    on an app or a blueprint (below its URL prefix)."""
    from sanic.response import json

    async def health(request: Request) -> HTTPResponse:
        return json({"status": "ok"})

    async def openapi(request: Request) -> HTTPResponse:
        return json(document())

    target.add_route(health, "/health", methods=["GET"])
    target.add_route(openapi, openapi_path, methods=["GET"])
