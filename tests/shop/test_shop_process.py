"""`python -m shop` as a real process: seeds, serves, stops quickly on SIGTERM/SIGINT."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import httpx
import pytest

from launcher import Launcher, components, free_port

ROOT = Path(__file__).resolve().parents[2]


def shop_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHOP_")}
    env["PYTHONPATH"] = str(ROOT)
    env.update(extra)
    return env


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_serves_seeded_data_and_stops_quickly(tmp_path: Path, sig: signal.Signals) -> None:
    port = free_port()
    spec = replace(
        components.shop(port, log=tmp_path / "shop.log"),
        env=shop_env(tmp_path, SHOP_PORT=str(port), SHOP_API_KEY="proc-key"),
        inherit_env=False,
        cwd=tmp_path,
    )
    with Launcher() as launcher:
        process = launcher.start(spec, timeout=20)
        url = f"http://127.0.0.1:{port}"
        assert (tmp_path / "var" / "shop.db").exists()  # default URL, relative to the CWD
        response = httpx.get(f"{url}/v1/orders/EF-100003", headers={"X-API-Key": "proc-key"})
        assert response.status_code == 200 and response.json()["status"] == "delivered"
        started = time.monotonic()
        process.signal(sig)
        code = process.wait(timeout=10)
        assert time.monotonic() - started < 5
        assert code == 0
    output = process.output()
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
