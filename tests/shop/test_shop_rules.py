"""Pure business rules."""

from datetime import date, datetime, timedelta

import pytest

from shop import rules


@pytest.mark.parametrize(
    ("status", "refusal", "fee"),
    [
        ("pending", None, 0),
        ("paid", None, 0),
        ("packed", None, 495),
        ("shipped", "already_shipped", 0),
        ("in_transit", "already_shipped", 0),
        ("delayed", "already_shipped", 0),
        ("delivered", "already_delivered", 0),
        ("return_requested", "already_delivered", 0),
        ("return_received", "already_delivered", 0),
        ("cancelled", "already_cancelled", 0),
    ],
)
def test_cancellation(status: str, refusal: str | None, fee: int) -> None:
    assert rules.cancel_refusal(status) == refusal
    assert rules.can_cancel(status) is (refusal is None)
    assert rules.cancellation_fee_cents(status) == fee


@pytest.mark.parametrize(
    ("status", "refusal"),
    [
        ("pending", None),
        ("paid", None),
        ("packed", "already_packed"),
        ("shipped", "already_packed"),
        ("delivered", "already_packed"),
        ("cancelled", "order_cancelled"),
    ],
)
def test_address_change_only_before_packing(status: str, refusal: str | None) -> None:
    assert rules.address_refusal(status) == refusal
    assert rules.can_change_address(status) is (refusal is None)


def test_return_window_is_30_days_inclusive() -> None:
    delivered = datetime(2026, 10, 1, 15, 0)
    assert rules.return_window_ends(delivered) == date(2026, 10, 31)
    assert rules.return_refusal("delivered", delivered, date(2026, 10, 31)) is None
    assert rules.return_refusal("delivered", delivered, date(2026, 11, 1)) == (
        "return_window_expired"
    )
    assert rules.return_refusal("in_transit", None, date(2026, 10, 2)) == "not_delivered"
    assert rules.return_refusal("return_requested", delivered, date(2026, 10, 2)) == (
        "return_exists"
    )
    assert rules.return_window_ends(None) is None


def test_business_days_skip_weekends() -> None:
    friday = date(2026, 11, 20)
    assert friday.weekday() == 4
    assert rules.add_business_days(friday, 1) == date(2026, 11, 23)
    assert rules.add_business_days(friday, 5) == date(2026, 11, 27)


def test_refund_date_depends_on_method() -> None:
    monday = date(2026, 11, 23)
    assert rules.refund_expected_date(monday, "card") == date(2026, 11, 30)
    assert rules.refund_expected_date(monday, "paypal") == date(2026, 11, 25)


def test_new_eta_after_address_change() -> None:
    monday = date(2026, 11, 23)
    assert rules.new_eta(monday, "DE") == date(2026, 11, 26)  # 1 handling + 2 transit days
    assert rules.new_eta(monday, "KR") > rules.new_eta(monday, "DE")


def test_address_validation() -> None:
    assert rules.address_problem("Main 1", "Berlin", "10115", "DE") is None
    assert rules.address_problem(" ", "Berlin", "10115", "DE") is not None
    assert rules.address_problem("Main 1", "", "10115", "DE") is not None
    assert rules.address_problem("Main 1", "Berlin", "1011", "DE") is not None
    assert rules.address_problem("Main 1", "Nowhere", "12345", "XX") is not None


def test_normalisation() -> None:
    assert rules.normalize_email("  Alice@Example.COM ") == "alice@example.com"
    assert rules.normalize_postcode(" 04 524 ") == "04524"
    assert rules.normalize_postcode("1234 ab") == "1234AB"


def test_lockout_arithmetic() -> None:
    now = datetime(2026, 11, 23, 10, 0)
    until = rules.lock_expiry(now)
    assert until - now == timedelta(minutes=15)
    assert rules.lockout_remaining_seconds(until, now) == 900
    assert rules.lockout_remaining_seconds(until, until) == 0
    assert rules.lockout_remaining_seconds(None, now) == 0


def test_money_format() -> None:
    assert rules.format_cents(8480) == "84.80"
    assert rules.format_cents(5) == "0.05"
    assert rules.format_cents(0) == "0.00"


def test_invoice_needs_payment() -> None:
    assert not rules.is_invoiced("pending", None)
    assert rules.is_invoiced("paid", datetime(2026, 1, 1))
