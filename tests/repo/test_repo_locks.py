"""Issue 10: each environment installs only its lock file, so the locks must pin everything
pyproject.toml asks for, in range (scripts/check_locks.py, run by `make lint`)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "check_locks.py"

pytest.importorskip("tomllib", reason="scripts/check_locks.py needs Python 3.11 (.venv)")


def check(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), str(root)], capture_output=True, text=True, check=False
    )


def copy(tmp_path: Path) -> Path:
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    shutil.copytree(ROOT / "requirements", tmp_path / "requirements")
    return tmp_path


def test_the_locks_pin_what_pyproject_asks_for() -> None:
    done = check(ROOT)
    assert done.returncode == 0, done.stderr


def test_a_dependency_missing_from_a_lock_is_named(tmp_path: Path) -> None:
    root = copy(tmp_path)
    lock = root / "requirements" / "assistant.lock"
    lines = lock.read_text().splitlines()
    lock.write_text("\n".join(line for line in lines if not line.startswith("rasa-sdk==")))
    done = check(root)
    assert done.returncode == 1
    assert "requirements/assistant.lock lacks rasa-sdk" in done.stderr


def test_a_pin_outside_the_range_is_named(tmp_path: Path) -> None:
    root = copy(tmp_path)
    project = root / "pyproject.toml"
    project.write_text(project.read_text().replace('"sanic>=23.12"', '"sanic>=99"'))
    done = check(root)
    assert done.returncode == 1
    assert "requirements/service.lock pins sanic==" in done.stderr and "sanic>=99" in done.stderr
