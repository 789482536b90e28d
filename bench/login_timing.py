"""Login timing: does the response time tell whether an e-mail has an account, and does password
hashing stall other requests?

    python -m bench.login_timing [--rounds 20] [--parallel 8] [--seconds 5]

Starts `python -m handoff` (temporary SQLite database, a free port, login throttling raised so
that every attempt does the full password check) with one agent account, then measures:

- the median time of a wrong-password login for the known e-mail and for an unknown one;
- the p50/p95 time of `GET /health` alone, and while `--parallel` clients send wrong logins
  in a loop (argon2 on the event loop would delay every other request).

Prints one JSON object. `--server-pythonpath` runs another checkout's service (for a
before/after comparison).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from bench.stack import free_port, healthy

log = logging.getLogger("bench.login_timing")
EMAIL = "timing@example.com"
PASSWORD = "correct horse battery"
UNLIMITED = "100000 per minute"


def _env(db: Path, port: int, pythonpath: str | None) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "HANDOFF_ENV": "development",
            "HANDOFF_PORT": str(port),
            "HANDOFF_DATABASE_URL": f"sqlite+aiosqlite:///{db}",
            "RASA_URL": "http://127.0.0.1:9",
            "HANDOFF_LOG_LEVEL": "WARNING",
            "HANDOFF_LOGIN_LIMIT_ACCOUNT": UNLIMITED,
            "HANDOFF_LOGIN_LIMIT_ADDRESS": UNLIMITED,
        }
    )
    if pythonpath:
        env["PYTHONPATH"] = pythonpath
    return env


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


async def _login_ms(client: httpx.AsyncClient, email: str) -> float:
    started = time.perf_counter()
    r = await client.post("/api/auth/login", json={"email": email, "password": "wrong-password"})
    elapsed = (time.perf_counter() - started) * 1000
    if r.status_code != 401:
        raise RuntimeError(f"login answered {r.status_code}: {r.text}")
    return elapsed


async def _health_ms(client: httpx.AsyncClient, seconds: float) -> list[float]:
    times: list[float] = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        started = time.perf_counter()
        r = await client.get("/health")
        times.append((time.perf_counter() - started) * 1000)
        r.raise_for_status()
        await asyncio.sleep(0.01)
    return times


async def _measure(url: str, rounds: int, parallel: int, seconds: float) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=url, timeout=30) as client:
        for _ in range(3):  # warm up both paths
            await _login_ms(client, EMAIL)
            await _login_ms(client, "nobody@example.com")
        known = [await _login_ms(client, EMAIL) for _ in range(rounds)]
        unknown = [await _login_ms(client, f"nobody{i}@example.com") for i in range(rounds)]
        idle = await _health_ms(client, seconds)
        stop = asyncio.Event()

        async def attacker(index: int) -> int:
            count = 0
            async with httpx.AsyncClient(base_url=url, timeout=30) as own:
                while not stop.is_set():
                    await _login_ms(own, EMAIL if index % 2 else f"guess{index}@example.com")
                    count += 1
            return count

        attackers = [asyncio.create_task(attacker(i)) for i in range(parallel)]
        await asyncio.sleep(0.5)
        loaded = await _health_ms(client, seconds)
        stop.set()
        attempts = sum(await asyncio.gather(*attackers))
    return {
        "login_known_email_ms_median": round(statistics.median(known), 1),
        "login_unknown_email_ms_median": round(statistics.median(unknown), 1),
        "health_idle_ms": {
            "p50": round(_percentile(idle, 0.5), 1),
            "p95": round(_percentile(idle, 0.95), 1),
            "n": len(idle),
        },
        "health_during_parallel_logins_ms": {
            "p50": round(_percentile(loaded, 0.5), 1),
            "p95": round(_percentile(loaded, 0.95), 1),
            "n": len(loaded),
            "parallel_clients": parallel,
            "wrong_logins_done": attempts,
        },
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.login_timing")
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--parallel", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--server-pythonpath", default=None)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "handoff.db"
        port = free_port()
        env = _env(db, port, args.server_pythonpath)
        subprocess.run(
            [sys.executable, "-m", "handoff", "create-user", "--email", EMAIL, "--name", "Timing",
             "--role", "agent", "--password", PASSWORD],
            env=env,
            cwd=args.server_pythonpath,  # `-m` puts the working directory first on the path
            check=True,
        )  # fmt: skip
        server = subprocess.Popen(
            [sys.executable, "-m", "handoff"], env=env, cwd=args.server_pythonpath
        )
        try:
            url = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 60
            while not healthy(url + "/health"):
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError("the handoff service did not start")
                time.sleep(0.2)
            result = asyncio.run(_measure(url, args.rounds, args.parallel, args.seconds))
        finally:
            server.terminate()
            server.wait(timeout=15)
    sys.stdout.write(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
