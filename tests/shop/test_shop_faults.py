"""Fault injection: latency and errors, from settings and at runtime."""

from __future__ import annotations

import time
from typing import Any

import httpx

from shop.config import Settings
from tests.support.shop_testkit import API_KEY, running_server

HEADERS = {"X-API-Key": API_KEY}


async def test_admin_faults_hidden_unless_allowed(client: httpx.AsyncClient) -> None:
    response = await client.put("/v1/admin/faults", json={"error_rate": 1})
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert (await client.get("/v1/orders/EF-100001")).status_code == 200


async def test_runtime_error_rate_and_latency(settings: Settings, clock: Any) -> None:
    async with running_server(settings.replace(allow_faults=True), clock) as srv:
        async with httpx.AsyncClient(base_url=srv.url, headers=HEADERS) as http:
            unauthorized = await http.put(
                "/v1/admin/faults", json={"error_rate": 1}, headers={"X-API-Key": "x"}
            )
            assert unauthorized.status_code == 401
            bad = await http.put("/v1/admin/faults", json={"error_rate": 2})
            assert bad.status_code == 400 and "error_rate" in bad.json()["message"]
            bad_type = await http.put("/v1/admin/faults", json={"latency_ms": "slow"})
            assert bad_type.status_code == 400 and "latency_ms" in bad_type.json()["message"]

            response = await http.put("/v1/admin/faults", json={"error_rate": 1.0})
            assert response.status_code == 200
            assert response.json() == {"latency_ms": 0, "error_rate": 1.0}
            failed = await http.get("/v1/orders/EF-100001")
            assert failed.status_code == 503 and failed.json()["code"] == "fault_injected"
            write = await http.post("/v1/orders/EF-100002/cancel", json={})
            assert write.status_code == 503
            # Exempt: health, openapi, admin.
            assert (await http.get("/v1/health")).status_code == 200
            assert (await http.get("/v1/openapi.json")).status_code == 200
            assert (await http.get("/v1/admin/faults")).json()["error_rate"] == 1.0

            await http.put("/v1/admin/faults", json={"error_rate": 0, "latency_ms": 300})
            started = time.perf_counter()
            assert (await http.get("/v1/orders/EF-100002")).json()["status"] == "paid"
            assert time.perf_counter() - started >= 0.3
            started = time.perf_counter()
            await http.get("/v1/health")
            assert time.perf_counter() - started < 0.3
            await http.put("/v1/admin/faults", json={"latency_ms": 0})


async def test_partial_error_rate(settings: Settings, clock: Any) -> None:
    async with running_server(settings.replace(fault_error_rate=0.5), clock) as srv:
        async with httpx.AsyncClient(base_url=srv.url, headers=HEADERS) as http:
            codes = [(await http.get("/v1/orders/EF-100001")).status_code for _ in range(60)]
    assert set(codes) == {200, 503}
    assert 10 <= codes.count(503) <= 50


async def test_latency_from_settings(settings: Settings, clock: Any) -> None:
    async with running_server(settings.replace(fault_latency_ms=200), clock) as srv:
        async with httpx.AsyncClient(base_url=srv.url, headers=HEADERS) as http:
            started = time.perf_counter()
            assert (await http.get("/v1/customers/C0001")).status_code == 200
            assert time.perf_counter() - started >= 0.2
