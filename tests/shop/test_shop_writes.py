"""Write endpoints: cancel, address change, returns, with their refusals and idempotency."""

from __future__ import annotations

from typing import Any

import httpx

from tests.support.shop_testkit import running_server

ADDRESS = {"name": "Alice E.", "street": "Torstraße 5", "city": "Berlin", "postcode": "10119",
           "country": "DE"}  # fmt: skip


async def test_cancel_paid_order_without_fee(client: httpx.AsyncClient) -> None:
    response = await client.post("/v1/orders/EF-100002/cancel", json={"reason": "changed mind"})
    assert response.status_code == 200
    body = response.json()
    assert body["order"]["status"] == "cancelled"
    assert body["order"]["refund_status"] == "pending"
    assert body["fee"] == "0.00" and body["refund_amount"] == "54.90"
    assert body["refund_date"] == "2026-11-30" and body["refund_method"] == "card"
    # The change is persisted.
    order = (await client.get("/v1/orders/EF-100002")).json()
    assert order["status"] == "cancelled" and order["can_cancel"] is False
    refund = (await client.get("/v1/orders/EF-100002/refund")).json()
    assert refund["status"] == "pending" and refund["amount"] == "54.90"
    again = await client.post("/v1/orders/EF-100002/cancel")
    assert again.status_code == 409 and again.json()["code"] == "already_cancelled"


async def test_cancel_packed_order_costs_a_fee(client: httpx.AsyncClient) -> None:
    body = (await client.post("/v1/orders/EF-100008/cancel", json={})).json()
    assert body["fee"] == "4.95"
    assert body["refund_amount"] == "32.85"  # 12.90 + 24.90 - 4.95


async def test_cancel_pending_order_refunds_nothing(client: httpx.AsyncClient) -> None:
    body = (await client.post("/v1/orders/EF-100009/cancel")).json()
    assert body["order"]["status"] == "cancelled"
    assert body["refund_amount"] == "0.00" and body["refund_date"] is None
    assert body["order"]["refund_status"] == "none"


async def test_cancel_refusals(client: httpx.AsyncClient) -> None:
    cases = {
        "EF-100001": "already_shipped",
        "EF-100004": "already_shipped",
        "EF-100010": "already_shipped",
        "EF-100003": "already_delivered",
        "EF-100007": "already_delivered",
        "EF-100006": "already_cancelled",
    }
    for number, code in cases.items():
        response = await client.post(f"/v1/orders/{number}/cancel", json={})
        assert response.status_code == 409, number
        assert response.json()["code"] == code, number
    unchanged = (await client.get("/v1/orders/EF-100001")).json()
    assert unchanged["status"] == "in_transit"
    missing = await client.post("/v1/orders/EF-000000/cancel", json={})
    assert missing.status_code == 404


async def test_change_address_gives_new_eta(client: httpx.AsyncClient) -> None:
    response = await client.post("/v1/orders/EF-100002/address", json=ADDRESS)
    assert response.status_code == 200
    body = response.json()
    assert body["new_eta"] == "2026-11-26"
    assert body["order"]["eta"] == "2026-11-26"
    assert body["order"]["shipping_address"] == ADDRESS
    stored = (await client.get("/v1/orders/EF-100002")).json()
    assert stored["shipping_address"]["street"] == "Torstraße 5"


async def test_change_address_refusals(client: httpx.AsyncClient) -> None:
    packed = await client.post("/v1/orders/EF-100008/address", json=ADDRESS)
    assert packed.status_code == 409 and packed.json()["code"] == "already_packed"
    shipped = await client.post("/v1/orders/EF-100001/address", json=ADDRESS)
    assert shipped.status_code == 409 and shipped.json()["code"] == "already_packed"
    cancelled = await client.post("/v1/orders/EF-100006/address", json=ADDRESS)
    assert cancelled.status_code == 409 and cancelled.json()["code"] == "order_cancelled"


async def test_invalid_address(client: httpx.AsyncClient) -> None:
    for change in ({"postcode": "1"}, {"country": "US"}, {"street": "  "}, {"city": ""}):
        response = await client.post("/v1/orders/EF-100002/address", json={**ADDRESS, **change})
        assert response.status_code == 422, change
        assert response.json()["code"] == "invalid_address"
    assert (await client.get("/v1/orders/EF-100002")).json()["shipping_address"]["street"] == (
        "Invalidenstraße 1"
    )


async def test_create_return(client: httpx.AsyncClient) -> None:
    body = {"items": [{"sku": "SKU-MUG", "quantity": 1}], "reason": "broken"}
    response = await client.post("/v1/orders/EF-100003/returns", json=body)
    assert response.status_code == 201
    created = response.json()
    assert created["return_id"].startswith("RET-") and created["label_reference"]
    assert created["label_url"].startswith("https://")
    assert created["drop_off"]
    assert created["refund_amount"] == "12.90"
    assert created["refund_expected_in_days"] == 14
    order = (await client.get("/v1/orders/EF-100003")).json()
    assert order["status"] == "return_requested" and order["refund_status"] == "pending"
    again = await client.post("/v1/orders/EF-100003/returns", json=body)
    assert again.status_code == 409 and again.json()["code"] == "return_exists"


