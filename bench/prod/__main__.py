"""`make prod-check`: the production profile on this machine, under live load and kill -9.

    .venv/bin/python -m bench.prod [--conversations 100] [--arrival 1.2] [--think 3 6]

Starts deploy/compose.yml's processes (bench.prod.profile) with a fresh PostgreSQL database and
RabbitMQ queue: the order API, two action servers, two Rasa servers (PostgreSQL tracker store,
Redis lock store, pika event broker), two handoff instances, the analytics consumer and HAProxy
in front of each pair. Then ``--conversations`` customers arrive one every ``--arrival`` seconds
(half REST, half WebSocket; bot, order-write and human conversations; two agents) while one
instance of each kind is killed with SIGKILL and restarted: handoff-1, rasa-1, actions-1 and
the analytics consumer (`KILLS`). Afterwards everything is audited (bench.prod.audit); the report
goes to bench/results/prod-check-latest.json. Exit status 1 when any message was lost,
duplicated or left unanswered, an order write ran twice, or a customer could not finish.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import statistics
import sys
import time
from datetime import UTC, datetime
from typing import Any

import httpx

from bench.prod import audit, stacks
from bench.prod.agents import Agent
from bench.prod.drive import Customer, run_customer
from bench.prod.profile import Plan
from bench.report import write_report
from launcher import Launcher, Process

log = logging.getLogger("bench.prod")

# (seconds after the first customer, instance, seconds down before the restart)
KILLS = [
    (20.0, "handoff-1", 2.0),
    (45.0, "rasa-1", 2.0),
    (70.0, "actions-1", 2.0),
    (95.0, "analytics", 2.0),
]


async def _orders(database: str, count: int) -> list[tuple[str, str]]:
    """Orders a signed-in customer can cancel outright (no fee question), never the well-known
    ones other tests talk about."""
    async with stacks.connect(database) as connection:
        rows = await connection.fetch(
            "SELECT order_number, customer_id FROM shop_orders WHERE status IN ('paid', 'pending')"
            " AND order_number >= 'EF-100101' ORDER BY order_number LIMIT $1",
            count,
        )
    return [(r["order_number"], r["customer_id"]) for r in rows]


def plan_customers(n: int, orders: list[tuple[str, str]]) -> list[Customer]:
    """Half REST, half WebSocket; 1 in 5 asks for a person, 1 in 5 cancels an order, the rest
    ask where their order is (every other one signed in)."""
    customers, pool = [], list(orders)
    for i in range(n):
        channel = "ws" if i % 2 else "rest"
        if i % 5 == 2:
            customers.append(Customer(i, channel, "human", signed_in="C0002" if i % 4 else None))
        elif i % 5 == 4 and pool:
            order, owner = pool.pop(0)
            customers.append(Customer(i, channel, "write", signed_in=owner, order=order))
        else:
            customers.append(Customer(i, channel, "bot", signed_in="C0001" if i % 3 else None))
    return customers


async def _kill(process: Process, down: float, events: list[dict[str, Any]]) -> None:
    at = time.monotonic()
    await asyncio.to_thread(process.kill)
    await asyncio.sleep(down)
    took = await asyncio.to_thread(process.restart)
    events.append({"instance": process.name, "down_s": round(time.monotonic() - at, 1),
                   "restart_s": round(took, 1)})  # fmt: skip
    log.info("%s back after %.1f s", process.name, time.monotonic() - at)


async def _kills(launcher: Launcher, events: list[dict[str, Any]], started: float) -> None:
    tasks = []
    for at, name, down in KILLS:
        await asyncio.sleep(max(0.0, started + at - time.monotonic()))
        log.info("kill -9 %s", name)
        tasks.append(asyncio.create_task(_kill(launcher[name], down, events)))
    await asyncio.gather(*tasks)


def _latency(customers: list[Customer]) -> dict[str, Any]:
    values = sorted(s.answer_s for c in customers for s in c.sent if s.answer_s is not None)
    if not values:
        return {}
    q = statistics.quantiles(values, n=100) if len(values) > 1 else values * 99
    return {"answers": len(values), "p50_s": round(q[49], 2), "p95_s": round(q[94], 2),
            "max_s": round(values[-1], 2)}  # fmt: skip


async def drive(plan: Plan, launcher: Launcher, args: argparse.Namespace) -> dict[str, Any]:
    orders = await _orders(plan.database, args.conversations)
    customers = plan_customers(args.conversations, orders)
    by_conversation: dict[str, Customer] = {}
    agents = [Agent(email, stacks.AGENT_PASSWORD, by_conversation) for email, _ in stacks.AGENTS]
    agents[0].peer, agents[1].peer = agents[1], agents[0]
    stop, kills = asyncio.Event(), list[dict[str, Any]]()
    limits = httpx.Limits(max_connections=200, max_keepalive_connections=50)
    handoff_url = plan.url("handoff")
    secret = plan.secret("HANDOFF_SHOP_SECRET")
    async with (
        httpx.AsyncClient(base_url=handoff_url, timeout=30, limits=limits) as http,
        httpx.AsyncClient(base_url=handoff_url, timeout=15) as agent_http,
    ):
        agent_tasks = [asyncio.create_task(a.run(agent_http, stop)) for a in agents]
        started = time.monotonic()
        killing = asyncio.create_task(_kills(launcher, kills, started) if args.kills else _noop())

        async def arrive(customer: Customer) -> Customer:
            await asyncio.sleep(customer.index * args.arrival)
            think = (args.think[0], args.think[1])
            return await run_customer(http, handoff_url, customer, secret, think, by_conversation)

        progress = asyncio.create_task(_progress(customers, agents))
        done = await asyncio.gather(*(arrive(c) for c in customers))
        progress.cancel()
        drive_s = time.monotonic() - started
        await killing
        stop.set()
        await asyncio.gather(*agent_tasks)
    await asyncio.sleep(3)  # re-driven turns land
    report: dict[str, Any] = {
        "conversations": len(done),
        "by_kind": {k: sum(1 for c in done if c.kind == k) for k in ("bot", "write", "human")},
        "by_channel": {k: sum(1 for c in done if c.channel == k) for k in ("rest", "ws")},
        "messages": sum(len(c.sent) for c in done),
        "with_a_human": sum(1 for c in done if c.with_human),
        "ws_reconnects": sum(c.reconnects for c in done),
        "customer_errors": [f"{c.index}: {c.error}" for c in done if c.error],
        "drive_s": round(drive_s, 1),
        "answer_latency": _latency(done),
        "kills": kills,
        "agents": {a.email: a.figures() for a in agents},
    }
    report.update(
        await audit.conversations(handoff_url, plan.url("rasa"), plan.secret("RASA_TOKEN"), done)
    )
    report["order_writes"] = await audit.order_writes(
        plan.database, [c.order for c in done if c.order]
    )
    report["duplicated_writes"] = report["order_writes"]["duplicated_writes"]
    report["broker_left"] = await audit.queue_drained(stacks.AMQP, plan.queue)
    drained_at = datetime.now(UTC)
    report["analytics_run_after_drive"] = await audit.live_run_after(plan.database, drained_at)
    report["analytics"] = await audit.analytics(
        plan.database, [c.conversation_id for c in done if c.conversation_id]
    )
    return report


async def _progress(customers: list[Customer], agents: list[Agent]) -> None:
    while True:
        await asyncio.sleep(15)
        log.info(
            "%d customers started, %d finished, %d with a person, %d messages; agents %s",
            sum(1 for c in customers if c.conversation_id),
            sum(1 for c in customers if c.finished),
            sum(1 for c in customers if c.with_human),
            sum(len(c.sent) for c in customers),
            [a.figures() for a in agents],
        )


async def _noop() -> None:
    return None


def run(args: argparse.Namespace) -> dict[str, Any]:
    with stacks.production(keep=args.keep) as stack:
        assert stack.plan is not None and stack.launcher is not None
        report = asyncio.run(drive(stack.plan, stack.launcher, args))
        report["processes"] = {p.name: p.starts for p in stack.launcher}
        report["logs"] = str(stack.plan.workdir)
    return report


FAIL_ON = ("lost", "duplicated", "unanswered", "duplicated_writes")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.prod", description=__doc__)
    parser.add_argument("--conversations", type=int, default=100)
    parser.add_argument("--arrival", type=float, default=1.2, help="seconds between arrivals")
    parser.add_argument("--think", type=float, nargs=2, default=(3.0, 6.0), metavar=("MIN", "MAX"))
    parser.add_argument("--no-kills", dest="kills", action="store_false")
    parser.add_argument("--keep", action="store_true", help="keep the database and queue")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    started = time.monotonic()
    report = run(args)
    report["total_s"] = round(time.monotonic() - started, 1)
    path = write_report("prod-check", report)
    print(json.dumps({k: v for k, v in report.items() if k != "examples"}, indent=2))
    failed = [k for k in FAIL_ON if report.get(k)]
    if report.get("customer_errors"):
        failed.append("customer_errors")
    print(f"prod-check: {'FAILED on ' + ', '.join(failed) if failed else 'passed'} ({path})")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
