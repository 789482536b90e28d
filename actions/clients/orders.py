"""Async client for the order API (docs/contracts.md section 1).

The only HTTP client of the action server. Every call has an explicit timeout and an overall
deadline; only safe GETs are retried. Results are typed dataclasses and failures are raised as
`OrderApiError` subclasses, never returned as error dicts. The dataclasses live in
`actions.clients.models`, the errors in `actions.clients.errors`; both are re-exported here.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from dataclasses import asdict, dataclass
from typing import Any

import httpx

from actions.clients.errors import (
    Locked,
    NotFound,
    OrderApiError,
    Refused,
    Unavailable,
    VerificationFailed,
)
from actions.clients.models import (
    Address,
    AddressChange,
    Cancellation,
    Customer,
    Invoice,
    Order,
    OrderItem,
    Policies,
    Refund,
    ReturnLabel,
    Tracking,
    TrackingEvent,
    Verification,
)
from actions.settings import (
    DEFAULT_DEADLINE,
    DEFAULT_KEY,
    DEFAULT_TIMEOUT,
    DEFAULT_URL,
    ActionSettings,
)

logger = logging.getLogger(__name__)

POLICIES_TTL = 300.0  # seconds the policies are cached (GET /v1/policies)

__all__ = [
    "Address",
    "AddressChange",
    "Cancellation",
    "Customer",
    "Invoice",
    "Locked",
    "NotFound",
    "Order",
    "OrderApiError",
    "OrderApiSettings",
    "OrderClient",
    "OrderItem",
    "Policies",
    "Refund",
    "Refused",
    "ReturnLabel",
    "Tracking",
    "TrackingEvent",
    "Unavailable",
    "Verification",
    "VerificationFailed",
    "get_client",
    "set_client",
]


@dataclass(frozen=True)
class OrderApiSettings:
    base_url: str = DEFAULT_URL
    api_key: str = DEFAULT_KEY
    timeout: float = DEFAULT_TIMEOUT
    deadline: float = DEFAULT_DEADLINE
    get_retries: int = 1

    @classmethod
    def from_env(cls) -> OrderApiSettings:
        """From the action server's settings (actions.settings); SettingsError if invalid."""
        env = ActionSettings.from_env()
        return cls(
            base_url=env.order_api_url,
            api_key=env.order_api_key,
            timeout=env.order_api_timeout,
            deadline=max(env.order_api_timeout, env.order_api_deadline),
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
        return Tracking.from_json(body, order_number)

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
        return Refund.from_json(body, order_number)

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
