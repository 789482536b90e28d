"""The project's servers as real processes (`python -m handoff`, `python -m shop`).

The project is not installed: a child runs from the repository root, or elsewhere with
PYTHONPATH=<root> (module_env)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import IO, Any

import httpx

ROOT = Path(__file__).resolve().parents[2]


def module_env(base: dict[str, str] | None = None, **extra: str) -> dict[str, str]:
    """`base` (default: this process's environment) + PYTHONPATH=<root> + `extra`."""
    return {**(os.environ if base is None else base), "PYTHONPATH": str(ROOT), **extra}


def start_module(
    module: str,
    env: dict[str, str],
    *,
    cwd: Path = ROOT,
    stdout: int | IO[Any] | None = None,
    stderr: int | IO[Any] | None = None,
    text: bool = False,
) -> subprocess.Popen[Any]:
    """`python -m <module>` with this interpreter."""
    return subprocess.Popen(
        [sys.executable, "-m", module], env=env, cwd=cwd, stdout=stdout, stderr=stderr, text=text
    )


def wait_healthy(
    url: str, proc: subprocess.Popen[Any], timeout: float = 60, log: Path | None = None
) -> None:
    """Poll `url` until it answers 200; fail (with the log, if any) when the process exits first
    or the time is up."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        exited = proc.poll() is not None
        if exited or time.monotonic() > deadline:
            if not exited:
                proc.kill()
            detail = log.read_text(errors="replace") if log else f"exit code {proc.returncode}"
            raise AssertionError(f"{url} did not become healthy: {detail}")
        time.sleep(0.1)
