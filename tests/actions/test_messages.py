"""Action texts as the customer reads them: order-system values and dates in the customer's
language. (Every language having every text: tests/catalogue/test_catalogue.py.)"""

from __future__ import annotations

from actions.messages import (
    ORDER_STATES,
    REFUND_STATES,
    date_text,
    order_state,
    payment_method,
    text,
    tracking_event,
)
from bench.english import english_fragments

ORDER_STATUSES = {
    "pending", "paid", "packed", "shipped", "in_transit", "delayed", "delivered", "cancelled",
    "return_requested", "return_received",
}  # fmt: skip


def test_the_english_detector_finds_english_and_spares_names_numbers_and_links() -> None:
    assert english_fragments("최근 상태: Parcel handed to carrier.") == ["Parcel handed to carrier"]
    assert english_fragments("도착 예정일: soon.") == ["soon"]
    assert english_fragments("주문 EF-100001: return requested.") == ["return requested"]
    assert (
        english_fragments(
            "주문 EF-100001은(는) CJ Logistics로 배송 중이에요. 인보이스 INV-100001: "
            "https://shop.example/invoices/INV-100001.pdf, 문의: help@effortless.example, "
            "Visa, PayPal, Apple Pay"
        )
        == []
    )
    assert english_fragments("반품: Canvas tote bag", allowed=["Canvas tote bag"]) == []


def test_order_system_values_are_translated() -> None:
    assert set(ORDER_STATES["ko"]) == ORDER_STATUSES
    assert set(REFUND_STATES["ko"]) == {"none", "pending", "paid"}
    assert order_state("ko", "return_requested") == "반품 접수됨"
    assert order_state("en", "return_requested") == "return requested"
    assert payment_method("ko", "card") == "카드"
    assert payment_method("ko", None) == "원래 결제 수단"
    assert tracking_event("ko", "Parcel handed to carrier") == "택배사에 인계됨"
    assert tracking_event("en", "Parcel handed to carrier") == "Parcel handed to carrier"
    # an event the catalogue does not know is not passed through in English
    assert tracking_event("ko", "Customs clearance pending") == "배송 상태 업데이트"
    assert tracking_event("ko", "Storm over the Alps", delay=True) == "택배사 사정"


def test_dates_are_written_the_language_s_way() -> None:
    assert date_text("ko", "2026-12-04") == "2026년 12월 4일"
    assert date_text("ko", "2026-12-04T09:30:00Z") == "2026년 12월 4일"
    assert date_text("en", "2026-12-04") == "2026-12-04"
    assert date_text("ko", "soon") == "soon"
    delivered = text(
        "ko", "status_delivered", order_number="EF-1", delivered_at="2026-11-21", return_until=None
    )
    assert "2026년 11월 21일" in delivered and "–" in delivered


def test_unknown_languages_get_english_and_missing_values_a_dash() -> None:
    assert "–" in text("en", "order_not_found")
    assert text("fr", "task_declined", order_number="EF-1") == text(
        "en", "task_declined", order_number="EF-1"
    )
    assert text("ko", "cancel_refused_delivered", order_number="EF-1").startswith("주문 EF-1")
