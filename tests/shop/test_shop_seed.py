"""Seed data: size, coverage, the well-known orders and determinism."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from shop import db, rules
from shop.models import Customer, Order
from shop.serialize import order_json
from tests.support.shop_testkit import NOW, seed_database


async def dump(url: str) -> dict[str, Any]:
    engine = db.create_engine(url)
    try:
        async with db.session_factory(engine)() as session:
            customers = (await session.execute(select(Customer))).scalars().all()
            orders = (await session.execute(select(Order))).scalars().all()
            return {
                "customers": sorted(
                    (c.customer_id, c.name, c.email, c.language, c.postcode) for c in customers
                ),
                "orders": {
                    o.order_number: {
                        **order_json(o, today=NOW.date()),
                        "events": [(e.at, e.location, e.description) for e in o.events],
                        "refund": (o.refund_cents, o.refund_expected_date, o.refund_paid_at),
                    }
                    for o in orders
                },
            }
    finally:
        await engine.dispose()


async def test_size_and_coverage(template_db: Path) -> None:
    data = await dump(f"sqlite+aiosqlite:///{template_db}")
    orders = data["orders"]
    assert len(orders) >= 200
    assert len(data["customers"]) >= 50
    assert set(Counter(o["status"] for o in orders.values())) == set(rules.STATUSES)
    assert {o["refund_status"] for o in orders.values()} == set(rules.REFUND_STATUSES)
    assert sum(1 for o in orders.values() if len(o["items"]) > 1) >= 20
    per_customer = Counter(o["customer_id"] for o in orders.values())
    assert sum(1 for n in per_customer.values() if n >= 3) >= 20
    assert set(per_customer) == {c[0] for c in data["customers"]}


async def test_two_seeds_are_equal(template_db: Path, tmp_path: Path) -> None:
    other = f"sqlite+aiosqlite:///{tmp_path / 'again.db'}"
    await seed_database(other)
    assert await dump(other) == await dump(f"sqlite+aiosqlite:///{template_db}")


async def test_dates_are_relative_to_seeding_day(tmp_path: Path) -> None:
    later = NOW + timedelta(days=10)
    url = f"sqlite+aiosqlite:///{tmp_path / 'later.db'}"
    await seed_database(url, now=later)
    engine = db.create_engine(url)
    try:
        async with db.session_factory(engine)() as session:
            order = await session.get(Order, "EF-100001")
            assert order is not None and order.eta == later.date() + timedelta(days=2)
            delivered = await session.get(Order, "EF-100003")
            assert delivered is not None and delivered.delivered_at is not None
            assert delivered.delivered_at.date() == (later - timedelta(days=5)).date()
    finally:
        await engine.dispose()


async def test_well_known_orders(template_db: Path) -> None:
    data = await dump(f"sqlite+aiosqlite:///{template_db}")
    orders = data["orders"]
    customers = {c[0]: c for c in data["customers"]}
    assert customers["C0001"] == ("C0001", "Alice Example", "alice@example.com", "en", "10115")
    assert customers["C0002"] == (
        "C0002",
        "김민지 (Minji Kim)",
        "minji@example.com",
        "ko",
        "04524",
    )
    expected = {
        "EF-100001": ("C0001", "in_transit"),
        "EF-100002": ("C0001", "paid"),
        "EF-100003": ("C0001", "delivered"),
        "EF-100004": ("C0001", "delayed"),
        "EF-100005": ("C0001", "delivered"),
        "EF-100006": ("C0001", "cancelled"),
        "EF-100007": ("C0002", "return_received"),
        "EF-100008": ("C0002", "packed"),
        "EF-100009": ("C0002", "pending"),
        "EF-100010": ("C0002", "shipped"),
        "EF-100011": ("C0002", "return_requested"),
        "EF-100012": ("C0002", "delivered"),
    }
    for number, (customer, status) in expected.items():
        assert (orders[number]["customer_id"], orders[number]["status"]) == (customer, status)
    today = NOW.date()
    assert orders["EF-100001"]["eta"] == (today + timedelta(days=2)).isoformat()
    assert orders["EF-100001"]["events"]
    assert orders["EF-100002"]["can_cancel"] and orders["EF-100002"]["can_change_address"]
    assert orders["EF-100003"]["can_return"] and len(orders["EF-100003"]["items"]) == 2
    assert orders["EF-100003"]["delivered_at"].startswith((today - timedelta(days=5)).isoformat())
    assert orders["EF-100004"]["eta"] == (today + timedelta(days=4)).isoformat()
    assert not orders["EF-100005"]["can_return"]
    assert orders["EF-100005"]["delivered_at"].startswith((today - timedelta(days=45)).isoformat())
    assert orders["EF-100006"]["refund_status"] == "pending"
    assert orders["EF-100007"]["refund_status"] == "paid"
    assert orders["EF-100008"]["can_cancel"] and not orders["EF-100008"]["can_change_address"]
    assert not orders["EF-100010"]["can_cancel"]
    assert orders["EF-100012"]["can_return"]
    # C0003 has only trouble-free orders (nothing delayed, cancelled or returned).
    carlos = [o for o in orders.values() if o["customer_id"] == "C0003"]
    assert carlos and {o["status"] for o in carlos} <= {"paid", "in_transit", "delivered"}
    assert all(o["refund_status"] == "none" for o in carlos)


def test_seed_uses_only_the_seeding_instant() -> None:
    # The seed is a pure function of `now`: no datetime.now() inside.
    source = Path(__file__).parents[2].joinpath("shop", "seed.py").read_text()
    assert "datetime.now" not in source and "date.today" not in source
    assert isinstance(NOW, datetime)
