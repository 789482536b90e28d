"""Handoff service figures: customer→agent latency (agent mode) and service RSS, idle and with
1,000 open customer WebSockets.

Starts `python -m handoff` on a free port with a temporary SQLite database and no Rasa (so each
conversation is queued for a human at its first message: reason `bot_unavailable`), creates an
agent with the CLI, then measures from this (client) process.

    .venv/bin/python bench/handoff_ws.py [--messages 300] [--sockets 1000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from websockets.asyncio.client import connect

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


async def wait_ready(url: str, timeout: float = 30) -> None:
    deadline = time.time() + timeout
    async with httpx.AsyncClient() as client:
        while time.time() < deadline:
            try:
                if (await client.get(url + "/health")).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.1)
    raise RuntimeError("service did not start")


async def queued_conversation(client: httpx.AsyncClient) -> dict[str, str]:
    conv = (await client.post("/api/conversations", json={"language": "en"})).json()
    r = await client.post(
        f"/api/conversations/{conv['conversation_id']}/messages",
        headers={"Authorization": f"Bearer {conv['token']}"},
        json={"client_message_id": "0", "text": "hello"},
    )
    r.raise_for_status()
    return dict(conv)


async def latency(base: str, ws_base: str, messages: int) -> list[float]:
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        login = await client.post(
            "/api/auth/login", json={"email": "bench@shop.example", "password": "bench-password"}
        )
        agent_token = login.json()["token"]
        conv = await queued_conversation(client)
        headers = {"Authorization": f"Bearer {agent_token}"}
        (await client.post("/api/queue/next", headers=headers)).raise_for_status()
    cid, token = conv["conversation_id"], conv["token"]
    samples: list[float] = []
    async with (
        connect(f"{ws_base}/ws/agent", additional_headers=headers) as agent_ws,
        connect(f"{ws_base}/ws/conversations/{cid}?token={token}") as customer,
    ):
        await agent_ws.recv()
        await customer.recv()
        for n in range(messages):
            text = f"latency probe {n}"
            sent = time.perf_counter()
            await customer.send(
                json.dumps({"type": "message", "client_message_id": f"p{n}", "text": text})
            )
            while True:
                frame = json.loads(await asyncio.wait_for(agent_ws.recv(), 10))
                if frame.get("type") == "message" and frame["message"]["text"] == text:
                    samples.append((time.perf_counter() - sent) * 1000)
                    break
    return samples


async def open_sockets(base: str, ws_base: str, count: int) -> tuple[list[object], float]:
    sem = asyncio.Semaphore(50)
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:

        async def create() -> dict[str, str]:
            async with sem:
                r = await client.post("/api/conversations", json={"language": "en"})
                return dict(r.json())

        convs = await asyncio.gather(*(create() for _ in range(count)))
    started = time.perf_counter()
    sockets: list[object] = []

    async def open_one(conv: dict[str, str]) -> None:
        async with sem:
            ws = await connect(
                f"{ws_base}/ws/conversations/{conv['conversation_id']}?token={conv['token']}",
                open_timeout=30,
            )
            await ws.recv()  # hello
            sockets.append(ws)

    await asyncio.gather(*(open_one(c) for c in convs))
    return sockets, time.perf_counter() - started


async def measure(proc: subprocess.Popen[bytes], port: int, args: argparse.Namespace) -> dict:  # type: ignore[type-arg]
    base, ws_base = f"http://127.0.0.1:{port}", f"ws://127.0.0.1:{port}"
    await wait_ready(base)
    await latency(base, ws_base, 20)  # warm-up
    await asyncio.sleep(1)
    idle = rss_mib(proc.pid)
    samples = await latency(base, ws_base, args.messages)
    sockets, open_seconds = await open_sockets(base, ws_base, args.sockets)
    await asyncio.sleep(2)
    loaded = rss_mib(proc.pid)
    async with httpx.AsyncClient() as client:
        alive = (await client.get(base + "/health")).status_code == 200
    for ws in sockets:
        await ws.close()  # type: ignore[attr-defined]
    return {
        "customer_to_agent_latency_ms": {
            "messages": len(samples),
            "p50": round(statistics.median(samples), 2),
            "p95": round(percentile(samples, 0.95), 2),
            "max": round(max(samples), 2),
        },
        "rss_mib": {
            "idle": round(idle, 1),
            f"with_{args.sockets}_customer_websockets": round(loaded, 1),
            "per_socket_kib": round((loaded - idle) * 1024 / max(1, args.sockets), 1),
        },
        "sockets_open_seconds": round(open_seconds, 2),
        "healthy_under_load": alive,
        "database": "sqlite (temp file)",
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=300)
    parser.add_argument("--sockets", type=int, default=1000)
    args = parser.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, args.sockets * 3)), hard))
    tmp = Path(tempfile.mkdtemp(prefix="handoff-bench-"))
    port = free_port()
    env = {
        **os.environ,
        "HANDOFF_PORT": str(port),
        "HANDOFF_DATABASE_URL": f"sqlite+aiosqlite:///{tmp / 'bench.db'}",
        "RASA_URL": f"http://127.0.0.1:{free_port()}",  # nobody listens: queue for a human
        "HANDOFF_LOG_LEVEL": "WARNING",
    }
    py = sys.executable
    subprocess.run(
        [
            py,
            "-m",
            "handoff",
            "create-user",
            "--email",
            "bench@shop.example",
            "--name",
            "Bench",
            "--role",
            "agent",
            "--password",
            "bench-password",
        ],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    proc = subprocess.Popen([py, "-m", "handoff"], env=env, cwd=ROOT, stderr=subprocess.DEVNULL)
    try:
        figures = asyncio.run(measure(proc, port, args))
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    print(json.dumps(figures, indent=2))
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "handoff_ws.json").write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    main()
