"""Start the whole stack on free ports with temporary databases; stop everything afterwards.

Used by `python -m bench` and by the browser tests (tests/e2e). Each component runs in its own
process group with its log in the run's temporary directory; ``Stack.stop()`` (also called on
Ctrl-C / errors through the context manager) sends SIGTERM to every group, then SIGKILL after a
grace period. A sampler thread records the peak RSS of every component (the process and all its
children) with psutil.

``start(only={"handoff"})`` runs the handoff service alone; its RASA_URL then points at a port
nobody listens on, so the bot is "down" (conversations queue as ``bot_unavailable``).
"""

from __future__ import annotations

import json
import logging
import os
import signal
import socket
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import IO, Any

import psutil

from bench.report import ROOT

log = logging.getLogger(__name__)

VENV_PY = ROOT / ".venv" / "bin" / "python"
RASA = ROOT / ".venv-rasa" / "bin" / "rasa"
MODEL = ROOT / "models" / "current.tar.gz"


class StackError(RuntimeError):
    """A component could not be started; the message names it and its log file."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return 200 <= response.status < 500
    except OSError:
        return False


def http_json(
    method: str, url: str, body: dict[str, Any] | None = None, token: str | None = None
) -> tuple[int, Any]:
    """One JSON request; the status and the decoded answer (also for 4xx/5xx answers)."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return int(response.status), json.loads(response.read() or b"null")
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"null")


@dataclass
class Component:
    name: str
    argv: list[str]
    port: int
    health: str
    env: dict[str, str]
    log_path: Path
    proc: subprocess.Popen[bytes] | None = None
    peak_rss: int = 0
    _log: IO[bytes] | None = None

    def rss(self) -> int:
        if self.proc is None or self.proc.poll() is not None:
            return 0
        try:
            root = psutil.Process(self.proc.pid)
            procs = [root, *root.children(recursive=True)]
        except psutil.Error:
            return 0
        total = 0
        for proc in procs:
            try:
                total += proc.memory_info().rss
            except psutil.Error:
                continue
        return total


