"""A core subset against PostgreSQL (TEST_POSTGRES_URL), in a throwaway database."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import pytest_asyncio
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from shop.config import Settings
from tests.support.shop_testkit import API_KEY, running_server, seed_database

pytestmark = pytest.mark.postgres

DEFAULT_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"


@pytest_asyncio.fixture
async def pg_url() -> AsyncIterator[str]:
    base = os.environ.get("TEST_POSTGRES_URL", DEFAULT_URL)
    admin = create_async_engine(base, isolation_level="AUTOCOMMIT")
    name = f"shop_test_{uuid.uuid4().hex[:10]}"
    try:
        async with admin.connect() as conn:
            await conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        await admin.dispose()
        if os.environ.get("REQUIRE_SERVICES") == "1":
            pytest.fail(f"PostgreSQL at {base} is required but unusable: {exc}")
        pytest.skip(f"PostgreSQL unreachable at {base}: {exc.__class__.__name__}")
    url = make_url(base).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


async def test_core_flow_on_postgres(pg_url: str, clock: Any) -> None:
    await seed_database(pg_url)
    settings = Settings(database_url=pg_url, api_key=API_KEY, port=0)
    async with running_server(settings, clock) as srv:
        async with httpx.AsyncClient(base_url=srv.url, headers={"X-API-Key": API_KEY}) as http:
            order = (await http.get("/v1/orders/EF-100001")).json()
            assert order["status"] == "in_transit" and order["total"] == "84.80"
            orders = (await http.get("/v1/customers/C0001/orders?limit=3")).json()["orders"]
            assert orders[0]["order_number"] == "EF-100002"
            customer = (await http.get("/v1/customers/C0002")).json()
            assert customer["name"] == "김민지 (Minji Kim)"
            headers = {"Idempotency-Key": "pg-1"}
            first = await http.post("/v1/orders/EF-100002/cancel", json={}, headers=headers)
            second = await http.post("/v1/orders/EF-100002/cancel", json={}, headers=headers)
            assert first.status_code == second.status_code == 200
            assert first.json() == second.json()
            reused = await http.post(
                "/v1/orders/EF-100002/cancel", json={"reason": "other"}, headers=headers
            )
            assert reused.status_code == 422
            for _ in range(5):
                await http.post("/v1/orders/EF-100003/verify", json={"email": "no@x.de"})
            locked = await http.post(
                "/v1/orders/EF-100003/verify", json={"email": "alice@example.com"}
            )
            assert locked.status_code == 429
            ret = await http.post(
                "/v1/orders/EF-100012/returns",
                json={"items": [{"sku": "SKU-CAP", "quantity": 1}], "reason": "ß ' ; --"},
            )
            assert ret.status_code == 201
            address = {"street": "세종대로 1", "city": "서울", "postcode": "04524", "country": "KR"}
            changed = await http.post("/v1/orders/EF-100009/address", json=address)
            assert changed.status_code == 200
            assert (await http.get("/v1/orders/EF-100010/tracking")).status_code == 200
            assert (await http.get("/v1/orders/EF-100009/invoice")).status_code == 409
            # Row locks: concurrent cancels of one order give one success; one key, one answer.
            racers = await asyncio.gather(
                *(http.post("/v1/orders/EF-100008/cancel", json={}) for _ in range(4))
            )
            assert sorted(r.status_code for r in racers) == [200, 409, 409, 409]
            same = await asyncio.gather(
                *(
                    http.post(
                        "/v1/orders/EF-100009/cancel", json={}, headers={"Idempotency-Key": "r"}
                    )
                    for _ in range(4)
                )
            )
            assert {r.status_code for r in same} == {200} and len({r.text for r in same}) == 1
