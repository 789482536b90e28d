"""Load and latency: Rasa REST directly, the gateway in bot mode, customer→agent delivery.

    python -m bench.load --rasa-url URL --rasa-token T --handoff-url URL \\
        [--customers 20] [--think 0] [--agent-email E --agent-password P] [--pid name=PID ...]

Every simulated customer plays the same short conversation (greeting, order status with
verification, thanks, no more questions). Measured per message:

(a) ``rasa``: ``POST /webhooks/rest/webhook`` on Rasa directly (the bot's own latency);
(b) ``gateway``: ``POST /api/conversations/{id}/messages`` on the handoff service in bot mode
    (store + Rasa + store + relay; replies come back synchronously, so it is comparable to a),
    and ``gateway_ws``: the widget's path, WebSocket send → first bot message event;
(c) ``agent``: conversations handed to a human (customer asks for one), claimed by an agent via
    the agent API; customer message (REST) → receipt on the agent's WebSocket.

p50/p95/p99, throughput (messages/s over the phase) and the ratio (b)/(a) are reported; with
``--pid`` (or from `python -m bench`) the peak RSS of each process, sampled with psutil.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sys
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import websockets

from bench.client import AgentClient, ApiError, CustomerClient, ws_url
from bench.metrics import Tally
from bench.report import cli_parser, log_to_stderr, print_table, settings_from, write_report
from bench.sampling import CpuMeter, RssSampler

log = logging.getLogger(__name__)

SCRIPT = (
    "hello",
    "where is my order EF-100001",
    "alice@example.com",
    "great, thanks",
    "no, that's all",
)
HUMAN_REQUEST = "I want to talk to a human please"


@dataclass
class LoadSettings:
    customers: int = 20
    think_s: float = 0.0
    rasa_url: str | None = None
    rasa_token: str | None = None
    handoff_url: str | None = None
    agent_email: str | None = None
    agent_password: str | None = None
    agent_messages: int = 10
    # the handoff service's pid: its CPU time per customer→agent message is reported
    service_pid: int | None = None
    # path (c): "spread" (first messages spaced over one think time) or "together" (every
    # customer sends at the same instant, so N messages arrive as one burst every think time)
    arrival: str = "spread"


ARRIVALS = ("spread", "together")


def _limits(settings: LoadSettings) -> httpx.Limits:
    """A kept-alive connection per customer, as each browser has its own (httpx's default pool
    keeps 20 of 100 open and queues requests beyond 100, which would time the client)."""
    size = settings.customers + 5
    return httpx.Limits(max_connections=size, max_keepalive_connections=size)


@asynccontextmanager
async def _customer_client(settings: LoadSettings) -> AsyncIterator[CustomerClient]:
    """The handoff service's customer API over one client with a connection per customer."""
    assert settings.handoff_url
    async with httpx.AsyncClient(timeout=60, limits=_limits(settings)) as http:
        yield CustomerClient(settings.handoff_url, http)


async def _think(settings: LoadSettings) -> None:
    if settings.think_s > 0:
        await asyncio.sleep(settings.think_s)


async def _all_customers(
    settings: LoadSettings, customer: Callable[[int], Awaitable[None]]
) -> float:
    """Run every customer at once; the seconds they took."""
    started = time.perf_counter()
    await asyncio.gather(*(customer(i) for i in range(settings.customers)))
    return time.perf_counter() - started


async def run_rasa(settings: LoadSettings) -> dict[str, Any]:
    """(a) Rasa's REST channel directly."""
    assert settings.rasa_url
    tally = Tally()
    url = f"{settings.rasa_url.rstrip('/')}/webhooks/rest/webhook"
    async with httpx.AsyncClient(timeout=60, limits=_limits(settings)) as http:

        async def customer(index: int) -> None:
            sender = f"load-rasa-{uuid.uuid4().hex[:12]}"
            meta = {"language": "en", "customer_id": None, "channel": "web"}
            for text in SCRIPT:
                started = time.perf_counter()
                body = {"sender": sender, "message": text, "metadata": meta}
                response = await http.post(url, json=body)
                if response.status_code == 200:
                    tally.answered(started)
                else:
                    tally.errors += 1
                await _think(settings)

        return tally.summary(await _all_customers(settings, customer))


async def run_gateway(settings: LoadSettings) -> dict[str, Any]:
    """(b) The same conversation through the gateway's REST channel, in bot mode."""
    assert settings.handoff_url
    tally = Tally()
    async with _customer_client(settings) as client:

        async def customer(index: int) -> None:
            conv = await client.create("en")
            for text in SCRIPT:
                started = time.perf_counter()
                try:
                    reply = await client.send(conv, text)
                except (ApiError, httpx.HTTPError):
                    tally.errors += 1
                    continue
                if not reply.get("replies"):
                    tally.errors += 1
                tally.answered(started)
                await _think(settings)

        return tally.summary(await _all_customers(settings, customer))


