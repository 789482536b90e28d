"""How a Sanic server of this project serves once started (`python -m handoff`, `python -m shop`):
a single process (more instances are more processes, started by the launcher or the deployment),
without Sanic's access log and banner; `GET …/health` (what the launcher and the proxies poll)
and its OpenAPI document."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sanic import Blueprint, Request, Sanic
    from sanic.response import HTTPResponse


def serve(app: Sanic[Any, Any], host: str, port: int) -> None:
    """Serves `app` on host:port until the process is stopped."""
    app.run(host=host, port=port, single_process=True, access_log=False, motd=False)


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
