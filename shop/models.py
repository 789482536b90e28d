"""SQLAlchemy 2.0 models of the demo order API. Timestamps are naive UTC; money is in cents."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


class Customer(Base):
    __tablename__ = "shop_customers"

    customer_id: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(320), index=True)
    language: Mapped[str] = mapped_column(String(8))
    postcode: Mapped[str] = mapped_column(String(20))


class Order(Base):
    __tablename__ = "shop_orders"

    order_number: Mapped[str] = mapped_column(String(32), primary_key=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("shop_customers.customer_id"), index=True)
    status: Mapped[str] = mapped_column(String(32))
    placed_at: Mapped[datetime] = mapped_column(DateTime())
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    payment_method: Mapped[str] = mapped_column(String(16), default="card")
    paid_at: Mapped[datetime | None] = mapped_column(DateTime(), nullable=True)
    ship_name: Mapped[str] = mapped_column(String(200))
    ship_street: Mapped[str] = mapped_column(String(200))
    ship_city: Mapped[str] = mapped_column(String(100))
    ship_postcode: Mapped[str] = mapped_column(String(20))
    ship_country: Mapped[str] = mapped_column(String(2))
    carrier: Mapped[str | None] = mapped_column(String(32), nullable=True)
    tracking_number: Mapped[str | None] = mapped_column(String(64), nullable=True)
    shipped_at: Mapped[datetime | None] = mapped_column(DateTime(), nullable=True)
    eta: Mapped[date | None] = mapped_column(Date(), nullable=True)
    delay_reason: Mapped[str | None] = mapped_column(String(200), nullable=True)
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(), nullable=True)
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime(), nullable=True)
    cancel_reason: Mapped[str | None] = mapped_column(Text(), nullable=True)
    invoice_number: Mapped[str | None] = mapped_column(String(32), nullable=True)
    refund_status: Mapped[str] = mapped_column(String(16), default="none")
    refund_cents: Mapped[int] = mapped_column(Integer(), default=0)
    refund_expected_date: Mapped[date | None] = mapped_column(Date(), nullable=True)
    refund_paid_at: Mapped[datetime | None] = mapped_column(DateTime(), nullable=True)
    refund_method: Mapped[str | None] = mapped_column(String(16), nullable=True)

    items: Mapped[list[OrderItem]] = relationship(
        back_populates="order", order_by="OrderItem.id", lazy="selectin"
    )
    events: Mapped[list[TrackingEvent]] = relationship(
        back_populates="order", order_by="TrackingEvent.at", lazy="selectin"
    )

    @property
    def total_cents(self) -> int:
        return sum(item.quantity * item.unit_price_cents for item in self.items)


class OrderItem(Base):
    __tablename__ = "shop_order_items"

    id: Mapped[int] = mapped_column(Integer(), primary_key=True, autoincrement=True)
    order_number: Mapped[str] = mapped_column(ForeignKey("shop_orders.order_number"), index=True)
    sku: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    quantity: Mapped[int] = mapped_column(Integer())
    unit_price_cents: Mapped[int] = mapped_column(Integer())

    order: Mapped[Order] = relationship(back_populates="items")


class TrackingEvent(Base):
    __tablename__ = "shop_tracking_events"

    id: Mapped[int] = mapped_column(Integer(), primary_key=True, autoincrement=True)
    order_number: Mapped[str] = mapped_column(ForeignKey("shop_orders.order_number"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime())
    location: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(String(300))

    order: Mapped[Order] = relationship(back_populates="events")


class ReturnRequest(Base):
    __tablename__ = "shop_returns"

    return_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    order_number: Mapped[str] = mapped_column(ForeignKey("shop_orders.order_number"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime())
    reason: Mapped[str] = mapped_column(Text())
    items: Mapped[list[dict[str, Any]]] = mapped_column(JSON())
    refund_cents: Mapped[int] = mapped_column(Integer())
    label_reference: Mapped[str] = mapped_column(String(32))


class VerificationState(Base):
    """Failed verification attempts per order; survives restarts."""

    __tablename__ = "shop_verification"

    order_number: Mapped[str] = mapped_column(String(32), primary_key=True)
    failed_attempts: Mapped[int] = mapped_column(Integer(), default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(), nullable=True)


class IdempotencyRecord(Base):
    """The first response to a write, stored in the write's own transaction."""

    __tablename__ = "shop_idempotency"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    status: Mapped[int] = mapped_column(Integer())
    body: Mapped[str] = mapped_column(Text())
    created_at: Mapped[datetime] = mapped_column(DateTime())
