"""What the order API returns, as typed frozen dataclasses (docs/contracts.md section 1)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from actions.clients.errors import Unavailable


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

    @classmethod
    def from_json(cls, data: dict[str, Any], order_number: str) -> Tracking:
        return cls(
            order_number=data.get("order_number", order_number),
            status=data.get("status", ""),
            carrier=data.get("carrier"),
            tracking_number=data.get("tracking_number"),
            eta=data.get("eta"),
            delayed=bool(data.get("delayed")),
            delay_reason=data.get("delay_reason"),
            events=[
                TrackingEvent(e.get("at", ""), e.get("location"), e.get("description", ""))
                for e in data.get("events") or []
            ],
        )


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

    @classmethod
    def from_json(cls, data: dict[str, Any], order_number: str) -> Refund:
        known = ("amount", "expected_date", "paid_at", "method")
        return cls(
            order_number=data.get("order_number", order_number),
            status=data.get("status", "none"),
            currency=data.get("currency", "EUR"),
            **{name: data.get(name) for name in known},
        )


@dataclass(frozen=True)
class Invoice:
    invoice_number: str
    url: str
