"""The action server's settings (actions.settings, pydantic 1's BaseSettings under Rasa): one
clear line per bad ORDER_API_* value, and the action server refuses to start on one."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from actions.clients.orders import OrderApiSettings
from actions.settings import ActionSettings, SettingsError
from launcher import free_port

ROOT = Path(__file__).resolve().parents[2]
RASA = ROOT / ".venv-rasa" / "bin" / "rasa"


def test_defaults_and_values() -> None:
    settings = ActionSettings.from_env({"ORDER_API_TIMEOUT": "", "ORDER_API_URL": "http://o:1/"})
    assert (settings.order_api_url, settings.order_api_timeout) == ("http://o:1", 1.0)
    assert settings.order_api_deadline == 2.0 and settings.order_api_key == "demo-order-key"


@pytest.mark.parametrize(
    ("env", "line"),
    [
        ({"ORDER_API_TIMEOUT": "abc"}, "ORDER_API_TIMEOUT must be a number, got 'abc'"),
        ({"ORDER_API_DEADLINE": "0"}, "ORDER_API_DEADLINE must be a positive number, got '0'"),
    ],
)
def test_a_bad_value_is_one_clear_line(env: dict[str, str], line: str) -> None:
    with pytest.raises(SettingsError) as exc:
        ActionSettings.from_env(env)
    assert str(exc.value) == line


def test_the_order_client_reads_them(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ORDER_API_TIMEOUT", "3")
    monkeypatch.setenv("ORDER_API_DEADLINE", "1")
    assert OrderApiSettings.from_env().deadline == 3.0  # never shorter than one attempt


def test_the_action_server_refuses_to_start_on_a_bad_value() -> None:
    if not RASA.exists():
        pytest.skip(f"{RASA} missing")
    done = subprocess.run(
        [str(RASA), "run", "actions", "--actions", "actions", "--port", str(free_port())],
        cwd=ROOT, env={**os.environ, "ORDER_API_TIMEOUT": "abc", "PYTHONPATH": str(ROOT)},
        capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert done.returncode == 1
    assert "configuration error: ORDER_API_TIMEOUT must be a number, got 'abc'" in done.stderr
    assert "Traceback" not in done.stderr
