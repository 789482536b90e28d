"""HTTP edges: auth, bad input, size limit, unknown routes, unicode, SQL metacharacters,
the catch-all error handler, OpenAPI coverage and the access log."""

from __future__ import annotations

import logging
import re
from typing import Any

import httpx
import pytest

from shop.openapi import openapi_document
from tests.support.shop_testkit import API_KEY


async def test_missing_or_wrong_key(anon: httpx.AsyncClient) -> None:
    for headers in ({}, {"X-API-Key": "wrong"}, {"X-API-Key": API_KEY + "x"}):
        response = await anon.get("/v1/orders/EF-100001", headers=headers)
        assert response.status_code == 401
        assert response.json()["code"] == "unauthorized"
    write = await anon.post("/v1/orders/EF-100002/cancel", json={})
    assert write.status_code == 401
    ok = await anon.get("/v1/orders/EF-100001", headers={"X-API-Key": API_KEY})
    assert ok.status_code == 200


async def test_openapi_needs_no_key_and_lists_every_route(
    anon: httpx.AsyncClient, server: Any
) -> None:
    response = await anon.get("/v1/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert document["openapi"].startswith("3.")
    documented = {
        (path, method.upper()) for path, ops in document["paths"].items() for method in ops
    }
    served = set()
    for route in server.app.router.routes:
        path = "/" + re.sub(r"<(\w+)(:[^>]*)?>", r"{\1}", route.path).strip("/")
        for method in route.methods:
            if method not in ("HEAD", "OPTIONS"):
                served.add((path, method))
    assert served == documented
    assert document == openapi_document()


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        (b"{not json", "JSON"),
        (b"[1, 2]", "object"),
        (b'"text"', "object"),
        (b"\xff\xfe", "JSON"),
    ],
)
async def test_malformed_bodies(client: httpx.AsyncClient, raw: bytes, fragment: str) -> None:
    response = await client.post(
        "/v1/orders/EF-100002/cancel", content=raw, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["code"] == "bad_request"
    assert fragment in response.json()["message"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"city": "Berlin", "postcode": "10115", "country": "DE"}, "street"),
        ({"street": 5, "city": "Berlin", "postcode": "10115", "country": "DE"}, "street"),
        ({"street": "A 1", "city": ["B"], "postcode": "10115", "country": "DE"}, "city"),
        ({"street": "A 1", "city": "B", "postcode": None, "country": "DE"}, "postcode"),
        ({"street": "A 1", "city": "B", "postcode": "10115", "country": "DEU"}, "country"),
    ],
)
async def test_wrong_types_and_missing_fields_name_the_field(
    client: httpx.AsyncClient, body: dict[str, Any], field: str
) -> None:
    response = await client.post("/v1/orders/EF-100002/address", json=body)
    assert response.status_code == 400
    assert response.json()["code"] == "bad_request"
    assert f"'{field}'" in response.json()["message"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"reason": "x"}, "items"),
        ({"items": "SKU-MUG", "reason": "x"}, "items"),
        ({"items": [], "reason": "x"}, "items"),
        ({"items": [{"sku": "SKU-MUG", "quantity": "1"}], "reason": "x"}, "quantity"),
        ({"items": [{"sku": "SKU-MUG", "quantity": True}], "reason": "x"}, "quantity"),
        ({"items": [{"sku": "SKU-MUG", "quantity": 0}], "reason": "x"}, "quantity"),
        ({"items": [{"quantity": 1}], "reason": "x"}, "sku"),
        ({"items": [{"sku": "SKU-MUG", "quantity": 1}]}, "reason"),
        ({"items": [{"sku": "SKU-MUG", "quantity": 1}], "reason": 3}, "reason"),
    ],
)
async def test_return_body_validation(
    client: httpx.AsyncClient, body: dict[str, Any], field: str
) -> None:
    response = await client.post("/v1/orders/EF-100003/returns", json=body)
    assert response.status_code == 400
    assert field in response.json()["message"]


async def test_body_too_large(client: httpx.AsyncClient) -> None:
    response = await client.post("/v1/orders/EF-100002/cancel", json={"reason": "x" * (70 * 1024)})
    assert response.status_code == 413
    assert response.json()["code"] == "payload_too_large"
    assert (await client.get("/v1/orders/EF-100002")).json()["status"] == "paid"


