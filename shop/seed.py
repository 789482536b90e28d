"""Deterministic seed data: the well-known orders of docs/contracts.md plus a random crowd.

`random.Random(SEED)` drives everything; all dates are relative to the seeding instant `now`.
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from shop import rules
from shop.models import Customer, Order, OrderItem, TrackingEvent

logger = logging.getLogger(__name__)

SEED = 20261123
RANDOM_CUSTOMERS = 57  # C0004..C0060
RANDOM_ORDERS = 228  # EF-100101.. (the well-known ones are EF-100001..EF-100014)

CATALOG: list[tuple[str, str, int]] = [
    ("SKU-TSHIRT-M", "Organic T-shirt (M)", 1990),
    ("SKU-TSHIRT-L", "Organic T-shirt (L)", 1990),
    ("SKU-HOODIE-M", "Recycled hoodie (M)", 5490),
    ("SKU-SOCKS-3", "Wool socks, 3 pairs", 1500),
    ("SKU-BOTTLE", "Steel bottle 0.75 l", 2490),
    ("SKU-MUG", "Stoneware mug", 1290),
    ("SKU-BAG", "Canvas tote bag", 990),
    ("SKU-CAP", "Cotton cap", 1790),
    ("SKU-JACKET-M", "Rain jacket (M)", 8990),
    ("SKU-SCARF", "Merino scarf", 3490),
]
CATALOG_BY_SKU = {sku: (name, price) for sku, name, price in CATALOG}

FIRST_NAMES = [
    "Anna",
    "Ben",
    "Clara",
    "David",
    "Emma",
    "Felix",
    "Greta",
    "Hannah",
    "Jonas",
    "Lena",
    "Lukas",
    "Mia",
    "Noah",
    "Paul",
    "Sofia",
    "Tim",
    "Ji-ho",
    "Seo-yeon",
    "Daniel",
    "Yuna",
    "Marie",
    "Max",
]
LAST_NAMES = [
    "Müller",
    "Schmidt",
    "Schneider",
    "Fischer",
    "Weber",
    "Meyer",
    "Wagner",
    "Becker",
    "Hoffmann",
    "Koch",
    "Lee",
    "Park",
    "Choi",
    "Jung",
    "de Vries",
    "Dubois",
]
CITIES = [
    ("Berlin", "10", "DE"),
    ("Hamburg", "20", "DE"),
    ("München", "80", "DE"),
    ("Köln", "50", "DE"),
    ("Leipzig", "04", "DE"),
    ("Seoul", "04", "KR"),
    ("Busan", "48", "KR"),
]
STREETS = [
    "Hauptstraße",
    "Bahnhofstraße",
    "Gartenweg",
    "Lindenallee",
    "Teheran-ro",
    "Sejong-daero",
    "Schillerstraße",
]
HUBS = {
    "DE": ["Leipzig hub", "Berlin depot", "Hamburg depot"],
    "KR": ["Incheon hub", "Seoul depot", "Busan depot"],
}
CARRIERS = {"DE": "DHL", "KR": "CJ Logistics"}


@dataclass(frozen=True)
class CustomerSpec:
    customer_id: str
    name: str
    email: str
    language: str
    postcode: str
    street: str
    city: str
    country: str


WELL_KNOWN_CUSTOMERS = [
    CustomerSpec(
        "C0001",
        "Alice Example",
        "alice@example.com",
        "en",
        "10115",
        "Invalidenstraße 1",
        "Berlin",
        "DE",
    ),
    CustomerSpec(
        "C0002",
        "김민지 (Minji Kim)",
        "minji@example.com",
        "ko",
        "04524",
        "Sejong-daero 110",
        "Seoul",
        "KR",
    ),
    CustomerSpec(
        "C0003",
        "Carlos Demo",
        "carlos@example.com",
        "en",
        "20095",
        "Mönckebergstraße 7",
        "Hamburg",
        "DE",
    ),
]


class _Builder:
    def __init__(self, now: datetime, rng: random.Random) -> None:
        self.now = now
        self.today = now.date()
        self.rng = rng
        self.orders: list[Order] = []

    def order(
        self,
        number: str,
        customer: CustomerSpec,
        status: str,
        placed_days_ago: float,
        items: list[tuple[str, int]],
        *,
        payment_method: str = "card",
        eta_in_days: int | None = None,
        delivered_days_ago: float | None = None,
        delay_reason: str | None = None,
        refund_status: str = "none",
        refund_days_ago: float | None = None,
    ) -> Order:
        placed = self.now - timedelta(days=placed_days_ago)
        paid = None if status == "pending" else placed + timedelta(minutes=3)
        order = Order(
            order_number=number,
            customer_id=customer.customer_id,
            status=status,
            placed_at=placed.replace(microsecond=0),
            currency="EUR",
            payment_method=payment_method,
            paid_at=paid.replace(microsecond=0) if paid else None,
            ship_name=customer.name,
            ship_street=customer.street,
            ship_city=customer.city,
            ship_postcode=customer.postcode,
            ship_country=customer.country,
            refund_status="none",
            refund_cents=0,
        )
        order.items = [
            OrderItem(
                sku=sku,
                name=CATALOG_BY_SKU[sku][0],
                quantity=qty,
                unit_price_cents=CATALOG_BY_SKU[sku][1],
            )
            for sku, qty in items
        ]
        if paid is not None:
            order.invoice_number = "INV-" + number.split("-")[-1]
        shipped_states = rules.SHIPPED | rules.DELIVERED_OR_LATER
        if status in shipped_states:
            shipped = placed + timedelta(days=1)
            order.shipped_at = shipped.replace(microsecond=0)
            order.carrier = CARRIERS.get(customer.country, "DHL")
            digits = "".join(str(self.rng.randrange(10)) for _ in range(12))
            order.tracking_number = f"00340{digits}"
            order.events = self._events(order, shipped, status, delivered_days_ago, delay_reason)
        if status in rules.ADDRESS_CHANGEABLE | {"packed"} | rules.SHIPPED:
            days = eta_in_days if eta_in_days is not None else self.rng.randint(1, 4)
            order.eta = self.today + timedelta(days=days)
        if status == "delayed":
            order.delay_reason = delay_reason or "Carrier delay at the regional hub"
        if delivered_days_ago is not None:
            order.delivered_at = (self.now - timedelta(days=delivered_days_ago)).replace(
                microsecond=0
            )
        if status == "cancelled":
            order.cancelled_at = (placed + timedelta(hours=5)).replace(microsecond=0)
        total = sum(qty * CATALOG_BY_SKU[sku][1] for sku, qty in items)
        if refund_status != "none" and paid is not None:
            order.refund_status = refund_status
            order.refund_cents = total
            order.refund_method = payment_method
            if refund_status == "pending":
                order.refund_expected_date = rules.refund_expected_date(self.today, payment_method)
            else:
                paid_at = self.now - timedelta(days=refund_days_ago or 2)
                order.refund_paid_at = paid_at.replace(microsecond=0)
                order.refund_expected_date = paid_at.date()
        self.orders.append(order)
        return order

    def _events(
        self,
        order: Order,
        shipped: datetime,
        status: str,
        delivered_days_ago: float | None,
        delay_reason: str | None,
    ) -> list[TrackingEvent]:
        hubs = HUBS.get(order.ship_country, HUBS["DE"])
        events = [
            TrackingEvent(at=shipped, location=hubs[0], description="Parcel handed to carrier"),
        ]
        if status != "shipped":
            events.append(
                TrackingEvent(
                    at=shipped + timedelta(hours=9),
                    location=hubs[1],
                    description="Parcel in transit",
                )
            )
        if status == "delayed":
            events.append(
                TrackingEvent(
                    at=shipped + timedelta(hours=20),
                    location=hubs[1],
                    description=delay_reason or "Delayed: carrier delay at the hub",
                )
            )
        if delivered_days_ago is not None:
            at = self.now - timedelta(days=delivered_days_ago)
            events.append(TrackingEvent(at=at, location=order.ship_city, description="Delivered"))
        for event in events:
            event.at = min(event.at, self.now).replace(microsecond=0)
        return events


def _well_known(builder: _Builder) -> None:
    alice, minji, carlos = WELL_KNOWN_CUSTOMERS
    b = builder.order
    b("EF-100001", alice, "in_transit", 3, [("SKU-TSHIRT-M", 2), ("SKU-SOCKS-3", 3)], eta_in_days=2)
    b("EF-100002", alice, "paid", 0.5, [("SKU-HOODIE-M", 1)], eta_in_days=4)
    b("EF-100003", alice, "delivered", 9, [("SKU-BOTTLE", 1), ("SKU-MUG", 2)], delivered_days_ago=5)
    b(
        "EF-100004",
        alice,
        "delayed",
        6,
        [("SKU-JACKET-M", 1)],
        eta_in_days=4,
        delay_reason="Carrier delay at the regional hub",
    )
    b("EF-100005", alice, "delivered", 50, [("SKU-SCARF", 1)], delivered_days_ago=45)
    b("EF-100006", alice, "cancelled", 2, [("SKU-CAP", 1), ("SKU-BAG", 1)], refund_status="pending")
    b(
        "EF-100007",
        minji,
        "return_received",
        30,
        [("SKU-TSHIRT-L", 1)],
        payment_method="paypal",
        delivered_days_ago=25,
        refund_status="paid",
        refund_days_ago=3,
    )
    b("EF-100008", minji, "packed", 1, [("SKU-MUG", 1), ("SKU-BOTTLE", 1)], eta_in_days=3)
    b("EF-100009", minji, "pending", 0.2, [("SKU-SOCKS-3", 1)], payment_method="invoice")
    b("EF-100010", minji, "shipped", 1.5, [("SKU-HOODIE-M", 1)], eta_in_days=3)
    b(
        "EF-100011",
        minji,
        "return_requested",
        14,
        [("SKU-SCARF", 1)],
        delivered_days_ago=8,
        refund_status="pending",
    )
    b("EF-100012", minji, "delivered", 13, [("SKU-CAP", 2), ("SKU-BAG", 1)], delivered_days_ago=10)
    b("EF-100013", carlos, "delivered", 20, [("SKU-MUG", 4)], delivered_days_ago=16)
    b("EF-100014", carlos, "in_transit", 2, [("SKU-TSHIRT-L", 1)], eta_in_days=1)


def _random_customers(rng: random.Random) -> list[CustomerSpec]:
    customers = []
    for index in range(4, 4 + RANDOM_CUSTOMERS):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        city, prefix, country = rng.choice(CITIES)
        postcode = prefix + "".join(str(rng.randrange(10)) for _ in range(3))
        street = f"{rng.choice(STREETS)} {rng.randint(1, 180)}"
        local = f"{first}.{last}".lower().replace(" ", "").replace("ü", "ue")
        customers.append(
            CustomerSpec(
                customer_id=f"C{index:04d}",
                name=f"{first} {last}",
                email=f"{local}{index}@example.org",
                language="ko" if country == "KR" else rng.choice(["en", "en", "de"]),
                postcode=postcode,
                street=street,
                city=city,
                country=country,
            )
        )
    return customers


def _random_orders(builder: _Builder, customers: list[CustomerSpec]) -> None:
    rng = builder.rng
    for offset in range(RANDOM_ORDERS):
        number = f"EF-{100101 + offset}"
        customer = (
            customers[offset % len(customers)]
            if offset < 2 * len(customers)
            else (rng.choice(customers))
        )
        status = rules.STATUSES[offset % len(rules.STATUSES)]
        count = 1 + (offset % 3 == 0) + (offset % 7 == 0)
        skus = rng.sample(CATALOG, count)
        items = [(sku, rng.randint(1, 3)) for sku, _, _ in skus]
        delivered = None
        refund_status = "none"
        placed = rng.uniform(0.1, 3)
        if status in rules.SHIPPED:
            placed = rng.uniform(2, 6)
        elif status in rules.DELIVERED_OR_LATER:
            delivered = rng.uniform(1, 60)
            placed = delivered + rng.uniform(2, 5)
            if status == "return_requested":
                refund_status = "pending"
            elif status == "return_received":
                refund_status = "paid"
        elif status == "cancelled":
            placed = rng.uniform(1, 40)
            refund_status = rng.choice(["pending", "paid"])
        builder.order(
            number,
            customer,
            status,
            placed,
            items,
            payment_method=rng.choice(["card", "card", "paypal", "invoice"]),
            delivered_days_ago=delivered,
            refund_status=refund_status,
            refund_days_ago=rng.uniform(0.5, 3),
        )


async def is_empty(session: AsyncSession) -> bool:
    return (await session.scalar(select(func.count()).select_from(Customer))) == 0


def build(now: datetime) -> tuple[list[CustomerSpec], list[Order]]:
    """The seed customers and orders as of `now` (every date relative to it; deterministic)."""
    rng = random.Random(SEED)
    customers = WELL_KNOWN_CUSTOMERS + _random_customers(rng)
    builder = _Builder(now.replace(microsecond=0), rng)
    _well_known(builder)
    _random_orders(builder, customers[3:])
    return customers, builder.orders


async def seed(session: AsyncSession, *, now: datetime) -> int:
    """Insert the seed data (into empty tables). Returns the number of orders."""
    customers, orders = build(now)
    for spec in customers:
        session.add(
            Customer(
                customer_id=spec.customer_id,
                name=spec.name,
                email=spec.email,
                language=spec.language,
                postcode=spec.postcode,
            )
        )
    await session.flush()
    session.add_all(orders)
    await session.flush()
    logger.info("seeded %d customers and %d orders", len(customers), len(orders))
    return len(orders)
