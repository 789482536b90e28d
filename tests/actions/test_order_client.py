"""The order client against the real demo order API (and a transport mock for retry rules)."""

from __future__ import annotations

import time

import httpx
import pytest

from actions.clients.orders import (
    Address,
    Locked,
    NotFound,
    OrderApiSettings,
    OrderClient,
    Refused,
    Unavailable,
    VerificationFailed,
)
from launcher import free_port


async def test_get_order_is_typed(client: OrderClient) -> None:
    order = await client.get_order("EF-100001")
    assert order.order_number == "EF-100001"
    assert order.customer_id == "C0001"
    assert order.status == "in_transit"
    assert order.items and order.items[0].quantity >= 1
    assert order.to_json()["order_number"] == "EF-100001"


async def test_unknown_order_raises_not_found(client: OrderClient) -> None:
    with pytest.raises(NotFound):
        await client.get_order("EF-999999")


async def test_verify_by_email_and_postcode(client: OrderClient) -> None:
    by_email = await client.verify("EF-100001", email="alice@example.com")
    by_postcode = await client.verify("EF-100001", postcode="10115")
    assert by_email.verified and by_email.customer_id == "C0001"
    assert by_postcode.customer_id == "C0001"


async def test_wrong_email_then_lockout(client: OrderClient) -> None:
    with pytest.raises(VerificationFailed) as failed:
        await client.verify("EF-100010", email="nobody@example.com")
    assert failed.value.attempts_left is not None
    for _ in range(5):
        with pytest.raises((VerificationFailed, Locked)):
            await client.verify("EF-100010", email="nobody@example.com")
    with pytest.raises(Locked) as locked:
        await client.verify("EF-100010", email="minji@example.com")
    assert locked.value.retry_after_seconds


async def test_customer_and_recent_orders(client: OrderClient) -> None:
    customer = await client.get_customer("C0002")
    assert customer.language == "ko"
    orders = await client.recent_orders("C0001", limit=5)
    assert 1 <= len(orders) <= 5
    assert all(o.customer_id == "C0001" for o in orders)


async def test_tracking_and_refusal_codes(client: OrderClient) -> None:
    tracking = await client.tracking("EF-100004")
    assert tracking.delayed and tracking.delay_reason and tracking.events
    with pytest.raises(Refused) as refused:
        await client.tracking("EF-100002")
    assert refused.value.code == "not_shipped"
    with pytest.raises(Refused) as no_invoice:
        await client.invoice("EF-100009")
    assert no_invoice.value.code == "not_invoiced"
    invoice = await client.invoice("EF-100005")
    assert invoice.url


async def test_refund_states(client: OrderClient) -> None:
    assert (await client.refund("EF-100006")).status == "pending"
    assert (await client.refund("EF-100007")).status == "paid"
    assert (await client.refund("EF-100001")).status == "none"


async def test_invalid_address_is_refused(client: OrderClient) -> None:
    with pytest.raises(Refused) as refused:
        await client.change_address("EF-100009", Address(street="", city="", postcode="x"))
    assert refused.value.code in {"invalid_address", "validation_error", "invalid_request"}


async def test_slow_api_gives_up_within_three_seconds(client: OrderClient, faults) -> None:
    faults(latency_ms=5000)
    started = time.monotonic()
    with pytest.raises(Unavailable):
        await client.get_order("EF-100001")
    assert time.monotonic() - started < 3.0


async def test_injected_errors_are_unavailable(client: OrderClient, faults) -> None:
    faults(error_rate=1.0)
    with pytest.raises(Unavailable):
        await client.get_order("EF-100001")
    with pytest.raises(Unavailable):
        await client.cancel("EF-100002")


async def test_api_down_is_unavailable_fast() -> None:
    settings = OrderApiSettings(base_url=f"http://127.0.0.1:{free_port()}", timeout=1.0)
    async with OrderClient(settings) as client:
        started = time.monotonic()
        with pytest.raises(Unavailable):
            await client.get_order("EF-100001")
        assert time.monotonic() - started < 3.0


async def test_wrong_api_key_is_unavailable(shop_url: str) -> None:
    async with OrderClient(OrderApiSettings(base_url=shop_url, api_key="wrong")) as client:
        with pytest.raises(Unavailable) as err:
            await client.get_order("EF-100001")
    assert err.value.status == 401


def _mock(responses: list[httpx.Response], calls: list[httpx.Request]) -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return responses[min(len(calls) - 1, len(responses) - 1)]

    return httpx.MockTransport(handler)


ORDER = {
    "order_number": "EF-100001",
    "customer_id": "C0001",
    "status": "paid",
    "currency": "EUR",
    "total": "10.00",
    "items": [],
}


async def test_safe_get_is_retried_once_after_503() -> None:
    calls: list[httpx.Request] = []
    transport = _mock(
        [httpx.Response(503, json={"code": "x"}), httpx.Response(200, json=ORDER)], calls
    )
    async with OrderClient(OrderApiSettings(base_url="http://shop"), transport=transport) as client:
        order = await client.get_order("EF-100001")
    assert order.status == "paid"
    assert len(calls) == 2


async def test_writes_are_never_retried_and_carry_an_idempotency_key() -> None:
    calls: list[httpx.Request] = []
    transport = _mock([httpx.Response(503, json={"code": "fault_injected"})], calls)
    async with OrderClient(OrderApiSettings(base_url="http://shop"), transport=transport) as client:
        with pytest.raises(Unavailable):
            await client.cancel("EF-100001")
    assert len(calls) == 1
    assert calls[0].headers["Idempotency-Key"]
    assert calls[0].headers["X-API-Key"] == "demo-order-key"


async def test_error_bodies_become_exceptions_not_dicts() -> None:
    calls: list[httpx.Request] = []
    body = {"code": "already_shipped", "message": "Order already shipped"}
    transport = _mock([httpx.Response(409, json=body)], calls)
    async with OrderClient(OrderApiSettings(base_url="http://shop"), transport=transport) as client:
        with pytest.raises(Refused) as refused:
            await client.cancel("EF-100001")
    assert refused.value.code == "already_shipped"
    assert "shipped" in refused.value.message


def test_settings_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ORDER_API_URL", "http://orders:9000/")
    monkeypatch.setenv("ORDER_API_KEY", "k")
    monkeypatch.setenv("ORDER_API_TIMEOUT", "0.5")
    settings = OrderApiSettings.from_env()
    assert (settings.base_url, settings.api_key, settings.timeout) == (
        "http://orders:9000",
        "k",
        0.5,
    )
    monkeypatch.delenv("ORDER_API_TIMEOUT")
    assert OrderApiSettings.from_env().timeout <= 2.0
    monkeypatch.setenv("ORDER_API_TIMEOUT", "0")
    with pytest.raises(ValueError):
        OrderApiSettings.from_env()
