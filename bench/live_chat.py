"""Customer → agent live chat under load, against the handoff service alone (issue 16).

    python -m bench.live_chat [--customers 100] [--think 2] [--messages 10] [--runs 1]

Starts the handoff service by itself (temporary SQLite database, the live analytics loop on as
in the demo profile; Rasa is not started, so every conversation is queued as
``bot_unavailable``), and runs path (c) of bench/load.py: every customer is claimed by one agent,
then sends ``--messages`` messages ``--think`` seconds apart; latency is from the customer's
``POST …/messages`` to the ``message`` frame on the agent's WebSocket. Prints, per run, the
figures with the machine's load average before and after and the service's SQLite write-lock
hold times by holder (``GET /health``: the analytics loop's longest hold is what the messages
behind it wait for). Writes bench/results/live-chat-latest.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import time
from typing import Any

import httpx

from bench import load
from bench.report import write_report
from bench.stack import Stack


async def _health(url: str) -> dict[str, Any]:
    async with httpx.AsyncClient(timeout=10) as http:
        return dict((await http.get(f"{url}/health")).json())


async def _run(stack: Stack, args: argparse.Namespace) -> dict[str, Any]:
    settings = load.LoadSettings(
        customers=args.customers,
        think_s=args.think,
        handoff_url=stack.handoff_url,
        agent_email=stack.agent[0],
        agent_password=stack.agent[1],
        agent_messages=args.messages,
        service_pid=stack.pids().get("handoff"),
    )
    before = os.getloadavg()[0]
    started = time.strftime("%H:%M:%S", time.gmtime())
    result = await load.run_agent(settings)
    health = await _health(stack.handoff_url)
    return {
        "started_utc": started,
        "load_avg_1m": [round(before, 2), round(os.getloadavg()[0], 2)],
        **{k: result.get(k) for k in ("count", "p50_ms", "p95_ms", "p99_ms", "max_ms")},
        "throughput": result.get("throughput_per_s"),
        "errors": result.get("errors"),
        "service_cpu_ms_per_message": result.get("service_cpu_ms_per_message"),
        "write_lock": health.get("write_lock"),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=100)
    parser.add_argument("--think", type=float, default=2.0)
    parser.add_argument("--messages", type=int, default=10)
    parser.add_argument("--runs", type=int, default=1, help="each on a fresh service")
    args = parser.parse_args()
    runs = []
    for _ in range(args.runs):
        stack = Stack(extra_env={"HANDOFF_LOG_LEVEL": "INFO"})
        try:
            stack.start(only={"handoff"}, timeout=120)
            runs.append(asyncio.run(_run(stack, args)))
        finally:
            stack.stop()
        print(json.dumps(runs[-1]), flush=True)
    write_report("live-chat", {"customers": args.customers, "think_s": args.think, "runs": runs})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