async def run_gateway_ws(settings: LoadSettings) -> dict[str, Any]:
    """(b, widget path) WebSocket send → first bot message event."""
    assert settings.handoff_url
    tally = Tally()
    async with _customer_client(settings) as client:

        async def customer(index: int) -> None:
            conv = await client.create("en")
            url = f"{ws_url(client.base_url)}/ws/conversations/{conv.id}?token={conv.token}"
            async with websockets.connect(url, open_timeout=30) as ws:
                for n, text in enumerate(SCRIPT):
                    cid = f"lw-{index}-{n}-{uuid.uuid4().hex[:6]}"
                    started = time.perf_counter()
                    await ws.send(
                        json.dumps({"type": "message", "client_message_id": cid, "text": text})
                    )
                    own_seq: int | None = None
                    try:
                        async with asyncio.timeout(60):
                            while True:
                                frame = json.loads(await ws.recv())
                                if (
                                    frame.get("type") == "ack"
                                    and frame.get("client_message_id") == cid
                                ):
                                    own_seq = int(frame["message"]["seq"])
                                    continue
                                message = frame.get("message") or {}
                                if (
                                    frame.get("type") == "message"
                                    and message.get("role") in ("bot", "system")
                                    and own_seq is not None
                                    and int(message.get("seq", 0)) > own_seq
                                ):
                                    tally.answered(started)
                                    break
                    except TimeoutError:
                        tally.errors += 1
                    # let the rest of this turn's replies arrive before the next message
                    await asyncio.sleep(max(settings.think_s, 0.3))

        result = tally.summary(await _all_customers(settings, customer))
    result["note"] = (
        "includes a 0.3 s pause per message (turn boundaries); throughput not comparable"
    )
    return result


async def _queued_and_claimed(
    count: int, customers: CustomerClient, agent: AgentClient, tally: Tally
) -> list[Any]:
    """`count` customers ask for a person; the agent claims each handoff (failures tallied)."""
    convs = []
    for _ in range(count):
        conv = await customers.create("en")
        await customers.send(conv, HUMAN_REQUEST)
        convs.append(conv)
    claimed = []
    for conv in convs:
        summary = await agent.handoff_for(conv.id)
        if summary is None:
            tally.errors += 1
            continue
        try:
            await agent.post(f"/api/handoffs/{summary['id']}/claim")
            claimed.append(conv)
        except ApiError as exc:
            log.warning("claim failed: %s", exc)
            tally.errors += 1
    return claimed


async def run_agent(settings: LoadSettings) -> dict[str, Any]:
    """(c) Customer message → agent WebSocket, for conversations claimed by one agent."""
    assert settings.handoff_url and settings.agent_email and settings.agent_password
    tally = Tally()
    async with httpx.AsyncClient(timeout=60, limits=_limits(settings)) as http:
        customers = CustomerClient(settings.handoff_url, http)
        agent = AgentClient(settings.handoff_url, http)
        await agent.login(settings.agent_email, settings.agent_password)
        await agent.http.put(
            f"{agent.base_url}/api/agent/status", json={"available": True}, headers=agent.auth
        )
        waiting: dict[str, asyncio.Future[float]] = {}
        async with websockets.connect(
            agent.ws_url(), open_timeout=30, additional_headers=agent.ws_headers()
        ) as ws:

            async def reader() -> None:
                async for raw in ws:
                    frame = json.loads(raw)
                    if frame.get("type") != "message":
                        continue
                    text = str((frame.get("message") or {}).get("text") or "")
                    future = waiting.pop(text, None)
                    if future is not None and not future.done():
                        future.set_result(time.perf_counter())

            reading = asyncio.create_task(reader())
            claimed = await _queued_and_claimed(settings.customers, customers, agent, tally)
            loop = asyncio.get_running_loop()

            # Each customer its own client, as each browser is: one shared pool of 100
            # connections costs the generator O(connections) socket checks per request, which
            # showed as 50-260 ms pauses of its own event loop (issue 16). Connected (and the
            # clients' setup paid) before the clock starts.
            browsers = [httpx.AsyncClient(timeout=60) for _ in claimed]
            await asyncio.gather(*(b.get(f"{customers.base_url}/health") for b in browsers))

            async def customer(index: int, conv: Any) -> None:
                browser = CustomerClient(customers.base_url, browsers[index])
                if settings.arrival == "spread":
                    # customers do not all type at the same instant: the first messages are
                    # spaced evenly over one think time (then each keeps its own rhythm)
                    await asyncio.sleep(settings.think_s * index / len(claimed))
                for n in range(settings.agent_messages):
                    text = f"question {n} from customer {index} [{uuid.uuid4().hex[:8]}]"
                    future: asyncio.Future[float] = loop.create_future()
                    waiting[text] = future
                    started = time.perf_counter()
                    try:
                        await browser.send(conv, text)
                        received = await asyncio.wait_for(future, 30)
                        tally.answered(started, received)
                    except (TimeoutError, ApiError, httpx.HTTPError):
                        tally.errors += 1
                        waiting.pop(text, None)
                    await _think(settings)

            cpu = CpuMeter(settings.service_pid)
            started = time.perf_counter()
            await asyncio.gather(*(customer(i, c) for i, c in enumerate(claimed)))
            duration = time.perf_counter() - started
            reading.cancel()
            await asyncio.gather(*(b.aclose() for b in browsers))
    return {
        **tally.summary(duration),
        "claimed": len(claimed),
        "arrival": settings.arrival,
        **cpu.figures(len(tally.samples)),
    }


