"""JSON shapes of the order API (docs/contracts.md section 1)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from shop import rules
from shop.models import Customer, Order


def iso_ts(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.replace(microsecond=0).isoformat() + "Z"


def iso_date(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def order_json(order: Order, *, today: date) -> dict[str, Any]:
    window = rules.return_window_ends(order.delivered_at)
    return {
        "order_number": order.order_number,
        "customer_id": order.customer_id,
        "status": order.status,
        "placed_at": iso_ts(order.placed_at),
        "currency": order.currency,
        "total": rules.format_cents(order.total_cents),
        "items": [
            {
                "sku": item.sku,
                "name": item.name,
                "quantity": item.quantity,
                "unit_price": rules.format_cents(item.unit_price_cents),
            }
            for item in order.items
        ],
        "shipping_address": {
            "name": order.ship_name,
            "street": order.ship_street,
            "city": order.ship_city,
            "postcode": order.ship_postcode,
            "country": order.ship_country,
        },
        "carrier": order.carrier,
        "tracking_number": order.tracking_number,
        "eta": iso_date(order.eta),
        "delivered_at": iso_ts(order.delivered_at),
        "return_window_ends": iso_date(window),
        "refund_status": order.refund_status,
        "can_cancel": rules.can_cancel(order.status),
        "can_change_address": rules.can_change_address(order.status),
        "can_return": rules.can_return(order.status, order.delivered_at, today),
    }


def customer_json(customer: Customer) -> dict[str, Any]:
    return {
        "customer_id": customer.customer_id,
        "name": customer.name,
        "email": customer.email,
        "language": customer.language,
    }
