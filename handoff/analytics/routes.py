"""Analytics blueprint: the dashboard page, its assets and the JSON API (analyst, supervisor,
admin)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, html, json, raw

from handoff.access import requires
from handoff.accounts import ANALYTICS
from handoff.analytics import queries
from handoff.analytics import services as svc
from handoff.analytics.live import last_update
from handoff.errors import Forbidden, NotFound
from handoff.http import hub_of, int_arg
from handoff.values import Role

bp = Blueprint("analytics")
PACKAGE = Path(__file__).resolve().parent.parent
ASSETS = PACKAGE / "static" / "analytics"
TEMPLATE = PACKAGE / "templates" / "analytics.html"
CHART_JS = ASSETS / "vendor" / "chart.umd.min.js"
ASSET_TYPES = {
    "analytics.js": "text/javascript; charset=utf-8",
    "analytics.css": "text/css; charset=utf-8",
    "vendor/chart.umd.min.js": "text/javascript; charset=utf-8",
}
PAGE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


def _args(request: Request) -> dict[str, str | None]:
    return {key: request.args.get(key) for key in ("since", "until", "language", "task", "agent")}


@bp.get("/analytics")
async def page(request: Request) -> HTTPResponse:
    body = TEMPLATE.read_text(encoding="utf-8")
    return html(body, headers=PAGE_HEADERS)


@bp.get("/analytics/assets/<name:path>")
async def asset(request: Request, name: str) -> HTTPResponse:
    content_type = ASSET_TYPES.get(name)
    path = ASSETS / name
    if content_type is None or not path.is_file():
        raise NotFound("No such file.")
    return raw(
        path.read_bytes(),
        content_type=content_type,
        headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "no-cache"},
    )


@bp.get("/api/analytics/summary")
@requires(ANALYTICS)
async def summary(request: Request) -> HTTPResponse:
    filters = queries.parse_filters(_args(request))
    async with hub_of(request).db.session() as session:
        data = await queries.dashboard(session, filters)
        data.update(await queries.agents(session, filters))
        data["options"] = await queries.filter_options(session)
        data.update(await last_update(session))
        data["empty"] = await queries.log_is_empty(session)
    data["charts_available"] = CHART_JS.is_file()
    return json(data)


@bp.get("/api/analytics/sessions")
@requires(ANALYTICS)
async def sessions(request: Request) -> HTTPResponse:
    filters = queries.parse_filters(_args(request))
    limit = int_arg(request, "limit", 50, maximum=500)
    offset = int_arg(request, "offset", 0, maximum=10_000_000)
    async with hub_of(request).db.session() as session:
        items = await svc.list_sessions(
            session=session,
            filters=filters,
            outcome=request.args.get("outcome") or None,
            limit=limit,
            offset=offset,
        )
        updated = await last_update(session)
    return json({"sessions": items, "limit": limit, "offset": offset, **updated})


@bp.get("/api/analytics/sessions/<key:str>")
@requires(ANALYTICS)
async def session_detail(request: Request, key: str) -> HTTPResponse:
    key = unquote(key)  # the page sends encodeURIComponent(key): "conv:0" arrives as "conv%3A0"
    raw_wanted = request.args.get("raw") in ("1", "true")
    if raw_wanted and request.ctx.user.role != Role.ADMIN:
        raise Forbidden("Only an admin may see unmasked data.")
    async with hub_of(request).db.session() as session:
        data = await svc.session_detail(session=session, key=key, raw=raw_wanted)
    return json(data)
