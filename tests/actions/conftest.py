"""Fixtures for the action tests: the REAL demo order API in a subprocess, trackers, dispatchers.

The order API (`.venv/bin/python -m shop`) is started once per session on a free port with a
temporary SQLite database and fault injection allowed; every test gets its own order client
pointed at it (and the faults reset afterwards).
"""

from __future__ import annotations

from tests.support.environments import require_assistant

require_assistant("rasa_sdk")

import os
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from rasa_sdk.executor import CollectingDispatcher

from actions.clients import orders as orders_client
from actions.clients.orders import OrderApiSettings, OrderClient
from launcher import Launcher, LaunchError, components, free_port

ROOT = Path(__file__).resolve().parents[2]

SHOP_PYTHON = Path(os.environ.get("SHOP_PYTHON", ROOT / ".venv" / "bin" / "python"))
API_KEY = "demo-order-key"


@pytest.fixture(scope="session")
def shop_url() -> Iterator[str]:
    """Starts `python -m shop` (seeded, faults allowed) and stops it after the session."""
    url = os.environ.get("TEST_SHOP_URL")
    if url:  # an already running shop (scripts/test-assistant.sh may start one)
        yield url.rstrip("/")
        return
    if not SHOP_PYTHON.exists():
        pytest.fail(f"{SHOP_PYTHON} missing: run `make install` (the order API needs .venv)")
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="shop-test-") as tmp, Launcher() as launcher:
        env = {
            "SHOP_DATABASE_URL": f"sqlite+aiosqlite:///{tmp}/shop.db",
            "SHOP_ALLOW_FAULTS": "1",
            "SHOP_API_KEY": API_KEY,
        }
        spec = components.shop(port, env, log=Path(tmp) / "shop.log", python=str(SHOP_PYTHON))
        try:
            launcher.start(spec, timeout=30)
        except LaunchError as exc:
            pytest.fail(f"order API did not start: {exc}")
        yield f"http://127.0.0.1:{port}"


def set_faults(shop_url: str, latency_ms: int = 0, error_rate: float = 0.0) -> None:
    response = httpx.put(
        f"{shop_url}/v1/admin/faults",
        json={"latency_ms": latency_ms, "error_rate": error_rate},
        headers={"X-API-Key": API_KEY},
        timeout=5,
    )
    response.raise_for_status()


@pytest.fixture
def faults(shop_url: str) -> Iterator[Any]:
    """`faults(latency_ms=…, error_rate=…)` for one test; reset afterwards."""

    def apply(latency_ms: int = 0, error_rate: float = 0.0) -> None:
        set_faults(shop_url, latency_ms, error_rate)

    yield apply
    set_faults(shop_url)


@pytest.fixture
async def client(shop_url: str) -> AsyncIterator[OrderClient]:
    """The order client the actions use, pointed at the test order API."""
    settings = OrderApiSettings(base_url=shop_url, api_key=API_KEY, timeout=1.0, deadline=2.0)
    client = OrderClient(settings)
    orders_client.set_client(client)
    try:
        yield client
    finally:
        orders_client.set_client(None)
        await client.aclose()


@pytest.fixture(scope="session")
def domain() -> dict[str, Any]:
    with open(ROOT / "domain.yml", encoding="utf-8") as fh:
        return yaml.safe_load(fh)


@pytest.fixture
def dispatcher() -> CollectingDispatcher:
    return CollectingDispatcher()
