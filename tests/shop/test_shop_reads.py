"""Read endpoints against a real server on the seeded database."""

from __future__ import annotations

import httpx

ORDER_KEYS = {
    "order_number", "customer_id", "status", "placed_at", "currency", "total", "items",
    "shipping_address", "carrier", "tracking_number", "eta", "delivered_at",
    "return_window_ends", "refund_status", "can_cancel", "can_change_address", "can_return",
}  # fmt: skip


async def test_health_needs_no_key(anon: httpx.AsyncClient) -> None:
    response = await anon.get("/v1/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_order_shape(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/orders/EF-100001")
    assert response.status_code == 200
    order = response.json()
    assert set(order) == ORDER_KEYS
    assert order["status"] == "in_transit"
    assert order["total"] == "84.80" and order["currency"] == "EUR"
    assert order["items"][0] == {
        "sku": "SKU-TSHIRT-M",
        "name": "Organic T-shirt (M)",
        "quantity": 2,
        "unit_price": "19.90",
    }
    assert order["eta"] == "2026-11-25"
    assert order["placed_at"].endswith("Z")
    assert order["shipping_address"]["postcode"] == "10115"


async def test_unknown_order(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/orders/EF-999999")
    assert response.status_code == 404
    assert response.json()["code"] == "order_not_found"
    assert response.json()["message"]


async def test_customer(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/customers/C0002")
    assert response.status_code == 200
    assert response.json() == {
        "customer_id": "C0002",
        "name": "김민지 (Minji Kim)",
        "email": "minji@example.com",
        "language": "ko",
    }
    missing = await client.get("/v1/customers/C9999")
    assert missing.status_code == 404 and missing.json()["code"] == "customer_not_found"


async def test_customer_orders_newest_first_with_limit(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/customers/C0001/orders")
    assert response.status_code == 200
    orders = response.json()["orders"]
    assert len(orders) == 5  # default limit
    placed = [o["placed_at"] for o in orders]
    assert placed == sorted(placed, reverse=True)
    assert orders[0]["order_number"] == "EF-100002"
    everything = (await client.get("/v1/customers/C0001/orders?limit=50")).json()["orders"]
    assert {o["order_number"] for o in everything} == {f"EF-10000{i}" for i in range(1, 7)}
    two = (await client.get("/v1/customers/C0001/orders", params={"limit": 2})).json()
    assert len(two["orders"]) == 2
    assert (await client.get("/v1/customers/C9999/orders")).status_code == 404


async def test_customer_orders_bad_limit(client: httpx.AsyncClient) -> None:
    for limit in ("abc", "0", "-1", "1000"):
        response = await client.get("/v1/customers/C0001/orders", params={"limit": limit})
        assert response.status_code == 400, limit
        assert response.json()["code"] == "bad_request"
        assert "limit" in response.json()["message"]


async def test_tracking(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/orders/EF-100001/tracking")
    assert response.status_code == 200
    body = response.json()
    assert body["order_number"] == "EF-100001" and body["status"] == "in_transit"
    assert body["carrier"] == "DHL" and body["tracking_number"]
    assert body["delayed"] is False and body["delay_reason"] is None
    assert len(body["events"]) >= 2
    assert set(body["events"][0]) == {"at", "location", "description"}
    times = [e["at"] for e in body["events"]]
    assert times == sorted(times, reverse=True)


async def test_tracking_of_delayed_order(client: httpx.AsyncClient) -> None:
    body = (await client.get("/v1/orders/EF-100004/tracking")).json()
    assert body["delayed"] is True
    assert "delay" in body["delay_reason"].lower()
    assert body["eta"] == "2026-11-27"


async def test_tracking_not_shipped(client: httpx.AsyncClient) -> None:
    for number in ("EF-100002", "EF-100008", "EF-100009"):
        response = await client.get(f"/v1/orders/{number}/tracking")
        assert response.status_code == 409, number
        assert response.json()["code"] == "not_shipped"


async def test_refund_states(client: httpx.AsyncClient) -> None:
    none = (await client.get("/v1/orders/EF-100001/refund")).json()
    assert none == {
        "order_number": "EF-100001",
        "status": "none",
        "amount": "0.00",
        "currency": "EUR",
        "expected_date": None,
        "paid_at": None,
        "method": None,
    }
    pending = (await client.get("/v1/orders/EF-100006/refund")).json()
    assert pending["status"] == "pending" and pending["amount"] == "27.80"
    assert pending["expected_date"] == "2026-11-30" and pending["paid_at"] is None
    paid = (await client.get("/v1/orders/EF-100007/refund")).json()
    assert paid["status"] == "paid" and paid["paid_at"].endswith("Z")
    assert paid["method"] == "paypal"
    missing = await client.get("/v1/orders/EF-000000/refund")
    assert missing.status_code == 404


async def test_invoice(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/orders/EF-100005/invoice")
    assert response.status_code == 200
    body = response.json()
    assert body["invoice_number"] == "INV-100005"
    assert body["url"].startswith("https://") and body["url"].endswith(".pdf")
    pending = await client.get("/v1/orders/EF-100009/invoice")
    assert pending.status_code == 409 and pending.json()["code"] == "not_invoiced"


async def test_policies_are_the_shops_rules(
    client: httpx.AsyncClient, anon: httpx.AsyncClient
) -> None:
    response = await client.get("/v1/policies")
    assert response.status_code == 200
    body = response.json()
    assert body["cancellation"]["packed_fee"] == "4.95"
    assert body["cancellation"]["cancellable_statuses"] == ["packed", "paid", "pending"]
    assert body["returns"] == {
        "window_days": 30,
        "free": True,
        "refund_days": 14,
        "drop_off_days": 14,
    }
    assert body["payments"]["methods"][:3] == ["Visa", "Mastercard", "PayPal"]
    assert body["delivery"]["standard_business_days"] == {"min": 2, "max": 4}
    assert (await anon.get("/v1/policies")).status_code == 401


async def test_return_names_carrier_and_drop_off_days(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/v1/orders/EF-100003/returns",
        json={"items": [{"sku": "SKU-MUG", "quantity": 1}], "reason": "too big"},
        headers={"Idempotency-Key": "policies-return-1"},
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["carrier"], body["drop_off_days"]) == ("DHL", 14)
    assert body["drop_off"] == "any DHL parcel shop within 14 days"
