"""`python -m shop` as a real process: seeds, serves, stops quickly on SIGTERM/SIGINT."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.support.ports import free_port
from tests.support.processes import module_env, start_module, wait_healthy


def shop_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    return module_env({k: v for k, v in os.environ.items() if not k.startswith("SHOP_")}, **extra)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_serves_seeded_data_and_stops_quickly(tmp_path: Path, sig: signal.Signals) -> None:
    port = free_port()
    env = shop_env(tmp_path, SHOP_PORT=str(port), SHOP_API_KEY="proc-key")
    proc = start_module("shop", env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        url = f"http://127.0.0.1:{port}"
        wait_healthy(f"{url}/v1/health", proc, timeout=20)
        assert (tmp_path / "var" / "shop.db").exists()  # default URL, relative to the CWD
        response = httpx.get(f"{url}/v1/orders/EF-100003", headers={"X-API-Key": "proc-key"})
        assert response.status_code == 200 and response.json()["status"] == "delivered"
        started = time.monotonic()
        proc.send_signal(sig)
        code = proc.wait(timeout=10)
        assert time.monotonic() - started < 5
        assert code == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    output = proc.stdout.read().decode() if proc.stdout else ""
    assert "Traceback" not in output
    assert "GET /v1/orders/EF-100003 200" in output  # the access log line


def test_seed_command_and_production_guard(tmp_path: Path) -> None:
    env = shop_env(tmp_path, SHOP_DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path}/x/s.db")
    run = [sys.executable, "-m", "shop", "seed"]
    first = subprocess.run(run, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert first.returncode == 0 and "orders inserted" in first.stderr
    again = subprocess.run(run, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert "0 orders inserted" in again.stderr  # not seeded twice
    reset = subprocess.run(
        [*run, "--reset"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
    )
    assert reset.returncode == 0 and "0 orders inserted" not in reset.stderr
    prod = subprocess.run(
        [sys.executable, "-m", "shop"],
        cwd=tmp_path,
        env={**env, "SHOP_ENV": "production"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert prod.returncode == 2 and "default SHOP_API_KEY" in prod.stderr
