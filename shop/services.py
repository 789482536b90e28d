"""Order services: plain async functions (keyword-only `session`, no Sanic imports).

Every service checks the business rules before it changes anything, so a refusal never leaves
a half-done write behind. Callers own the transaction.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shop import rules
from shop.errors import Conflict, Invalid, Locked, NotFound
from shop.models import Customer, Order, ReturnRequest, VerificationState
from shop.serialize import customer_json, iso_date, iso_ts, order_json

logger = logging.getLogger(__name__)

INVOICE_BASE_URL = "https://shop.example/invoices"
LABEL_BASE_URL = "https://shop.example/returns"


async def get_order(session: AsyncSession, order_number: str, *, lock: bool = False) -> Order:
    stmt = select(Order).where(Order.order_number == order_number)
    if lock:
        stmt = stmt.with_for_update()
    order = (await session.execute(stmt)).scalar_one_or_none()
    if order is None:
        raise NotFound("order_not_found", "No order with this order number exists.")
    return order


async def order_details(
    *, session: AsyncSession, order_number: str, now: datetime
) -> dict[str, Any]:
    order = await get_order(session, order_number)
    return order_json(order, today=now.date())


async def customer_details(*, session: AsyncSession, customer_id: str) -> dict[str, Any]:
    customer = await session.get(Customer, customer_id)
    if customer is None:
        raise NotFound("customer_not_found", "No customer with this id exists.")
    return customer_json(customer)


async def customer_orders(
    *, session: AsyncSession, customer_id: str, limit: int, now: datetime
) -> dict[str, Any]:
    if await session.get(Customer, customer_id) is None:
        raise NotFound("customer_not_found", "No customer with this id exists.")
    stmt = (
        select(Order)
        .where(Order.customer_id == customer_id)
        .order_by(Order.placed_at.desc(), Order.order_number.desc())
        .limit(limit)
    )
    orders = (await session.execute(stmt)).scalars().all()
    return {"orders": [order_json(order, today=now.date()) for order in orders]}


async def verify(
    *,
    session: AsyncSession,
    order_number: str,
    email: str | None,
    postcode: str | None,
    now: datetime,
) -> dict[str, Any]:
    """Check an email and/or postcode against the order. Failures are counted per order."""
    order = await get_order(session, order_number, lock=True)  # serialises attempts per order
    state = await session.get(VerificationState, order_number)
    if state is None:
        state = VerificationState(order_number=order_number, failed_attempts=0)
        session.add(state)
    remaining = rules.lockout_remaining_seconds(state.locked_until, now)
    if remaining:
        raise Locked(
            "verification_locked",
            "Too many failed verification attempts for this order; try again later.",
            retry_after_seconds=remaining,
        )
    if state.locked_until is not None:  # an expired lock starts a fresh series
        state.locked_until = None
        state.failed_attempts = 0
    customer = await session.get(Customer, order.customer_id)
    assert customer is not None
    matches = True
    if email is not None:
        matches &= rules.normalize_email(email) == rules.normalize_email(customer.email)
    if postcode is not None:
        matches &= rules.normalize_postcode(postcode) == rules.normalize_postcode(
            order.ship_postcode
        )
    if matches:
        state.failed_attempts = 0
        return {"verified": True, "customer_id": order.customer_id}
    state.failed_attempts += 1
    attempts_left = max(0, rules.LOCKOUT_MAX_FAILURES - state.failed_attempts)
    if attempts_left == 0:
        state.locked_until = rules.lock_expiry(now)
        logger.warning("verification locked for order %s", order_number)
    await session.flush()
    raise Invalid(
        "verification_failed",
        "The details do not match this order.",
        attempts_left=attempts_left,
    )


async def tracking(*, session: AsyncSession, order_number: str) -> dict[str, Any]:
    order = await get_order(session, order_number)
    if not rules.has_shipped(order.shipped_at):
        raise Conflict("not_shipped", "This order has not been shipped yet.")
    return {
        "order_number": order.order_number,
        "status": order.status,
        "carrier": order.carrier,
        "tracking_number": order.tracking_number,
        "eta": iso_date(order.eta),
        "delayed": order.status == "delayed",
        "delay_reason": order.delay_reason,
        "events": [
            {"at": iso_ts(event.at), "location": event.location, "description": event.description}
            for event in reversed(order.events)
        ],
    }


async def cancel(
    *, session: AsyncSession, order_number: str, reason: str | None, now: datetime
) -> dict[str, Any]:
    order = await get_order(session, order_number, lock=True)
    refusal = rules.cancel_refusal(order.status)
    if refusal is not None:
        messages = {
            "already_cancelled": "This order has already been cancelled.",
            "already_shipped": "This order has already been shipped and can no longer be "
            "cancelled; it can be returned after delivery.",
            "already_delivered": "This order has already been delivered; it can be returned "
            "instead.",
        }
        raise Conflict(refusal, messages[refusal], status=order.status)
    fee = rules.cancellation_fee_cents(order.status)
    charged = order.paid_at is not None
    refund = max(0, order.total_cents - fee) if charged else 0
    order.status = "cancelled"
    order.cancelled_at = now
    order.cancel_reason = reason
    order.eta = None
    refund_date = None
    if refund > 0:
        refund_date = rules.refund_expected_date(now.date(), order.payment_method)
        order.refund_status = "pending"
        order.refund_cents = refund
        order.refund_expected_date = refund_date
        order.refund_method = order.payment_method
    await session.flush()
    return {
        "order": order_json(order, today=now.date()),
        "fee": rules.format_cents(fee if charged else 0),
        "refund_amount": rules.format_cents(refund),
        "refund_date": iso_date(refund_date),
        "refund_method": order.payment_method if refund > 0 else None,
    }


async def change_address(
    *,
    session: AsyncSession,
    order_number: str,
    name: str | None,
    street: str,
    city: str,
    postcode: str,
    country: str,
    now: datetime,
) -> dict[str, Any]:
    order = await get_order(session, order_number, lock=True)
    refusal = rules.address_refusal(order.status)
    if refusal == "order_cancelled":
        raise Conflict(refusal, "This order has been cancelled.", status=order.status)
    if refusal is not None:
        raise Conflict(
            refusal,
            "This order has already been packed; the address can no longer be changed.",
            status=order.status,
        )
    country = country.strip().upper()
    problem = rules.address_problem(street, city, postcode, country)
    if problem is not None:
        raise Invalid("invalid_address", f"The address is not valid: {problem}.")
    if name is not None and name.strip():
        order.ship_name = name.strip()
    order.ship_street = street.strip()
    order.ship_city = city.strip()
    order.ship_postcode = postcode.strip().upper()
    order.ship_country = country
    order.eta = rules.new_eta(now.date(), country)
    await session.flush()
    return {"order": order_json(order, today=now.date()), "new_eta": iso_date(order.eta)}


async def create_return(
    *,
    session: AsyncSession,
    order_number: str,
    items: list[tuple[str, int]],
    reason: str,
    now: datetime,
) -> dict[str, Any]:
    order = await get_order(session, order_number, lock=True)
    refusal = rules.return_refusal(order.status, order.delivered_at, now.date())
    if refusal is not None:
        messages = {
            "return_exists": "A return has already been requested for this order.",
            "not_delivered": "This order has not been delivered yet.",
            "return_window_expired": f"The {rules.RETURN_WINDOW_DAYS}-day return window "
            "for this order has ended.",
        }
        extra: dict[str, Any] = {"status": order.status}
        window = rules.return_window_ends(order.delivered_at)
        if refusal == "return_window_expired" and window is not None:
            extra["return_window_ended"] = window.isoformat()
        raise Conflict(refusal, messages[refusal], **extra)
    ordered = {item.sku: item for item in order.items}
    wanted: dict[str, int] = {}
    for sku, quantity in items:
        if sku not in ordered:
            raise Invalid("invalid_items", "An item is not part of this order.", sku=sku)
        wanted[sku] = wanted.get(sku, 0) + quantity
    for sku, quantity in wanted.items():
        if quantity > ordered[sku].quantity:
            raise Invalid(
                "invalid_items",
                f"More items returned than ordered for {sku}.",
                sku=sku,
            )
    refund = sum(ordered[sku].unit_price_cents * quantity for sku, quantity in wanted.items())
    digest = hashlib.sha256(f"{order_number}|{now.isoformat()}".encode()).hexdigest()
    return_id = f"RET-{order_number.split('-')[-1]}-{digest[:6].upper()}"
    label = f"LBL-{digest[6:16].upper()}"
    session.add(
        ReturnRequest(
            return_id=return_id,
            order_number=order_number,
            created_at=now,
            reason=reason,
            items=[{"sku": sku, "quantity": quantity} for sku, quantity in wanted.items()],
            refund_cents=refund,
            label_reference=label,
        )
    )
    order.status = "return_requested"
    order.refund_status = "pending"
    order.refund_cents = refund
    order.refund_method = order.payment_method
    order.refund_expected_date = now.date() + timedelta(days=rules.RETURN_REFUND_DAYS)
    await session.flush()
    return {
        "return_id": return_id,
        "label_reference": label,
        "label_url": f"{LABEL_BASE_URL}/{return_id}/label.pdf",
        "drop_off": f"any {order.carrier or rules.DEFAULT_CARRIER} parcel shop within "
        f"{rules.RETURN_DROP_OFF_DAYS} days",
        "carrier": order.carrier or rules.DEFAULT_CARRIER,
        "drop_off_days": rules.RETURN_DROP_OFF_DAYS,
        "refund_amount": rules.format_cents(refund),
        "refund_expected_in_days": rules.RETURN_REFUND_DAYS,
    }


async def refund(*, session: AsyncSession, order_number: str) -> dict[str, Any]:
    order = await get_order(session, order_number)
    return {
        "order_number": order.order_number,
        "status": order.refund_status,
        "amount": rules.format_cents(order.refund_cents),
        "currency": order.currency,
        "expected_date": iso_date(order.refund_expected_date),
        "paid_at": iso_ts(order.refund_paid_at),
        "method": order.refund_method,
    }


async def invoice(*, session: AsyncSession, order_number: str) -> dict[str, Any]:
    order = await get_order(session, order_number)
    if not rules.is_invoiced(order.status, order.paid_at) or order.invoice_number is None:
        raise Conflict(
            "not_invoiced",
            "No invoice exists yet: the payment for this order has not been captured.",
            status=order.status,
        )
    return {
        "invoice_number": order.invoice_number,
        "url": f"{INVOICE_BASE_URL}/{order.invoice_number}.pdf",
    }
