"""Async client for the order API (docs/contracts.md section 1).

The only HTTP client of the action server. Every call has an explicit timeout and an overall
deadline; only safe GETs are retried. Results are typed dataclasses and failures are raised as
`OrderApiError` subclasses, never returned as error dicts.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
import uuid
from dataclasses import asdict, dataclass, field
from typing import Any

import httpx

logger = logging.getLogger(__name__)

DEFAULT_URL = "http://127.0.0.1:8081"
DEFAULT_KEY = "demo-order-key"
DEFAULT_TIMEOUT = 1.0  # seconds per attempt
DEFAULT_DEADLINE = 2.0  # seconds for one call including retries (customer hears back < 3 s)
POLICIES_TTL = 300.0  # seconds the policies are cached (GET /v1/policies)


class OrderApiError(Exception):
    """Base class of every order-API failure."""

    code = "order_api_error"

    def __init__(self, message: str = "", *, status: int | None = None) -> None:
        super().__init__(message or self.code)
        self.message = message or self.code
        self.status = status


class NotFound(OrderApiError):
    """The order or customer does not exist."""

    code = "not_found"


class Refused(OrderApiError):
    """A business rule refused the request (409/422 with a machine code)."""

    def __init__(self, code: str, message: str, *, status: int | None = None) -> None:
        super().__init__(message, status=status)
        self.code = code


class VerificationFailed(OrderApiError):
    """E-mail or postcode did not match the order."""

    code = "verification_failed"

    def __init__(self, message: str = "", *, attempts_left: int | None = None) -> None:
        super().__init__(message, status=422)
        self.attempts_left = attempts_left


class Locked(OrderApiError):
    """Too many failed verification attempts; the order is locked for a while."""

    code = "verification_locked"

    def __init__(self, message: str = "", *, retry_after_seconds: int | None = None) -> None:
        super().__init__(message, status=429)
        self.retry_after_seconds = retry_after_seconds


class Unavailable(OrderApiError):
    """The order API is down, slow, misconfigured or answered with a server error."""

    code = "unavailable"


@dataclass(frozen=True)
class OrderItem:
    sku: str
    name: str
    quantity: int
    unit_price: str


@dataclass(frozen=True)
class Address:
    street: str
    city: str
    postcode: str
    country: str = "DE"
    name: str | None = None


@dataclass(frozen=True)
class Order:
    order_number: str
    customer_id: str
    status: str
    currency: str
    total: str
    items: list[OrderItem]
    shipping_address: dict[str, Any]
    carrier: str | None
    tracking_number: str | None
    eta: str | None
    delivered_at: str | None
    return_window_ends: str | None
    refund_status: str
    can_cancel: bool
    can_change_address: bool
    can_return: bool
    placed_at: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Order:
        return cls(
            order_number=data["order_number"],
            customer_id=data.get("customer_id", ""),
            status=data.get("status", ""),
            currency=data.get("currency", "EUR"),
            total=str(data.get("total", "")),
            items=[
                OrderItem(
                    sku=i.get("sku", ""),
                    name=i.get("name", ""),
                    quantity=int(i.get("quantity", 1)),
                    unit_price=str(i.get("unit_price", "")),
                )
                for i in data.get("items") or []
            ],
            shipping_address=dict(data.get("shipping_address") or {}),
            carrier=data.get("carrier"),
            tracking_number=data.get("tracking_number"),
            eta=data.get("eta"),
            delivered_at=data.get("delivered_at"),
            return_window_ends=data.get("return_window_ends"),
            refund_status=data.get("refund_status", "none"),
            can_cancel=bool(data.get("can_cancel")),
            can_change_address=bool(data.get("can_change_address")),
            can_return=bool(data.get("can_return")),
            placed_at=data.get("placed_at"),
            raw=dict(data),
        )

    def to_json(self) -> dict[str, Any]:
        """The order as the API sent it (stored in the `order_snapshot` slot)."""
        if self.raw:
            return dict(self.raw)
        data = asdict(self)
        data.pop("raw", None)
        return data


@dataclass(frozen=True)
class Verification:
    verified: bool
    customer_id: str


@dataclass(frozen=True)
class Customer:
    customer_id: str
    name: str
    email: str
    language: str


@dataclass(frozen=True)
class TrackingEvent:
    at: str
    location: str | None
    description: str


@dataclass(frozen=True)
class Tracking:
    order_number: str
    status: str
    carrier: str | None
    tracking_number: str | None
    eta: str | None
    delayed: bool
    delay_reason: str | None
    events: list[TrackingEvent]


@dataclass(frozen=True)
class Cancellation:
    order: Order
    fee: str
    refund_amount: str
    refund_date: str | None
    refund_method: str | None


@dataclass(frozen=True)
class AddressChange:
    order: Order
    new_eta: str | None


@dataclass(frozen=True)
class ReturnLabel:
    return_id: str
    label_reference: str
    label_url: str | None
    drop_off: str | None
    refund_amount: str | None
    refund_expected_in_days: int | None
    carrier: str | None = None
    drop_off_days: int | None = None


@dataclass(frozen=True)
class Policies:
    """The shop's published policies (``GET /v1/policies``): every figure the bot states."""

    currency: str
    cancellation_fee: str  # once the order is packed, decimal string
    return_window_days: int
    return_refund_days: int
    drop_off_days: int
    refund_days_by_method: dict[str, int]
    bank_days: tuple[int, int]
    carrier: str
    standard_days: tuple[int, int]
    standard_price: str
    free_from: str
    express_price: str
    express_order_by: str
    payment_methods: tuple[str, ...]
    payment_retry_days: int
    reservation_release_days: tuple[int, int]
    account_deletion_days: int

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Policies:
        def span(value: dict[str, Any]) -> tuple[int, int]:
            return int(value["min"]), int(value["max"])

        try:
            returns, delivery, payments = data["returns"], data["delivery"], data["payments"]
            return cls(
                currency=str(data.get("currency", "EUR")),
                cancellation_fee=str(data["cancellation"]["packed_fee"]),
                return_window_days=int(returns["window_days"]),
                return_refund_days=int(returns["refund_days"]),
                drop_off_days=int(returns["drop_off_days"]),
                refund_days_by_method={
                    str(k): int(v) for k, v in data["refunds"]["days_by_method"].items()
                },
                bank_days=span(data["refunds"]["bank_business_days"]),
                carrier=str(delivery["carrier"]),
                standard_days=span(delivery["standard_business_days"]),
                standard_price=str(delivery["standard_price"]),
                free_from=str(delivery["free_from"]),
                express_price=str(delivery["express_price"]),
                express_order_by=str(delivery["express_order_by"]),
                payment_methods=tuple(str(m) for m in payments["methods"]),
                payment_retry_days=int(payments["retry_days"]),
                reservation_release_days=span(payments["reservation_release_business_days"]),
                account_deletion_days=int(data["account"]["deletion_days"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise Unavailable(f"unexpected policies document: {exc!r}") from exc


@dataclass(frozen=True)
class Refund:
    order_number: str
    status: str
    amount: str | None
    currency: str
    expected_date: str | None
    paid_at: str | None
    method: str | None


@dataclass(frozen=True)
class Invoice:
    invoice_number: str
    url: str


@dataclass(frozen=True)
class OrderApiSettings:
    base_url: str = DEFAULT_URL
    api_key: str = DEFAULT_KEY
    timeout: float = DEFAULT_TIMEOUT
    deadline: float = DEFAULT_DEADLINE
    get_retries: int = 1

    @classmethod
    def from_env(cls) -> OrderApiSettings:
        timeout = float(os.environ.get("ORDER_API_TIMEOUT", DEFAULT_TIMEOUT))
        if timeout <= 0:
            raise ValueError("ORDER_API_TIMEOUT must be positive")
        return cls(
            base_url=os.environ.get("ORDER_API_URL", DEFAULT_URL).rstrip("/"),
            api_key=os.environ.get("ORDER_API_KEY", DEFAULT_KEY),
            timeout=timeout,
            deadline=max(timeout, float(os.environ.get("ORDER_API_DEADLINE", DEFAULT_DEADLINE))),
        )


class OrderClient:
    """Typed async client; create one per process (or per test) and `aclose()` it."""

    def __init__(
        self,
        settings: OrderApiSettings | None = None,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.settings = settings or OrderApiSettings.from_env()
        self._policies: tuple[float, Policies] | None = None
        self._http = httpx.AsyncClient(
            base_url=self.settings.base_url,
            headers={"X-API-Key": self.settings.api_key, "Accept": "application/json"},
            timeout=httpx.Timeout(self.settings.timeout),
            transport=transport,
        )

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> OrderClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    # ---- transport -------------------------------------------------------------------------

    async def _request(
        self, method: str, path: str, *, json: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        safe = method == "GET"
        attempts = 1 + (self.settings.get_retries if safe else 0)
        headers = {} if safe else {"Idempotency-Key": str(uuid.uuid4())}
        started = time.monotonic()
        last: Exception | None = None
        for attempt in range(attempts):
            remaining = self.settings.deadline - (time.monotonic() - started)
            if remaining < 0.05:
                break
            timeout = min(self.settings.timeout, remaining)
            try:
                response = await self._http.request(
                    method, path, json=json, headers=headers, timeout=timeout
                )
            except httpx.HTTPError as exc:
                last = exc
                logger.warning(
                    "order api %s %s failed (%s), attempt %d", method, path, exc, attempt
                )
                if safe and attempt + 1 < attempts:
                    await asyncio.sleep(0.05)
                continue
            if response.status_code >= 500 and safe and attempt + 1 < attempts:
                last = Unavailable(f"order API answered {response.status_code}")
                logger.warning(
                    "order api %s %s -> %s, retrying", method, path, response.status_code
                )
                await asyncio.sleep(0.05)
                continue
            return self._parse(response)
        raise Unavailable(f"order API unreachable: {last}") from last

    @staticmethod
    def _parse(response: httpx.Response) -> dict[str, Any]:
        try:
            body = response.json()
        except ValueError:
            body = {}
        if not isinstance(body, dict):
            body = {"data": body}
        status = response.status_code
        if status < 400:
            return body
        code = str(body.get("code") or "error")
        message = str(body.get("message") or f"HTTP {status}")
        if status >= 500 or status in (401, 403):
            raise Unavailable(f"{code}: {message}", status=status)
        if status == 404:
            raise NotFound(message, status=status)
        if status == 429 or code == "verification_locked":
            raise Locked(message, retry_after_seconds=body.get("retry_after_seconds"))
        if code == "verification_failed":
            raise VerificationFailed(message, attempts_left=body.get("attempts_left"))
        raise Refused(code, message, status=status)

    # ---- API ------------------------------------------------------------------------------

    async def health(self) -> bool:
        body = await self._request("GET", "/v1/health")
        return body.get("status") == "ok"

    async def policies(self) -> Policies:
        """The shop's policies, cached for POLICIES_TTL seconds (they change rarely)."""
        now = time.monotonic()
        if self._policies is not None and now - self._policies[0] < POLICIES_TTL:
            return self._policies[1]
        policies = Policies.from_json(await self._request("GET", "/v1/policies"))
        self._policies = (now, policies)
        return policies

    async def get_order(self, order_number: str) -> Order:
        return Order.from_json(await self._request("GET", f"/v1/orders/{order_number}"))

    async def verify(
        self, order_number: str, *, email: str | None = None, postcode: str | None = None
    ) -> Verification:
        if not email and not postcode:
            raise ValueError("email or postcode is required")
        payload = {"email": email} if email else {"postcode": postcode}
        body = await self._request("POST", f"/v1/orders/{order_number}/verify", json=payload)
        return Verification(bool(body.get("verified")), str(body.get("customer_id", "")))

    async def get_customer(self, customer_id: str) -> Customer:
        body = await self._request("GET", f"/v1/customers/{customer_id}")
        return Customer(
            customer_id=body["customer_id"],
            name=body.get("name", ""),
            email=body.get("email", ""),
            language=body.get("language", "en"),
        )

    async def recent_orders(self, customer_id: str, limit: int = 5) -> list[Order]:
        body = await self._request("GET", f"/v1/customers/{customer_id}/orders?limit={limit}")
        return [Order.from_json(o) for o in body.get("orders", [])]

    async def tracking(self, order_number: str) -> Tracking:
        body = await self._request("GET", f"/v1/orders/{order_number}/tracking")
        return Tracking(
            order_number=body.get("order_number", order_number),
            status=body.get("status", ""),
            carrier=body.get("carrier"),
            tracking_number=body.get("tracking_number"),
            eta=body.get("eta"),
            delayed=bool(body.get("delayed")),
            delay_reason=body.get("delay_reason"),
            events=[
                TrackingEvent(e.get("at", ""), e.get("location"), e.get("description", ""))
                for e in body.get("events") or []
            ],
        )

    async def cancel(self, order_number: str, reason: str | None = None) -> Cancellation:
        payload = {"reason": reason} if reason else {}
        body = await self._request("POST", f"/v1/orders/{order_number}/cancel", json=payload)
        return Cancellation(
            order=Order.from_json(body["order"]),
            fee=str(body.get("fee", "0.00")),
            refund_amount=str(body.get("refund_amount", "")),
            refund_date=body.get("refund_date"),
            refund_method=body.get("refund_method"),
        )

    async def change_address(self, order_number: str, address: Address) -> AddressChange:
        payload = {k: v for k, v in asdict(address).items() if v is not None}
        body = await self._request("POST", f"/v1/orders/{order_number}/address", json=payload)
        return AddressChange(order=Order.from_json(body["order"]), new_eta=body.get("new_eta"))

    async def start_return(
        self, order_number: str, items: list[tuple[str, int]], reason: str
    ) -> ReturnLabel:
        payload = {"items": [{"sku": s, "quantity": q} for s, q in items], "reason": reason}
        body = await self._request("POST", f"/v1/orders/{order_number}/returns", json=payload)
        days = body.get("refund_expected_in_days")
        return ReturnLabel(
            return_id=str(body.get("return_id", "")),
            label_reference=str(body.get("label_reference", "")),
            label_url=body.get("label_url"),
            drop_off=body.get("drop_off"),
            refund_amount=body.get("refund_amount"),
            refund_expected_in_days=int(days) if days is not None else None,
            carrier=body.get("carrier"),
            drop_off_days=int(body["drop_off_days"]) if body.get("drop_off_days") else None,
        )

    async def refund(self, order_number: str) -> Refund:
        body = await self._request("GET", f"/v1/orders/{order_number}/refund")
        return Refund(
            order_number=body.get("order_number", order_number),
            status=body.get("status", "none"),
            amount=body.get("amount"),
            currency=body.get("currency", "EUR"),
            expected_date=body.get("expected_date"),
            paid_at=body.get("paid_at"),
            method=body.get("method"),
        )

    async def invoice(self, order_number: str) -> Invoice:
        body = await self._request("GET", f"/v1/orders/{order_number}/invoice")
        return Invoice(invoice_number=str(body.get("invoice_number", "")), url=body.get("url", ""))


_client: OrderClient | None = None


def get_client() -> OrderClient:
    """The process-wide client used by the actions (created lazily, inside the event loop)."""
    global _client
    if _client is None:
        _client = OrderClient()
    return _client


def set_client(client: OrderClient | None) -> None:
    """Replace the process-wide client (tests point it at their own order API)."""
    global _client
    _client = client
