"""Pure parts of the production check (bench/prod): the customer mix, what counts as an answer,
which order a stored write is about, and the localisation of the compose settings."""

from __future__ import annotations

import pytest

from bench.prod.__main__ import plan_customers
from bench.prod.audit import _order_of
from bench.prod.drive import Customer, Sent
from bench.prod.profile import Plan, specs


def test_half_rest_half_websocket_with_humans_writes_and_bot_conversations() -> None:
    orders = [(f"EF-1002{i:02d}", f"C{i:04d}") for i in range(30)]
    customers = plan_customers(100, orders)
    assert sum(c.channel == "ws" for c in customers) == 50
    kinds = {k: sum(c.kind == k for c in customers) for k in ("bot", "write", "human")}
    assert kinds == {"bot": 60, "write": 20, "human": 20}
    writes = [c for c in customers if c.kind == "write"]
    assert len({c.order for c in writes}) == 20  # one order each: a second write is a duplicate
    assert all(dict(orders)[c.order] == c.signed_in for c in writes if c.order)


def test_without_orders_nobody_writes() -> None:
    assert all(c.kind != "write" for c in plan_customers(20, []))


def _customer(*messages: dict[str, object]) -> Customer:
    customer = Customer(0, "rest", "bot")
    customer.see(list(messages))
    return customer


def test_still_checking_is_not_an_answer_but_an_agent_is() -> None:
    sent = Sent("a", "hello", 0.0, seq=1)
    customer = _customer(
        {"seq": 1, "role": "customer"},
        {"seq": 2, "role": "system", "custom": {"event": "still_checking"}},
    )
    assert not customer.answered(sent)
    customer.see([{"seq": 3, "role": "agent", "text": "hi"}])
    assert customer.answered(sent) and customer.with_human


def test_an_answer_after_the_next_customer_message_does_not_count() -> None:
    sent = Sent("a", "hello", 0.0, seq=1)
    customer = _customer(
        {"seq": 1, "role": "customer"}, {"seq": 2, "role": "customer"}, {"seq": 3, "role": "bot"}
    )
    assert not customer.answered(sent)


def test_a_queue_notice_answers_and_hands_over() -> None:
    sent = Sent("a", "hello", 0.0, seq=1)
    customer = _customer(
        {"seq": 1, "role": "customer"},
        {"seq": 2, "role": "system", "custom": {"event": "bot_unavailable"}},
    )
    assert customer.answered(sent) and customer.with_human


def test_the_order_of_a_stored_write() -> None:
    assert _order_of({"order": {"order_number": "EF-100200", "status": "cancelled"}}) == (
        "EF-100200"
    )
    assert _order_of({"error": {"code": "not_found"}}) is None


def test_every_instance_gets_its_own_port_and_no_container_address_is_left() -> None:
    pytest.importorskip("launcher")
    plan = Plan()
    assert len(set(plan.ports.values())) == len(plan.ports)
    built = specs(plan)
    assert [s.name for s in built][-1] == "haproxy"
    rasa = next(s for s in built if s.name == "rasa-1")
    assert rasa.env["RABBITMQ_QUEUE"] == plan.queue and rasa.env["RASA_DB_NAME"] == plan.database
    assert str(plan.ports["rasa-1"]) in rasa.argv
    handoff = next(s for s in built if s.name == "handoff-2")
    assert handoff.env["HANDOFF_ENV"] == "production"
    assert handoff.env["RASA_URL"] == plan.url("rasa")
    assert plan.database in handoff.env["HANDOFF_DATABASE_URL"]


def test_capacity_mix_and_summary() -> None:
    from bench.prod.capacity import MIX, summary

    assert abs(sum(share for share, _, _ in MIX) - 1.0) < 1e-9
    figures = summary([0.1] * 95 + [2.0] * 5, 10.0)
    assert figures["count"] == 100 and figures["throughput_per_s"] == 10.0
    assert figures["p50_ms"] == 100 and figures["p95_ms"] > 1000  # the slow 5 % set the p95
