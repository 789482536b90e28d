"""The shop's policies as one document (``GET /v1/policies``), built from shop.rules."""

from __future__ import annotations

from typing import Any

from shop import rules


def _range(bounds: tuple[int, int]) -> dict[str, int]:
    return {"min": bounds[0], "max": bounds[1]}


def policies_document() -> dict[str, Any]:
    """Every policy figure a customer may be told. Amounts are decimal strings in ``currency``."""
    return {
        "currency": "EUR",
        "cancellation": {
            "cancellable_statuses": sorted(rules.CANCELLABLE),
            "free_before_status": "packed",
            "packed_fee": rules.format_cents(rules.PACKED_CANCELLATION_FEE_CENTS),
        },
        "returns": {
            "window_days": rules.RETURN_WINDOW_DAYS,
            "free": True,
            "refund_days": rules.RETURN_REFUND_DAYS,
            "drop_off_days": rules.RETURN_DROP_OFF_DAYS,
        },
        "refunds": {
            "days_by_method": dict(rules.REFUND_DAYS),
            "bank_business_days": _range(rules.BANK_REFUND_DAYS),
        },
        "delivery": {
            "carrier": rules.DEFAULT_CARRIER,
            "standard_business_days": _range(rules.STANDARD_DELIVERY_DAYS),
            "standard_price": rules.format_cents(rules.STANDARD_DELIVERY_CENTS),
            "free_from": rules.format_cents(rules.FREE_DELIVERY_FROM_CENTS),
            "express_price": rules.format_cents(rules.EXPRESS_DELIVERY_CENTS),
            "express_order_by": rules.EXPRESS_CUTOFF,
            "days_by_country": dict(rules.DELIVERY_DAYS),
        },
        "payments": {
            "methods": list(rules.PAYMENT_METHODS),
            "retry_days": rules.PAYMENT_RETRY_DAYS,
            "reservation_release_business_days": _range(rules.RESERVATION_RELEASE_DAYS),
        },
        "account": {"deletion_days": rules.ACCOUNT_DELETION_DAYS},
    }
