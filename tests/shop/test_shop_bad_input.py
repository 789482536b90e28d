"""Issue 13: no 5xx from bad input on the order API (deep JSON, lone surrogates, odd keys)."""

from __future__ import annotations

import json

import httpx
import pytest

JSON = {"content-type": "application/json"}


@pytest.mark.parametrize(
    "raw", [b"[" * 50000, b'{"email":' + b"[" * 50000, b'{"a": ' * 3000 + b"1"], ids=len
)
async def test_deeply_nested_json_is_400(client: httpx.AsyncClient, raw: bytes) -> None:
    for path in ("/v1/orders/EF-100002/cancel", "/v1/orders/EF-100002/verify"):
        response = await client.post(path, content=raw, headers=JSON)
        assert response.status_code == 400, response.text
        assert response.json()["code"] == "bad_request"


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/v1/orders/EF-100002/verify", {"email": "\ud800"}),
        ("/v1/orders/EF-100002/cancel", {"reason": "\ud800"}),
        ("/v1/orders/EF-100002/cancel", {"\udfff": "x"}),
        ("/v1/orders/EF-100002/returns", {"items": [{"sku": "\ud800"}], "reason": "x"}),
    ],
)
async def test_lone_surrogates_are_400(client: httpx.AsyncClient, path: str, body: dict) -> None:
    response = await client.post(path, content=json.dumps(body).encode(), headers=JSON)
    assert response.status_code == 400, response.text
    assert response.json()["code"] == "bad_request"


@pytest.mark.parametrize("key", [b"\xff", "é".encode(), b"\xed\xa0\x80", b"k" * 5000])
async def test_undecodable_api_keys_are_401(anon: httpx.AsyncClient, key: bytes) -> None:
    response = await anon.get("/v1/orders/EF-100001", headers={"X-API-Key": key})
    assert response.status_code == 401, response.text
    assert response.json()["code"] == "unauthorized"


async def test_odd_paths_and_queries_are_4xx(client: httpx.AsyncClient) -> None:
    for url in (
        "/v1/orders/%FF",
        "/v1/orders/%ED%A0%80/tracking",
        "/v1/customers/%ED%A0%80/orders?limit=%FF",
        "/v1/orders/" + "a" * 5000,
        "/v1/customers/C0001/orders?limit=" + "9" * 5000,
    ):
        response = await client.get(url)
        assert 400 <= response.status_code < 500, (url, response.text)
        assert "code" in response.json()