async def test_return_refusals(client: httpx.AsyncClient) -> None:
    def body(sku: str = "SKU-SCARF", quantity: int = 1) -> dict[str, Any]:
        return {"items": [{"sku": sku, "quantity": quantity}], "reason": "no"}

    expired = await client.post("/v1/orders/EF-100005/returns", json=body())
    assert expired.status_code == 409 and expired.json()["code"] == "return_window_expired"
    transit = await client.post("/v1/orders/EF-100001/returns", json=body("SKU-TSHIRT-M"))
    assert transit.status_code == 409 and transit.json()["code"] == "not_delivered"
    exists = await client.post("/v1/orders/EF-100011/returns", json=body())
    assert exists.status_code == 409 and exists.json()["code"] == "return_exists"
    foreign = await client.post("/v1/orders/EF-100012/returns", json=body("SKU-NOPE"))
    assert foreign.status_code == 422 and foreign.json()["code"] == "invalid_items"
    too_many = await client.post("/v1/orders/EF-100012/returns", json=body("SKU-CAP", 3))
    assert too_many.status_code == 422 and too_many.json()["code"] == "invalid_items"
    ok = await client.post("/v1/orders/EF-100012/returns", json=body("SKU-CAP", 2))
    assert ok.status_code == 201 and ok.json()["refund_amount"] == "35.80"


async def test_return_window_follows_the_clock(client: httpx.AsyncClient, clock: Any) -> None:
    # EF-100012 was delivered 10 days ago: 20 more days are fine, 21 are not.
    clock.advance(days=21)
    response = await client.post(
        "/v1/orders/EF-100012/returns",
        json={"items": [{"sku": "SKU-BAG", "quantity": 1}], "reason": "late"},
    )
    assert response.status_code == 409
    assert response.json()["code"] == "return_window_expired"


async def test_idempotent_replay_returns_identical_response(client: httpx.AsyncClient) -> None:
    headers = {"Idempotency-Key": "cancel-EF-100002-1"}
    first = await client.post("/v1/orders/EF-100002/cancel", json={"reason": "x"}, headers=headers)
    second = await client.post("/v1/orders/EF-100002/cancel", json={"reason": "x"}, headers=headers)
    assert first.status_code == second.status_code == 200
    assert first.json() == second.json()
    assert second.headers.get("Idempotent-Replayed") == "true"
    # Without the key the second cancel is refused: the replay did not run the write again.
    plain = await client.post("/v1/orders/EF-100002/cancel", json={"reason": "x"})
    assert plain.json()["code"] == "already_cancelled"


async def test_idempotency_key_reuse_with_other_body(client: httpx.AsyncClient) -> None:
    headers = {"Idempotency-Key": "k-42"}
    first = await client.post("/v1/orders/EF-100002/cancel", json={"reason": "a"}, headers=headers)
    assert first.status_code == 200
    reused = await client.post("/v1/orders/EF-100002/cancel", json={"reason": "b"}, headers=headers)
    assert reused.status_code == 422
    assert reused.json()["code"] == "idempotency_key_reused"
    other_route = await client.post(
        "/v1/orders/EF-100008/cancel", json={"reason": "a"}, headers=headers
    )
    assert other_route.status_code == 422
    assert (await client.get("/v1/orders/EF-100008")).json()["status"] == "packed"


async def _post_twice(
    client: httpx.AsyncClient, path: str, body: dict[str, Any], key: str
) -> tuple[httpx.Response, httpx.Response]:
    """The same write sent twice with one Idempotency-Key."""
    headers = {"Idempotency-Key": key}
    first = await client.post(path, json=body, headers=headers)
    return first, await client.post(path, json=body, headers=headers)


async def test_idempotent_refusal_is_replayed_too(client: httpx.AsyncClient) -> None:
    body = {"items": [{"sku": "SKU-SCARF", "quantity": 1}], "reason": "x"}
    first, second = await _post_twice(client, "/v1/orders/EF-100005/returns", body, "ret-1")
    assert first.status_code == second.status_code == 409
    assert first.json() == second.json()


async def test_idempotent_return_and_address(client: httpx.AsyncClient) -> None:
    body = {"items": [{"sku": "SKU-CAP", "quantity": 1}], "reason": "x"}
    first, second = await _post_twice(client, "/v1/orders/EF-100012/returns", body, "ret-2")
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    a1, a2 = await _post_twice(client, "/v1/orders/EF-100002/address", ADDRESS, "addr-1")
    assert a1.status_code == a2.status_code == 200 and a1.json() == a2.json()


async def test_idempotency_key_survives_restart(
    settings: Any, clock: Any, client: httpx.AsyncClient
) -> None:
    headers = {"Idempotency-Key": "restart-1"}
    first = await client.post("/v1/orders/EF-100009/cancel", json={}, headers=headers)
    async with running_server(settings, clock) as other:
        async with httpx.AsyncClient(base_url=other.url, headers=client.headers) as http:
            again = await http.post("/v1/orders/EF-100009/cancel", json={}, headers=headers)
    assert again.status_code == 200 and again.json() == first.json()
