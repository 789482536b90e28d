"""Orders, customers, verification and the write routes (all need the API key)."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, json
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from shop import idempotency, services, validation
from shop.errors import BadRequest, ShopError, http_status
from shop.policies import policies_document

logger = logging.getLogger(__name__)

bp = Blueprint("orders", url_prefix="/v1")


@bp.get("/policies")
async def get_policies(request: Request) -> HTTPResponse:
    return json(policies_document())


Action = Callable[[AsyncSession, datetime], Awaitable[tuple[int, dict[str, Any]]]]


async def _read(request: Request, fn: Callable[[AsyncSession, datetime], Awaitable[Any]]) -> Any:
    async with request.app.ctx.sessions() as session:
        return await fn(session, request.app.ctx.clock())


async def _write(request: Request, body: dict[str, Any], action: Action) -> HTTPResponse:
    """Run one write in one transaction, with its Idempotency-Key record in the same one.

    Refusals are responses too: they are committed (a failed verification must count) and
    replayed like successes.
    """
    key = idempotency.check_key(request.headers.get("idempotency-key"))
    print_ = idempotency.fingerprint(request.method, request.path, body)
    lock = request.app.ctx.write_lock or contextlib.nullcontext()
    try:
        async with lock, request.app.ctx.sessions() as session, session.begin():
            now: datetime = request.app.ctx.clock()
            if key is not None:
                stored = await idempotency.replay(session=session, key=key, print_=print_)
                if stored is not None:
                    return json(stored.body, stored.status, headers={"Idempotent-Replayed": "true"})
            try:
                status, payload = await action(session, now)
            except ShopError as exc:
                status, payload = http_status(exc), exc.body()
            if key is not None:
                idempotency.remember(
                    session=session, key=key, print_=print_, status=status, body=payload, now=now
                )
    except IntegrityError:
        if key is None:
            raise
        # A concurrent request with the same key won the race: answer with its response.
        async with request.app.ctx.sessions() as session:
            stored = await idempotency.replay(session=session, key=key, print_=print_)
        if stored is None:
            raise
        return json(stored.body, stored.status, headers={"Idempotent-Replayed": "true"})
    return json(payload, status)


@bp.get("/orders/<order_number:str>")
async def get_order(request: Request, order_number: str) -> HTTPResponse:
    return json(
        await _read(
            request,
            lambda s, now: services.order_details(session=s, order_number=order_number, now=now),
        )
    )


@bp.get("/customers/<customer_id:str>")
async def get_customer(request: Request, customer_id: str) -> HTTPResponse:
    return json(
        await _read(
            request, lambda s, now: services.customer_details(session=s, customer_id=customer_id)
        )
    )


@bp.get("/customers/<customer_id:str>/orders")
async def get_customer_orders(request: Request, customer_id: str) -> HTTPResponse:
    limit = validation.query_int(request.args, "limit", default=5, minimum=1, maximum=100)
    return json(
        await _read(
            request,
            lambda s, now: services.customer_orders(
                session=s, customer_id=customer_id, limit=limit, now=now
            ),
        )
    )


def _order_read_route(part: str, fn: Callable[..., Awaitable[Any]]) -> None:
    """`GET /orders/<order_number>/<part>`: what `fn(session=..., order_number=...)` returns."""

    async def handler(request: Request, order_number: str) -> HTTPResponse:
        return json(await _read(request, lambda s, now: fn(session=s, order_number=order_number)))

    bp.add_route(handler, f"/orders/<order_number:str>/{part}", methods=["GET"], name=f"get_{part}")


for _part, _fn in (
    ("tracking", services.tracking),
    ("refund", services.refund),
    ("invoice", services.invoice),
):
    _order_read_route(_part, _fn)


@bp.post("/orders/<order_number:str>/verify")
async def verify(request: Request, order_number: str) -> HTTPResponse:
    body = validation.parse_object(request.body)
    email = validation.string(body, "email", required=False, max_length=320)
    postcode = validation.string(body, "postcode", required=False, max_length=20)
    if email is None and postcode is None:
        raise BadRequest("field 'email' or 'postcode' is required", field="email")

    async def action(session: AsyncSession, now: datetime) -> tuple[int, dict[str, Any]]:
        result = await services.verify(
            session=session, order_number=order_number, email=email, postcode=postcode, now=now
        )
        return 200, result

    return await _write(request, body, action)


@bp.post("/orders/<order_number:str>/cancel")
async def cancel(request: Request, order_number: str) -> HTTPResponse:
    body = validation.parse_object(request.body, allow_empty=True)
    reason = validation.string(body, "reason", required=False, max_length=1000)

    async def action(session: AsyncSession, now: datetime) -> tuple[int, dict[str, Any]]:
        result = await services.cancel(
            session=session, order_number=order_number, reason=reason, now=now
        )
        return 200, result

    return await _write(request, body, action)


@bp.post("/orders/<order_number:str>/address")
async def change_address(request: Request, order_number: str) -> HTTPResponse:
    body = validation.parse_object(request.body)
    name = validation.string(body, "name", required=False, max_length=200)
    street = validation.required_string(body, "street", max_length=200)
    city = validation.required_string(body, "city", max_length=100)
    postcode = validation.required_string(body, "postcode", max_length=20)
    country = validation.required_string(body, "country", max_length=2)

    async def action(session: AsyncSession, now: datetime) -> tuple[int, dict[str, Any]]:
        result = await services.change_address(
            session=session,
            order_number=order_number,
            name=name,
            street=street,
            city=city,
            postcode=postcode,
            country=country,
            now=now,
        )
        return 200, result

    return await _write(request, body, action)


def _return_items(body: dict[str, Any]) -> list[tuple[str, int]]:
    raw = body.get("items")
    if raw is None:
        raise BadRequest("field 'items' is required", field="items")
    if not isinstance(raw, list):
        raise BadRequest("field 'items' must be a list", field="items")
    if not raw:
        raise BadRequest("field 'items' must not be empty", field="items")
    if len(raw) > 100:
        raise BadRequest("field 'items' has more than 100 entries", field="items")
    items = []
    for index, entry in enumerate(raw):
        if not isinstance(entry, dict):
            raise BadRequest(f"field 'items[{index}]' must be an object", field="items")
        sku = validation.string(entry, "sku", max_length=64)
        quantity = validation.integer(entry, "quantity", minimum=1, maximum=1000)
        assert sku is not None and quantity is not None
        items.append((sku, quantity))
    return items


@bp.post("/orders/<order_number:str>/returns")
async def create_return(request: Request, order_number: str) -> HTTPResponse:
    body = validation.parse_object(request.body)
    items = _return_items(body)
    reason = validation.required_string(body, "reason", max_length=1000)

    async def action(session: AsyncSession, now: datetime) -> tuple[int, dict[str, Any]]:
        result = await services.create_return(
            session=session, order_number=order_number, items=items, reason=reason, now=now
        )
        return 201, result

    return await _write(request, body, action)
