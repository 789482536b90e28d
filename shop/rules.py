"""Pure business rules of the demo shop: no I/O, no clock reads (callers pass `today`)."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

STATUSES = (
    "pending",
    "paid",
    "packed",
    "shipped",
    "in_transit",
    "delayed",
    "delivered",
    "cancelled",
    "return_requested",
    "return_received",
)
REFUND_STATUSES = ("none", "pending", "paid")

CANCELLABLE = frozenset({"pending", "paid", "packed"})
ADDRESS_CHANGEABLE = frozenset({"pending", "paid"})
SHIPPED = frozenset({"shipped", "in_transit", "delayed"})
DELIVERED_OR_LATER = frozenset({"delivered", "return_requested", "return_received"})

PACKED_CANCELLATION_FEE_CENTS = 495
RETURN_WINDOW_DAYS = 30
RETURN_REFUND_DAYS = 14
LOCKOUT_MAX_FAILURES = 5
LOCKOUT_MINUTES = 15
SUPPORTED_COUNTRIES = frozenset({"DE", "AT", "NL", "BE", "FR", "KR"})
# Business days from dispatch to delivery, by destination country.
DELIVERY_DAYS = {"DE": 2, "AT": 3, "NL": 3, "BE": 3, "FR": 4, "KR": 6}
# Business days until a refund reaches the customer, by payment method.
REFUND_DAYS = {"card": 5, "paypal": 2, "invoice": 7}
# The shop's published policies (GET /v1/policies): the one source of every figure the
# assistant states.
RETURN_DROP_OFF_DAYS = 14  # the label is valid this long
STANDARD_DELIVERY_DAYS = (2, 4)  # business days
STANDARD_DELIVERY_CENTS = 490
FREE_DELIVERY_FROM_CENTS = 5000
EXPRESS_DELIVERY_CENTS = 990
EXPRESS_CUTOFF = "14:00"
DEFAULT_CARRIER = "DHL"
PAYMENT_METHODS = ("Visa", "Mastercard", "PayPal", "Klarna", "Apple Pay", "Google Pay")
PAYMENT_RETRY_DAYS = 7
RESERVATION_RELEASE_DAYS = (3, 5)  # business days
BANK_REFUND_DAYS = (1, 3)  # business days after the refund is paid out
ACCOUNT_DELETION_DAYS = 30
_POSTCODE = {"DE": r"\d{5}", "AT": r"\d{4}", "NL": r"\d{4} ?[A-Z]{2}", "BE": r"\d{4}"}
_POSTCODE.update({"FR": r"\d{5}", "KR": r"\d{5}"})


def add_business_days(start: date, days: int) -> date:
    current = start
    added = 0
    while added < days:
        current += timedelta(days=1)
        if current.weekday() < 5:
            added += 1
    return current


def cancel_refusal(status: str) -> str | None:
    """The refusal code for cancelling an order in `status`, or None if it may be cancelled."""
    if status in CANCELLABLE:
        return None
    if status == "cancelled":
        return "already_cancelled"
    if status in SHIPPED:
        return "already_shipped"
    return "already_delivered"


def can_cancel(status: str) -> bool:
    return cancel_refusal(status) is None


def cancellation_fee_cents(status: str) -> int:
    """No fee before packing; a handling fee once the parcel is packed."""
    return PACKED_CANCELLATION_FEE_CENTS if status == "packed" else 0


def refund_expected_date(today: date, method: str) -> date:
    return add_business_days(today, REFUND_DAYS.get(method, 5))


def address_refusal(status: str) -> str | None:
    """The refusal code for changing the address of an order in `status`, or None if it may."""
    if status in ADDRESS_CHANGEABLE:
        return None
    if status == "cancelled":
        return "order_cancelled"
    return "already_packed"


def can_change_address(status: str) -> bool:
    return address_refusal(status) is None


def normalize_postcode(value: str) -> str:
    return re.sub(r"\s+", "", value).upper()


def normalize_email(value: str) -> str:
    return value.strip().casefold()


def address_problem(street: str, city: str, postcode: str, country: str) -> str | None:
    """A human sentence describing what is wrong with the address, or None if it is fine."""
    if not street.strip():
        return "street must not be empty"
    if not city.strip():
        return "city must not be empty"
    if country not in SUPPORTED_COUNTRIES:
        return f"we do not ship to country {country!r}; supported: {sorted(SUPPORTED_COUNTRIES)}"
    pattern = _POSTCODE.get(country)
    if pattern and not re.fullmatch(pattern, postcode.strip().upper()):
        return f"postcode is not valid for {country}"
    return None


def new_eta(today: date, country: str) -> date:
    """Delivery date after an address change: one handling day plus the transit time."""
    return add_business_days(today, 1 + DELIVERY_DAYS.get(country, 5))


def return_window_ends(delivered_at: datetime | None) -> date | None:
    if delivered_at is None:
        return None
    return delivered_at.date() + timedelta(days=RETURN_WINDOW_DAYS)


def return_refusal(status: str, delivered_at: datetime | None, today: date) -> str | None:
    if status in ("return_requested", "return_received"):
        return "return_exists"
    if status != "delivered":
        return "not_delivered"
    ends = return_window_ends(delivered_at)
    if ends is None or today > ends:
        return "return_window_expired"
    return None


def can_return(status: str, delivered_at: datetime | None, today: date) -> bool:
    return return_refusal(status, delivered_at, today) is None


def is_invoiced(status: str, paid_at: datetime | None) -> bool:
    return paid_at is not None and status != "pending"


def has_shipped(shipped_at: datetime | None) -> bool:
    return shipped_at is not None


def lockout_remaining_seconds(locked_until: datetime | None, now: datetime) -> int:
    if locked_until is None or locked_until <= now:
        return 0
    delta = locked_until - now
    return max(1, int(delta.total_seconds() + 0.999))


def lock_expiry(now: datetime) -> datetime:
    return now + timedelta(minutes=LOCKOUT_MINUTES)


def format_cents(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    cents = abs(cents)
    return f"{sign}{cents // 100}.{cents % 100:02d}"
