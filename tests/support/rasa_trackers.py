"""A real HTTP server with Rasa's tracker endpoint, serving given trackers (analytics tests)."""

from __future__ import annotations

import uuid
from typing import Any

from sanic import Request, Sanic
from sanic.response import HTTPResponse
from sanic.response import json as json_response


def tracker_server(trackers: dict[str, Any], token: str) -> Sanic:
    app = Sanic(f"trackers-{uuid.uuid4().hex[:8]}", configure_logging=False)

    @app.get("/conversations/<cid:str>/tracker")
    async def tracker(request: Request, cid: str) -> HTTPResponse:
        if request.args.get("token") != token:
            return json_response({"status": "failure", "reason": "NotAuthenticated"}, status=401)
        if cid == "c-broken":
            return json_response({"status": "failure"}, status=500)
        return json_response(trackers.get(cid) or {"sender_id": cid, "events": []})

    return app
