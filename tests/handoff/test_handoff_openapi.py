"""The published OpenAPI document matches the served routes (issue 13)."""

from __future__ import annotations

import re

from sanic import Sanic

from handoff.openapi import openapi_document
from tests.support.handoff_service import Service


async def test_openapi_is_public_and_lists_every_api_route(service: Service) -> None:
    r = await service.http.get("/api/openapi.json")
    assert r.status_code == 200
    document = r.json()
    assert document == openapi_document()
    assert document["openapi"].startswith("3.")
    documented = {
        (path, method.upper())
        for path, item in document["paths"].items()
        for method in item
        if method != "parameters"
    }
    served = set()
    app = next(
        a for a in Sanic._app_registry.values() if getattr(a.ctx, "hub", None) is service.hub
    )
    for route in app.router.routes:
        path = "/" + re.sub(r"<(\w+)(:[^>]*)?>", r"{\1}", route.path).strip("/")
        if not (path.startswith("/api/") or path == "/health"):
            continue  # pages, static files and WebSockets are documented in docs/api.md
        for method in route.methods:
            if method not in ("HEAD", "OPTIONS"):
                served.add((path, method))
    assert served == documented