@dataclass
class Stack:
    """The four services of effortless, on free ports, with temporary databases."""

    shop_api_key: str = "bench-order-key"
    rasa_token: str = "bench-rasa-token"
    shop_secret: str = "bench-shop-secret"
    analyst: tuple[str, str] = ("bench-analyst@example.com", "bench-analyst-password")
    agent: tuple[str, str] = ("bench-agent@example.com", "bench-agent-password")
    admin: tuple[str, str] = ("bench-admin@example.com", "bench-admin-password")
    cli_users: tuple[str, ...] = ("analyst", "agent")
    """Which of analyst / agent / admin `handoff create-user` makes before the service starts."""
    extra_env: dict[str, str] = field(default_factory=dict)
    """Set last, over ``base_env()`` (e.g. HANDOFF_ENV, HANDOFF_RASA_TIMEOUT)."""
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Accounts made with ``add_users``: the API's answer plus the password."""
    model: Path = MODEL
    components: list[Component] = field(default_factory=list)
    workdir: Path = field(
        default_factory=lambda: Path(tempfile.mkdtemp(prefix="effortless-bench-"))
    )
    _sampler: threading.Thread | None = None
    _stop_sampling: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        self.ports = {name: free_port() for name in ("shop", "actions", "rasa", "handoff")}

    @property
    def shop_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['shop']}"

    @property
    def rasa_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['rasa']}"

    @property
    def handoff_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['handoff']}"

    def base_env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            {
                "PYTHONUNBUFFERED": "1",
                "SHOP_HOST": "127.0.0.1",
                "SHOP_PORT": str(self.ports["shop"]),
                "SHOP_API_KEY": self.shop_api_key,
                "SHOP_ALLOW_FAULTS": "1",
                "SHOP_DATABASE_URL": f"sqlite+aiosqlite:///{self.workdir / 'shop.db'}",
                "ORDER_API_URL": self.shop_url,
                "ORDER_API_KEY": self.shop_api_key,
                "ACTION_PORT": str(self.ports["actions"]),
                "ACTION_SERVER_URL": f"http://127.0.0.1:{self.ports['actions']}/webhook",
                "RASA_PORT": str(self.ports["rasa"]),
                "RASA_URL": self.rasa_url,
                "RASA_TOKEN": self.rasa_token,
                "HANDOFF_HOST": "127.0.0.1",
                "HANDOFF_PORT": str(self.ports["handoff"]),
                "HANDOFF_DATABASE_URL": f"sqlite+aiosqlite:///{self.workdir / 'handoff.db'}",
                "HANDOFF_SHOP_SECRET": self.shop_secret,
                "HANDOFF_LOG_LEVEL": "WARNING",
                # Benchmarks and browser tests are many customers behind one address.
                "HANDOFF_CONVERSATION_LIMIT_ADDRESS": "off",
                "HANDOFF_MESSAGE_LIMIT_ADDRESS": "off",
                "HANDOFF_MESSAGE_LIMIT_CONVERSATION": "off",
                "TF_CPP_MIN_LOG_LEVEL": "3",
            }
        )
        env.update(self.extra_env)
        return env

    def _endpoints(self) -> Path:
        path = self.workdir / "endpoints.yml"
        path.write_text(
            f"action_endpoint:\n  url: http://127.0.0.1:{self.ports['actions']}/webhook\n",
            encoding="utf-8",
        )
        return path

    def plan(self) -> list[Component]:
        env = self.base_env()
        p = self.ports

        def comp(name: str, argv: list[str], health: str) -> Component:
            return Component(name, argv, p[name], health, env, self.workdir / f"{name}.log")

        return [
            comp("shop", [str(VENV_PY), "-m", "shop"], f"{self.shop_url}/v1/health"),
            comp(
                "actions",
                [str(RASA), "run", "actions", "--actions", "actions", "--port", str(p["actions"])],
                f"http://127.0.0.1:{p['actions']}/health",
            ),
            comp(
                "rasa",
                [
                    str(RASA),
                    "run",
                    "--enable-api",
                    "--auth-token",
                    self.rasa_token,
                    "--interface",
                    "127.0.0.1",
                    "--port",
                    str(p["rasa"]),
                    "--model",
                    str(self.model),
                    "--endpoints",
                    str(self._endpoints()),
                    "--credentials",
                    str(ROOT / "credentials.yml"),
                ],
                f"{self.rasa_url}/",
            ),
            comp("handoff", [str(VENV_PY), "-m", "handoff"], f"{self.handoff_url}/health"),
        ]

    def _create_users(self, env: dict[str, str]) -> None:
        accounts = {"analyst": self.analyst, "agent": self.agent, "admin": self.admin}
        for role in self.cli_users:
            email, password = accounts[role]
            done = subprocess.run(
                [
                    str(VENV_PY),
                    "-m",
                    "handoff",
                    "create-user",
                    "--email",
                    email,
                    "--name",
                    f"Bench {role}",
                    "--role",
                    role,
                    "--password",
                    password,
                ],
                cwd=ROOT,
                env=env,
                capture_output=True,
                timeout=120,
                check=False,
            )
            if done.returncode != 0:
                raise StackError(
                    f"handoff create-user ({role}) failed: "
                    f"{done.stderr.decode(errors='replace')[-500:]}"
                )

    def start(self, only: set[str] | None = None, timeout: float = 600.0) -> None:
        if not self.model.exists() and (only is None or "rasa" in only):
            raise StackError(f"no trained model at {self.model}: run `make train` first")
        for component in self.plan():
            if only is not None and component.name not in only:
                continue
            if component.name == "handoff":
                self._create_users(component.env)
            log.info("starting %s on port %d", component.name, component.port)
            component._log = component.log_path.open("wb")
            component.proc = subprocess.Popen(
                component.argv,
                cwd=ROOT,
                env=component.env,
                stdout=component._log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            self.components.append(component)
            if self._sampler is None:
                self._sampler = threading.Thread(target=self._sample, daemon=True)
                self._sampler.start()
            deadline = time.monotonic() + timeout
            while not healthy(component.health):
                if component.proc.poll() is not None or time.monotonic() > deadline:
                    tail = component.log_path.read_text(errors="replace")[-1500:]
                    raise StackError(
                        f"{component.name} failed to start (log {component.log_path}):\n{tail}"
                    )
                time.sleep(0.5)
            log.info("%s is up (%.0f MB)", component.name, component.rss() / 2**20)

    def component(self, name: str) -> Component:
        for component in self.components:
            if component.name == name:
                return component
        raise StackError(f"no running component {name!r}")

    def send_signal(self, name: str, sig: int) -> None:
        """Send a signal to a component's whole process group (SIGKILL, SIGSTOP, SIGCONT)."""
        component = self.component(name)
        if component.proc is None:
            return
        try:
            os.killpg(component.proc.pid, sig)
        except ProcessLookupError:
            pass
        if sig == signal.SIGKILL:
            component.proc.wait()

    def restart(self, name: str, timeout: float = 600.0) -> float:
        """Start a (killed) component again with the same command and settings; the seconds it
        took to answer its health check."""
        component = self.component(name)
        if component.proc is not None and component.proc.poll() is None:
            raise StackError(f"{name} is still running")
        if component._log is not None:
            component._log.close()
        component._log = component.log_path.open("ab")
        started = time.monotonic()
        component.proc = subprocess.Popen(
            component.argv,
            cwd=ROOT,
            env=component.env,
            stdout=component._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        while not healthy(component.health):
            if component.proc.poll() is not None or time.monotonic() - started > timeout:
                raise StackError(f"{name} failed to restart (log {component.log_path})")
            time.sleep(0.2)
        return time.monotonic() - started

    def _sample(self) -> None:
        while not self._stop_sampling.is_set():
            for component in list(self.components):
                component.peak_rss = max(component.peak_rss, component.rss())
            self._stop_sampling.wait(0.25)

    def peak_rss_mb(self) -> dict[str, float]:
        return {c.name: round(c.peak_rss / 2**20, 1) for c in self.components}

    def pids(self) -> dict[str, int]:
        return {c.name: c.proc.pid for c in self.components if c.proc is not None}

    def login(self, email: str, password: str) -> dict[str, Any]:
        """Log in to the handoff service; its answer (``token``, ``user``)."""
        status, answer = http_json(
            "POST", f"{self.handoff_url}/api/auth/login", {"email": email, "password": password}
        )
        if status != 200:
            raise StackError(f"login as {email} failed: {status} {answer}")
        return dict(answer)

    def add_users(self, token: str, users: dict[str, tuple[str, str, str]], password: str) -> None:
        """Create accounts through the agent API, as the admin whose token is given.

        ``users`` maps a key to (email, name, role); ``self.users[key]`` gets the created user
        with its password.
        """
        for key, (email, name, role) in users.items():
            status, user = http_json(
                "POST",
                f"{self.handoff_url}/api/users",
                {"email": email, "name": name, "role": role, "password": password},
                token=token,
            )
            if status != 201:
                raise StackError(f"creating {email} failed: {status} {user}")
            self.users[key] = {**user, "password": password}

    def stop(self, grace: float = 10.0) -> None:
        self._stop_sampling.set()
        for component in reversed(self.components):
            if component.proc is not None and component.proc.poll() is None:
                try:
                    os.killpg(component.proc.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        deadline = time.monotonic() + grace
        for component in self.components:
            if component.proc is None:
                continue
            try:
                component.proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(component.proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                component.proc.wait()
            if component._log is not None:
                component._log.close()
        log.info("stack stopped (logs in %s)", self.workdir)

    def __enter__(self) -> Stack:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
