"""Concurrent writes: one winner per order, identical answers per Idempotency-Key."""

from __future__ import annotations

import asyncio

import httpx


async def test_concurrent_same_key_gives_one_write(client: httpx.AsyncClient) -> None:
    headers = {"Idempotency-Key": "race-1"}
    responses = await asyncio.gather(
        *(client.post("/v1/orders/EF-100002/cancel", json={}, headers=headers) for _ in range(8))
    )
    assert {r.status_code for r in responses} == {200}
    assert len({r.text for r in responses}) == 1


async def test_concurrent_writes_to_many_orders(client: httpx.AsyncClient) -> None:
    numbers = ["EF-100002", "EF-100008", "EF-100009"] * 3
    responses = await asyncio.gather(
        *(client.post(f"/v1/orders/{n}/cancel", json={}) for n in numbers)
    )
    codes = sorted(r.status_code for r in responses)
    assert codes == [200] * 3 + [409] * 6, [r.text for r in responses if r.status_code >= 500]
