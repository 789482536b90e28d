"""Fault benchmark: live customers while one part of the stack is killed, hung or slow.

    python -m bench --parts faults [--customers 8]

For each scenario, ``customers`` conversations (half signed-in, half anonymous; REST, resending
with the same ``client_message_id`` until the service stores the message, as the widget does)
talk to the full stack while the fault is injected ``FAULT_AT`` seconds in and removed after
``hold`` seconds (kill -9 then restart; SIGSTOP then SIGCONT; order-API faults then reset).
Afterwards every conversation is audited against the store and against Rasa's tracker:

- ``lost``: a message the customer sent that the service never stored;
- ``duplicated``: a message stored twice, or processed twice by the bot (two user events in the
  tracker with the same ``handoff_message_id``);
- ``unanswered``: a stored message with no answer (a bot reply or a service notice other than
  "still checking") before the customer's next message.

Per scenario also: seconds from sending to the first answer (any reply, the "still checking"
notice included) and to the human queue (the ``bot_unavailable``/queue notice), the maximum over
the messages sent while the fault was on, and whether (and how fast) a new conversation reaches
the bot again after the part came back (``recovered_s``).
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import signal
import statistics
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from bench import client
from bench.stack import Stack
from handoff.security import demo_customer_token

log = logging.getLogger(__name__)

FAULT_AT = 1.5
THINK_S = 1.0
QUEUE_EVENTS = {"bot_unavailable", "queued", "nobody_online"}
SCRIPT = ["hello", "Where is my order?", "EF-100001", "thanks"]
_ids = itertools.count(1)


@dataclass
class Scenario:
    name: str
    inject: Callable[[Stack], None]
    restore: Callable[[Stack], None]
    hold: float = 5.0


def _kill(name: str) -> Callable[[Stack], None]:
    return lambda stack: stack.send_signal(name, signal.SIGKILL)


def _restart(name: str) -> Callable[[Stack], None]:
    def restore(stack: Stack) -> None:
        took = stack.restart(name)
        log.info("%s restarted in %.1f s", name, took)

    return restore


def _signal(name: str, sig: int) -> Callable[[Stack], None]:
    return lambda stack: stack.send_signal(name, sig)


def _shop_faults(latency_ms: int, error_rate: float) -> Callable[[Stack], None]:
    def apply(stack: Stack) -> None:
        httpx.put(
            f"{stack.shop_url}/v1/admin/faults",
            json={"latency_ms": latency_ms, "error_rate": error_rate},
            headers={"X-API-Key": stack.shop_api_key},
            timeout=5,
        ).raise_for_status()

    return apply


SCENARIOS = [
    Scenario("kill_handoff", _kill("handoff"), _restart("handoff"), hold=2.0),
    Scenario("kill_actions", _kill("actions"), _restart("actions"), hold=2.0),
    Scenario("kill_order_api", _kill("shop"), _restart("shop"), hold=2.0),
    Scenario(
        "hung_rasa", _signal("rasa", signal.SIGSTOP), _signal("rasa", signal.SIGCONT), hold=8.0
    ),
    Scenario(
        "hung_actions",
        _signal("actions", signal.SIGSTOP),
        _signal("actions", signal.SIGCONT),
        hold=8.0,
    ),
    Scenario("slow_order_api", _shop_faults(3000, 0.0), _shop_faults(0, 0.0), hold=8.0),
    Scenario("failing_order_api", _shop_faults(0, 1.0), _shop_faults(0, 0.0), hold=8.0),
    # last: reloading the model takes longest
    Scenario("kill_rasa", _kill("rasa"), _restart("rasa"), hold=2.0),
]


@dataclass
class Sent:
    conversation_id: str
    client_id: str
    text: str
    sent_at: float
    seq: int | None = None
    first_answer_s: float | None = None
    answer_s: float | None = None
    queue_s: float | None = None


@dataclass
class Customer:
    conversation_id: str = ""
    token: str = ""
    sent: list[Sent] = field(default_factory=list)
    queued: bool = False


def _is_answer(message: dict[str, Any]) -> bool:
    if message.get("role") == "bot":
        return True
    event = (message.get("custom") or {}).get("event")
    return message.get("role") == "system" and event != "still_checking"


def _is_queue(message: dict[str, Any]) -> bool:
    return (message.get("custom") or {}).get("event") in QUEUE_EVENTS


async def _retry(call: Callable[[], Any], until: float) -> httpx.Response:
    """Repeat a request until the service answers it (not 5xx); None-safe for dead processes."""
    while True:
        try:
            response: httpx.Response = await call()
            if response.status_code < 500:
                return response
        except httpx.HTTPError:
            pass
        if time.monotonic() > until:
            raise TimeoutError("the service never answered")
        await asyncio.sleep(0.5)


async def _see(sent: Sent, replies: list[dict[str, Any]], customer: Customer) -> None:
    now = time.monotonic() - sent.sent_at
    for message in replies:
        if sent.seq is not None and message.get("seq", 0) <= sent.seq:
            continue
        if message.get("role") == "customer":
            break
        if message.get("role") in ("bot", "system") and sent.first_answer_s is None:
            sent.first_answer_s = now
        if _is_answer(message) and sent.answer_s is None:
            sent.answer_s = now
        if _is_queue(message) and sent.queue_s is None:
            sent.queue_s = now
            customer.queued = True


async def _send(
    http: httpx.AsyncClient, customer: Customer, text: str, *, wait_s: float = 30.0
) -> Sent:
    sent = Sent(customer.conversation_id, f"f{next(_ids)}", text, time.monotonic())
    customer.sent.append(sent)
    headers = {"Authorization": f"Bearer {customer.token}"}
    path = f"/api/conversations/{customer.conversation_id}/messages"

    def post() -> Any:
        # as the widget does: how long the message has been waiting to get through
        waited = round((time.monotonic() - sent.sent_at) * 1000)
        body = {"client_message_id": sent.client_id, "text": text, "waited_ms": waited}
        return http.post(path, json=body, headers=headers, timeout=10)

    try:
        response = await _retry(post, time.monotonic() + 60)
    except TimeoutError:
        return sent  # lost unless the audit finds it
    data = response.json()
    sent.seq = data["message"]["seq"]
    await _see(sent, data.get("replies") or [], customer)
    deadline = time.monotonic() + wait_s
    while sent.answer_s is None and time.monotonic() < deadline:
        await asyncio.sleep(0.25)
        try:
            got = await http.get(path, params={"after": sent.seq}, headers=headers, timeout=5)
        except httpx.HTTPError:
            continue
        if got.status_code == 200:
            await _see(sent, got.json()["messages"], customer)
    return sent


async def _customer(http: httpx.AsyncClient, stack: Stack, index: int) -> Customer:
    customer = Customer()
    body: dict[str, Any] = {"language": "en"}
    if index % 2 == 0:
        body["customer_token"] = demo_customer_token(stack.shop_secret, "C0001")
    created = await _retry(
        lambda: http.post("/api/conversations", json=body, timeout=10), time.monotonic() + 60
    )
    data = created.json()
    customer.conversation_id, customer.token = data["conversation_id"], data["token"]
    await asyncio.sleep(index * 0.15)  # spread the customers over the think time
    for text in SCRIPT:
        await _send(http, customer, text)
        if customer.queued:
            break  # with a human now: nothing more for the bot
        await asyncio.sleep(THINK_S)
    return customer


async def _audit(
    http: httpx.AsyncClient, stack: Stack, customers: list[Customer]
) -> dict[str, int]:
    lost = duplicated = unanswered = 0
    async with httpx.AsyncClient(base_url=stack.rasa_url, timeout=20) as rasa:
        for customer in customers:
            if not customer.conversation_id:
                continue
            headers = {"Authorization": f"Bearer {customer.token}"}
            history = (
                await http.get(
                    f"/api/conversations/{customer.conversation_id}/messages", headers=headers
                )
            ).json()["messages"]
            stored = Counter(m["client_message_id"] for m in history if m["role"] == "customer")
            duplicated += sum(n - 1 for n in stored.values() if n > 1)
            lost += sum(1 for s in customer.sent if stored[s.client_id] == 0)
            unanswered += len(client.unanswered(history, _is_answer))
            duplicated += await client.processed_twice(
                rasa, customer.conversation_id, stack.rasa_token
            )
    return {"lost": lost, "duplicated": duplicated, "unanswered": unanswered}


async def _recovery(http: httpx.AsyncClient, since: float, limit: float = 120.0) -> float | None:
    """Seconds after `since` until a new conversation gets an answer from the bot itself."""
    while time.monotonic() - since < limit:
        customer = Customer()
        try:
            data = (await http.post("/api/conversations", json={"language": "en"})).json()
        except httpx.HTTPError:
            await asyncio.sleep(1)
            continue
        customer.conversation_id, customer.token = data["conversation_id"], data["token"]
        sent = await _send(http, customer, "hello", wait_s=10)
        if sent.answer_s is not None and not customer.queued:
            return round(time.monotonic() - since, 1)
        await asyncio.sleep(1)
    return None


def _max(values: list[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return round(max(present), 2) if present else None


def _p50(values: list[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return round(statistics.median(present), 2) if present else None


async def run_scenario(stack: Stack, scenario: Scenario, customers: int) -> dict[str, Any]:
    log.info("fault scenario %s", scenario.name)
    async with httpx.AsyncClient(base_url=stack.handoff_url, timeout=10) as http:
        tasks = [asyncio.create_task(_customer(http, stack, i)) for i in range(customers)]
        await asyncio.sleep(FAULT_AT)
        fault_on = time.monotonic()
        await asyncio.to_thread(scenario.inject, stack)
        await asyncio.sleep(scenario.hold)
        await asyncio.to_thread(scenario.restore, stack)
        fault_off = time.monotonic()
        results = await asyncio.gather(*tasks, return_exceptions=True)
        done = [r for r in results if isinstance(r, Customer)]
        errors = [repr(r) for r in results if not isinstance(r, Customer)]
        recovered = await _recovery(http, fault_off)
        await asyncio.sleep(2)  # let re-driven turns land before the audit
        counts = await _audit(http, stack, done)
    during = [s for c in done for s in c.sent if fault_on - 0.5 <= s.sent_at <= fault_off]
    every = [s for c in done for s in c.sent]
    return {
        **counts,
        "messages": len(every),
        "messages_during_fault": len(during),
        "first_answer_s_max": _max([s.first_answer_s for s in during]),
        "first_answer_s_p50": _p50([s.first_answer_s for s in during]),
        "answer_s_max": _max([s.answer_s for s in during]),
        "human_queue_s_max": _max([s.queue_s for s in every]),
        "conversations_queued": sum(1 for c in done if c.queued),
        "over_5s": sum(1 for s in during if (s.first_answer_s or 1e9) > 5.0),
        "fault_seconds": round(fault_off - fault_on, 1),
        "recovered_s": recovered,
        "errors": errors,
    }


async def run(stack: Stack, customers: int, only: str | None = None) -> dict[str, Any]:
    import re

    scenarios = [s for s in SCENARIOS if not only or re.search(only, s.name)]
    report: dict[str, Any] = {"customers": customers, "scenarios": {}}
    for scenario in scenarios:
        report["scenarios"][scenario.name] = await run_scenario(stack, scenario, customers)
        log.info("%s: %s", scenario.name, report["scenarios"][scenario.name])
    for key in ("lost", "duplicated", "unanswered"):
        report[key] = sum(r[key] for r in report["scenarios"].values())
    return report


def rows(report: dict[str, Any]) -> list[list[Any]]:
    return [
        [
            name,
            r["messages"],
            r["lost"],
            r["duplicated"],
            r["unanswered"],
            r["first_answer_s_max"],
            r["human_queue_s_max"],
            r["conversations_queued"],
            r["recovered_s"],
        ]
        for name, r in report["scenarios"].items()
    ]


HEADERS = [
    "scenario",
    "msgs",
    "lost",
    "dup",
    "unanswered",
    "1st answer max s",
    "to queue max s",
    "queued",
    "recovered s",
]
