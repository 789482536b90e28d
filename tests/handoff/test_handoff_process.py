"""`python -m handoff` serves on HANDOFF_HOST:HANDOFF_PORT, migrates, logs JSON, stops cleanly."""

from __future__ import annotations

import json
import signal
import subprocess
from pathlib import Path

import httpx

from tests.support.ports import free_port
from tests.support.processes import module_env, start_module, wait_healthy


def test_serves_and_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    port = free_port()
    env = module_env(
        HANDOFF_PORT=str(port),
        HANDOFF_DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'var' / 'p.db'}",
        RASA_URL=f"http://127.0.0.1:{free_port()}",
        HANDOFF_LOG_FORMAT="json",
    )
    proc = start_module("handoff", env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        wait_healthy(f"http://127.0.0.1:{port}/health", proc, timeout=20)
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
