"""`python -m handoff` serves on HANDOFF_HOST:HANDOFF_PORT, migrates, logs JSON, stops cleanly."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.support.ports import free_port

ROOT = Path(__file__).resolve().parents[2]


def test_serves_and_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    port = free_port()
    env = {
        **os.environ,
        "HANDOFF_PORT": str(port),
        "HANDOFF_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'var' / 'p.db'}",
        "RASA_URL": f"http://127.0.0.1:{free_port()}",
        "HANDOFF_LOG_FORMAT": "json",
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "handoff"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.time() + 20
        while time.time() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        else:
            raise AssertionError("service did not start")
        r = httpx.post(f"http://127.0.0.1:{port}/api/conversations", json={"language": "en"})
        assert r.status_code == 201
    finally:
        proc.send_signal(signal.SIGTERM)
        _out, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err
    records = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
    msgs = [r["msg"] for r in records]
    assert "database migrated" in msgs and "handoff service stopped" in msgs
    assert not [r for r in records if r["level"] == "ERROR"]
    assert "Traceback" not in err
