"""Runtime fault injection (only when SHOP_ALLOW_FAULTS=1)."""

from __future__ import annotations

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, json

from shop import validation
from shop.errors import BadRequest, NotFound
from shop.faults import Faults

bp = Blueprint("admin", url_prefix="/v1/admin")


def _faults(request: Request) -> Faults:
    if not request.app.ctx.settings.allow_faults:
        raise NotFound("not_found", "Fault injection is disabled (SHOP_ALLOW_FAULTS=1 enables it).")
    faults: Faults = request.app.ctx.faults
    return faults


@bp.get("/faults")
async def get_faults(request: Request) -> HTTPResponse:
    return json(_faults(request).as_json())


@bp.put("/faults")
async def put_faults(request: Request) -> HTTPResponse:
    faults = _faults(request)
    body = validation.parse_object(request.body)
    latency = validation.integer(body, "latency_ms", minimum=0, maximum=60_000, required=False)
    rate = validation.number(body, "error_rate", minimum=0.0, maximum=1.0, required=False)
    if latency is None and rate is None:
        raise BadRequest("field 'latency_ms' or 'error_rate' is required")
    if latency is not None:
        faults.latency_ms = latency
    if rate is not None:
        faults.error_rate = rate
    return json(faults.as_json())