async def test_unknown_route_and_wrong_method(client: httpx.AsyncClient) -> None:
    missing = await client.get("/v1/nothing-here")
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"
    outside = await client.get("/favicon.ico")
    assert outside.status_code == 404 and outside.json()["code"] == "not_found"
    wrong = await client.delete("/v1/orders/EF-100001")
    assert wrong.status_code == 405 and wrong.json()["code"] == "method_not_allowed"
    get_write = await client.get("/v1/orders/EF-100001/cancel")
    assert get_write.status_code == 405


async def test_unicode_everywhere(client: httpx.AsyncClient) -> None:
    address = {"name": "김민지 🎁", "street": "세종대로 110", "city": "서울", "postcode": "04524",
               "country": "KR"}  # fmt: skip
    response = await client.post("/v1/orders/EF-100009/address", json=address)
    assert response.status_code == 200
    assert response.json()["order"]["shipping_address"] == address
    stored = (await client.get("/v1/orders/EF-100009")).json()
    assert stored["shipping_address"]["name"] == "김민지 🎁"
    cancel = await client.post("/v1/orders/EF-100009/cancel", json={"reason": "ℌ𝔢𝔩𝔩𝔬 ٩(◕‿◕)۶"})
    assert cancel.status_code == 200
    verify = await client.post("/v1/orders/EF-100001/verify", json={"email": "ålice@exämple.com"})
    assert verify.status_code == 422


async def test_nul_and_lone_surrogates_are_refused(client: httpx.AsyncClient) -> None:
    nul = await client.post("/v1/orders/EF-100002/cancel", json={"reason": "a\x00b"})
    assert nul.status_code == 400 and "reason" in nul.json()["message"]
    surrogate = await client.post(
        "/v1/orders/EF-100002/cancel",
        content=b'{"reason": "\\ud800"}',
        headers={"Content-Type": "application/json"},
    )
    assert surrogate.status_code == 400 and "reason" in surrogate.json()["message"]


@pytest.mark.parametrize(
    "evil",
    [
        "EF-100001' OR '1'='1",
        "EF-100001; DROP TABLE shop_orders;--",
        '" OR 1=1 --',
        "%",
        "_________",
    ],
)
async def test_sql_metacharacters_are_harmless(client: httpx.AsyncClient, evil: str) -> None:
    response = await client.get(f"/v1/orders/{evil}".replace("%", "%25").replace(" ", "%20"))
    assert response.status_code == 404
    verify = await client.post("/v1/orders/EF-100001/verify", json={"email": f"x{evil}@x.de"})
    assert verify.status_code == 422
    customer = await client.get("/v1/customers/C0001' OR '1'='1")
    assert customer.status_code == 404
    # The data is still there.
    assert (await client.get("/v1/orders/EF-100001")).status_code == 200


async def test_sql_metacharacters_stored_verbatim(client: httpx.AsyncClient) -> None:
    street = "Robert'); DROP TABLE shop_orders;-- 1"
    address = {"street": street, "city": "Berlin", "postcode": "10115", "country": "DE"}
    assert (await client.post("/v1/orders/EF-100002/address", json=address)).status_code == 200
    order = (await client.get("/v1/orders/EF-100002")).json()
    assert order["shipping_address"]["street"] == street


async def test_unexpected_error_is_json_500_without_internals(
    client: httpx.AsyncClient, server: Any, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("secret internal detail /etc/passwd")

    server.app.ctx.sessions = broken
    with caplog.at_level(logging.ERROR, logger="shop.app"):
        response = await client.get("/v1/orders/EF-100001")
    assert response.status_code == 500
    assert response.json() == {
        "code": "internal_error",
        "message": "Something went wrong on our side.",
    }
    assert "secret" not in response.text
    records = [r for r in caplog.records if r.name == "shop.app" and r.exc_info]
    assert records, "the catch-all must log with exc_info"


async def test_access_log_line(client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="shop.access"):
        await client.get("/v1/orders/EF-100001")
        await client.get("/v1/orders/EF-999999")
    lines = [r.getMessage() for r in caplog.records if r.name == "shop.access"]
    assert any(line.startswith("GET /v1/orders/EF-100001 200 ") for line in lines)
    assert any(line.startswith("GET /v1/orders/EF-999999 404 ") for line in lines)


async def test_long_idempotency_key_is_refused(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/v1/orders/EF-100002/cancel", json={}, headers={"Idempotency-Key": "k" * 500}
    )
    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()["message"]
