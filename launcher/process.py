"""Real processes: start one in its own process group, wait for its health check, send it
signals, restart it, stop it (SIGTERM to the group, then SIGKILL after a grace period).

Standard library only: `make demo` imports it before anything else is needed.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

ROOT = Path(__file__).resolve().parent.parent
"""The checkout: children run here, with it first on PYTHONPATH (nothing is installed)."""

COLOURS = ("\033[36m", "\033[33m", "\033[35m", "\033[32m", "\033[34m", "\033[31m")
RESET = "\033[0m"
_print_lock = threading.Lock()


class LaunchError(RuntimeError):
    """A process could not be started or did not become healthy; the message names it and
    ends with the tail of its log."""


class LaunchInterrupted(LaunchError):
    """Waiting for a process was cut short because the launcher is stopping (Ctrl-C)."""


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nobody listens on right now (the OS picks it)."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def port_busy(port: int, host: str = "127.0.0.1") -> bool:
    """Whether something accepts connections on the port."""
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def healthy(url: str, timeout: float = 2.0) -> bool:
    """Whether the URL answers with a status below 500 (any answer means the server is up)."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return 200 <= int(response.status) < 500
    except OSError:
        return False


def child_env(
    overrides: Mapping[str, str] | None = None, *, inherit: bool = True
) -> dict[str, str]:
    """The environment of a child: ours (unless `inherit` is false) with `overrides` over it,
    the checkout first on PYTHONPATH and unbuffered Python output."""
    env = dict(os.environ) if inherit else {}
    env.update(overrides or {})
    paths = [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
    if str(ROOT) not in paths:
        env["PYTHONPATH"] = os.pathsep.join([str(ROOT), *paths])
    env.setdefault("PYTHONUNBUFFERED", "1")
    return env


Check = Callable[[], bool]


def _killpg(proc: subprocess.Popen[bytes], sig: int) -> None:
    try:
        os.killpg(proc.pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


@dataclass
class Spec:
    """What to run: one instance of a component (start several with different names/ports)."""

    name: str
    argv: Sequence[str]
    env: Mapping[str, str] = field(default_factory=dict)
    """Set over our own environment (all of it when ``inherit_env`` is false)."""
    health: str | Check | None = None
    """A URL (healthy = an answer below 500) or a function; None = ready once started."""
    port: int | None = None
    log: Path | None = None
    """The process's output (stdout and stderr) is appended here."""
    echo: bool = False
    """Also print every output line onto our stdout, prefixed with the name."""
    cwd: Path = ROOT
    inherit_env: bool = True
    start_timeout: float = 180.0

    def environment(self) -> dict[str, str]:
        return child_env(self.env, inherit=self.inherit_env)


class Process:
    """One running (or stopped) instance of a Spec."""

    def __init__(self, spec: Spec, colour: str = "") -> None:
        self.spec = spec
        self.colour = colour
        self.proc: subprocess.Popen[bytes] | None = None
        self.starts = 0
        self._log: IO[bytes] | None = None
        self._pump: threading.Thread | None = None

    def __repr__(self) -> str:
        state = "running" if self.running else f"exited {self.returncode}"
        return f"<Process {self.name} pid={self.pid} {state}>"

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def port(self) -> int | None:
        return self.spec.port

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc is not None else None

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    @property
    def returncode(self) -> int | None:
        return self.proc.poll() if self.proc is not None else None

    def start(self) -> None:
        """Start the process in a new session (its own process group); no waiting."""
        if self.running:
            raise LaunchError(f"{self.name} is already running")
        self._close_log()
        spec = self.spec
        if spec.log is not None:
            spec.log.parent.mkdir(parents=True, exist_ok=True)
            self._log = spec.log.open("ab")
        out: int | IO[bytes] = subprocess.PIPE if spec.echo else (self._log or subprocess.DEVNULL)
        self.proc = subprocess.Popen(
            list(spec.argv),
            cwd=spec.cwd,
            env=spec.environment(),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.starts += 1
        if spec.echo:
            self._pump = threading.Thread(target=self._copy_output, daemon=True)
            self._pump.start()

    def _copy_output(self) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        prefix = f"{self.colour}{self.name:>8} |{RESET if self.colour else ''} "
        for line in self.proc.stdout:
            if self._log is not None:
                self._log.write(line)
                self._log.flush()
            with _print_lock:
                sys.stdout.write(prefix + line.decode(errors="replace"))
                sys.stdout.flush()

    def ready(self) -> bool:
        """The health check (a URL or a function), once; False while not running."""
        if not self.running:
            return False
        check = self.spec.health
        if check is None:
            return True
        if isinstance(check, str):
            return healthy(check)
        return bool(check())

    def wait_ready(
        self,
        timeout: float | None = None,
        stopping: threading.Event | None = None,
        interval: float = 0.2,
    ) -> float:
        """Poll the health check until it passes; the seconds since this call. LaunchError when
        the process exits or the timeout passes, LaunchInterrupted when `stopping` is set."""
        started = time.monotonic()
        limit = self.spec.start_timeout if timeout is None else timeout
        while not self.ready():
            if stopping is not None and stopping.is_set():
                raise LaunchInterrupted(f"stopped while waiting for {self.name}")
            if not self.running:
                raise LaunchError(self._failure(f"exited with {self.returncode} while starting"))
            if time.monotonic() - started > limit:
                raise LaunchError(self._failure(f"not healthy after {limit:.0f} s"))
            time.sleep(interval)
        return time.monotonic() - started

    def _failure(self, what: str) -> str:
        where = f" (log {self.spec.log})" if self.spec.log else ""
        tail = self.tail()
        return f"{self.name} {what}{where}" + (f":\n{tail}" if tail else "")

    def output(self) -> str:
        """Everything the process wrote so far (when it logs to a file)."""
        if self._log is not None:
            self._log.flush()
        if self.spec.log is None or not self.spec.log.exists():
            return ""
        return self.spec.log.read_text(encoding="utf-8", errors="replace")

    def tail(self, chars: int = 1500) -> str:
        return self.output()[-chars:]

    def signal(self, sig: int) -> None:
        """Send a signal to the whole process group (SIGKILL, SIGSTOP, SIGCONT, SIGTERM…);
        nothing once the process has exited and been reaped (its group id may be reused)."""
        if self.proc is not None and self.proc.poll() is None:
            _killpg(self.proc, sig)

    def kill(self) -> int:
        """kill -9 the whole group and reap it; the exit status."""
        assert self.proc is not None, f"{self.name} was never started"
        _killpg(self.proc, signal.SIGKILL)
        return self.wait()

    def wait(self, timeout: float | None = None) -> int:
        assert self.proc is not None, f"{self.name} was never started"
        code = self.proc.wait(timeout)
        if self._pump is not None:
            self._pump.join(timeout=2)
        return code

    def stop(self, grace: float = 10.0) -> int | None:
        """SIGTERM to the group; SIGKILL if it is still there after `grace` seconds."""
        if self.proc is None:
            return None
        self.signal(signal.SIGTERM)
        return self.reap(time.monotonic() + grace)

    def reap(self, deadline: float) -> int | None:
        if self.proc is None:
            return None
        try:
            code = self.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            code = self.kill()
        # The leader may be gone while children of its group still run: end them too.
        _killpg(self.proc, signal.SIGKILL)
        self._close_log()
        return code

    def restart(
        self, timeout: float | None = None, stopping: threading.Event | None = None
    ) -> float:
        """Start the (stopped or killed) process again with the same spec and wait for its
        health check; the seconds until it answered."""
        if self.running:
            raise LaunchError(f"{self.name} is still running")
        started = time.monotonic()
        self.start()
        self.wait_ready(timeout, stopping)
        return time.monotonic() - started

    def _close_log(self) -> None:
        if self._log is not None:
            self._log.close()
            self._log = None