async def run_load(settings: LoadSettings, parts: Sequence[str]) -> dict[str, Any]:
    results: dict[str, Any] = {
        "customers": settings.customers,
        "think_s": settings.think_s,
        "messages_per_customer": len(SCRIPT),
    }
    if "rasa" in parts and settings.rasa_url:
        log.info("load (a): Rasa REST channel, %d customers", settings.customers)
        results["rasa"] = await run_rasa(settings)
    if "gateway" in parts and settings.handoff_url:
        log.info("load (b): gateway REST in bot mode, %d customers", settings.customers)
        results["gateway"] = await run_gateway(settings)
        log.info("load (b): gateway WebSocket in bot mode, %d customers", settings.customers)
        results["gateway_ws"] = await run_gateway_ws(settings)
    if "agent" in parts and settings.handoff_url and settings.agent_email:
        log.info("load (c): customer → agent delivery, %d customers", settings.customers)
        results["agent"] = await run_agent(settings)
    a, b = results.get("rasa"), results.get("gateway")
    if a and b and a.get("p50_ms") and b.get("p50_ms"):
        results["ratio_gateway_over_rasa"] = {
            key: round(b[key] / a[key], 2) for key in ("p50_ms", "p95_ms", "p99_ms") if a.get(key)
        }
    return results


def print_load(results: dict[str, Any]) -> None:
    rows = []
    labels = {
        "rasa": "(a) Rasa REST direct",
        "gateway": "(b) gateway REST, bot mode",
        "gateway_ws": "(b) gateway WebSocket, bot mode",
        "agent": "(c) customer → agent WS",
    }
    for key, label in labels.items():
        r = results.get(key)
        if r:
            rows.append(
                [
                    label,
                    r["count"],
                    r["p50_ms"],
                    r["p95_ms"],
                    r["p99_ms"],
                    r.get("throughput_per_s"),
                    r.get("errors"),
                ]
            )
    print(f"\nload: {results['customers']} concurrent customers, think time {results['think_s']} s")
    print_table(["path", "messages", "p50 ms", "p95 ms", "p99 ms", "msg/s", "errors"], rows)
    ratio = results.get("ratio_gateway_over_rasa")
    if ratio:
        print(
            f"ratio (b)/(a): p50 {ratio.get('p50_ms')}, p95 {ratio.get('p95_ms')}, "
            f"p99 {ratio.get('p99_ms')}"
        )
    agent = results.get("agent") or {}
    if agent.get("load_average_1m") is not None:
        print(
            f"(c): load average {agent['load_average_1m']} (1 min), service CPU "
            f"{agent.get('service_cpu_ms_per_message', '?')} ms per message"
        )
    rss = results.get("peak_rss_mb")
    if rss:
        print("peak RSS (MB): " + ", ".join(f"{k} {v}" for k, v in rss.items()))


def main(argv: Sequence[str] | None = None) -> int:
    parser = cli_parser("python -m bench.load", __doc__)
    parser.add_argument("--customers", type=int, default=20)
    parser.add_argument("--think", type=float, default=0.0, help="seconds between messages")
    parser.add_argument("--rasa-url", default=os.environ.get("RASA_URL"))
    parser.add_argument("--rasa-token", default=os.environ.get("RASA_TOKEN"))
    parser.add_argument("--handoff-url", default=os.environ.get("HANDOFF_URL"))
    parser.add_argument("--agent-email", default=os.environ.get("BENCH_AGENT_EMAIL"))
    parser.add_argument("--agent-password", default=os.environ.get("BENCH_AGENT_PASSWORD"))
    parser.add_argument("--parts", default="rasa,gateway,agent")
    parser.add_argument(
        "--agent-messages", type=int, default=10, help="messages per customer on path (c)"
    )
    parser.add_argument(
        "--arrival", choices=ARRIVALS, default="spread", help="path (c): first messages"
    )
    parser.add_argument("--service-pid", type=int, help="the handoff service (CPU per message)")
    parser.add_argument("--pid", action="append", default=[], help="name=PID to sample RSS")
    args = parser.parse_args(argv)
    log_to_stderr()
    settings = settings_from(LoadSettings, args, think_s=args.think)
    try:
        pids = {k: int(v) for k, v in (p.split("=", 1) for p in args.pid)}
    except ValueError:
        print("load: --pid takes name=PID", file=sys.stderr)
        return 2
    with RssSampler(pids) as sampler:
        results = asyncio.run(run_load(settings, args.parts.split(",")))
    if pids:
        results["peak_rss_mb"] = sampler.peak_mb()
    print_load(results)
    print(f"\nreport: {write_report('load', results)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
