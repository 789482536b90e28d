"""`python -m handoff` serves on HANDOFF_HOST:HANDOFF_PORT, migrates, logs JSON, stops cleanly."""

from __future__ import annotations

import json
from pathlib import Path

import httpx

from launcher import Launcher, components, free_port


def test_serves_and_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    port = free_port()
    env = {
        "HANDOFF_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'var' / 'p.db'}",
        "RASA_URL": f"http://127.0.0.1:{free_port()}",
        "HANDOFF_LOG_FORMAT": "json",
    }
    with Launcher() as launcher:
        process = launcher.start(
            components.handoff(port, env, log=tmp_path / "handoff.log"), timeout=20
        )
        r = httpx.post(f"http://127.0.0.1:{port}/api/conversations", json={"language": "en"})
        assert r.status_code == 201
        code = process.stop(grace=20)  # SIGTERM
    output = process.output()
    assert code == 0, output
    records = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    msgs = [r["msg"] for r in records]
    assert "database migrated" in msgs and "handoff service stopped" in msgs
    assert not [r for r in records if r["level"] == "ERROR"]
    assert "Traceback" not in output
