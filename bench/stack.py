"""The whole stack on free ports with temporary databases, started with the project's launcher
(`launcher`); stopped with everything afterwards.

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
import signal
import tempfile
import threading
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil

from launcher import Launcher, LaunchError, Process, Spec, components, free_port, healthy
from launcher.components import MODEL, RASA
from launcher.supervisor import StopsOnExit

log = logging.getLogger(__name__)

__all__ = ["MODEL", "RASA", "Stack", "StackError", "free_port", "healthy", "http_json"]
StackError = LaunchError
"""A component could not be started; the message names it and its log file."""


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


def rss(process: Process) -> int:
    """The resident memory of a process and all its children, in bytes (0 when not running)."""
    if process.pid is None or not process.running:
        return 0
    try:
        root = psutil.Process(process.pid)
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
class Stack(StopsOnExit):
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
    launcher: Launcher = field(default_factory=Launcher)
    workdir: Path = field(
        default_factory=lambda: Path(tempfile.mkdtemp(prefix="effortless-bench-"))
    )
    peak_rss: dict[str, int] = field(default_factory=dict)
    _sampler: threading.Thread | None = None
    _stop_sampling: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        self.ports = {name: free_port() for name in ("shop", "actions", "rasa", "handoff")}

    def url(self, component: str) -> str:
        """The base URL of a component of the stack (its port on the loopback)."""
        return f"http://127.0.0.1:{self.ports[component]}"

    @property
    def shop_url(self) -> str:
        return self.url("shop")

    @property
    def rasa_url(self) -> str:
        return self.url("rasa")

    @property
    def handoff_url(self) -> str:
        return self.url("handoff")

    @property
    def components(self) -> list[Process]:
        return list(self.launcher)

    def base_env(self) -> dict[str, str]:
        """What every component gets over the caller's environment."""
        return {
            "SHOP_API_KEY": self.shop_api_key,
            "SHOP_ALLOW_FAULTS": "1",
            "SHOP_DATABASE_URL": f"sqlite+aiosqlite:///{self.workdir / 'shop.db'}",
            "ORDER_API_URL": self.shop_url,
            "ORDER_API_KEY": self.shop_api_key,
            "ACTION_SERVER_URL": f"{self.url('actions')}/webhook",
            "RASA_URL": self.rasa_url,
            "RASA_TOKEN": self.rasa_token,
            "HANDOFF_DATABASE_URL": f"sqlite+aiosqlite:///{self.workdir / 'handoff.db'}",
            "HANDOFF_SHOP_SECRET": self.shop_secret,
            "HANDOFF_LOG_LEVEL": "WARNING",
            # Benchmarks and browser tests are many customers behind one address.
            "HANDOFF_CONVERSATION_LIMIT_ADDRESS": "off",
            "HANDOFF_MESSAGE_LIMIT_ADDRESS": "off",
            "HANDOFF_MESSAGE_LIMIT_CONVERSATION": "off",
            "TF_CPP_MIN_LOG_LEVEL": "3",
            **self.extra_env,
        }

    def plan(self) -> list[Spec]:
        env, p, logs = self.base_env(), self.ports, self.workdir
        endpoints = components.endpoints_file(
            logs / "endpoints.yml", env["ACTION_SERVER_URL"], template=None
        )
        return [
            components.shop(p["shop"], env, log=logs / "shop.log"),
            components.actions(p["actions"], env, log=logs / "actions.log"),
            components.rasa(
                p["rasa"],
                token=self.rasa_token,
                endpoints=endpoints,
                model=self.model,
                env=env,
                log=logs / "rasa.log",
            ),
            components.handoff(p["handoff"], env, log=logs / "handoff.log"),
        ]

    def _create_users(self, env: dict[str, str]) -> None:
        accounts = {"analyst": self.analyst, "agent": self.agent, "admin": self.admin}
        for role in self.cli_users:
            email, password = accounts[role]
            components.create_user(env, email, f"Bench {role}", role, password)

    def start(self, only: set[str] | None = None, timeout: float = 600.0) -> None:
        if not self.model.exists() and (only is None or "rasa" in only):
            raise StackError(f"no trained model at {self.model}: run `make train` first")
        for spec in self.plan():
            if only is not None and spec.name not in only:
                continue
            if spec.name == "handoff":
                self._create_users(dict(spec.env))
            log.info("starting %s on port %s", spec.name, spec.port)
            process = self.launcher.add(spec)
            process.start()
            if self._sampler is None:
                self._sampler = threading.Thread(target=self._sample, daemon=True)
                self._sampler.start()
            process.wait_ready(timeout, self.launcher.stopping, interval=0.5)
            log.info("%s is up (%.0f MB)", spec.name, rss(process) / 2**20)

    def component(self, name: str) -> Process:
        return self.launcher[name]

    def send_signal(self, name: str, sig: int) -> None:
        """Send a signal to a component's whole process group (SIGKILL, SIGSTOP, SIGCONT)."""
        process = self.component(name)
        if sig == signal.SIGKILL:
            if process.running:
                process.kill()
        else:
            process.signal(sig)

    def restart(self, name: str, timeout: float = 600.0) -> float:
        """Start a (killed) component again with the same command and settings; the seconds it
        took to answer its health check."""
        return self.component(name).restart(timeout)

    def _sample(self) -> None:
        while not self._stop_sampling.is_set():
            for process in self.launcher:
                self.peak_rss[process.name] = max(self.peak_rss.get(process.name, 0), rss(process))
            self._stop_sampling.wait(0.25)

    def peak_rss_mb(self) -> dict[str, float]:
        return {p.name: round(self.peak_rss.get(p.name, 0) / 2**20, 1) for p in self.launcher}

    def addresses(self) -> dict[str, Any]:
        """The stack's URLs, keys and accounts, by the names of the benchmarks' settings fields
        (for bench.report.settings_from)."""
        return {
            "handoff_url": self.handoff_url,
            "shop_url": self.shop_url,
            "shop_api_key": self.shop_api_key,
            "shop_secret": self.shop_secret,
            "rasa_url": self.rasa_url,
            "rasa_token": self.rasa_token,
            "analyst_email": self.analyst[0],
            "analyst_password": self.analyst[1],
            "agent_email": self.agent[0],
            "agent_password": self.agent[1],
        }

    def pids(self) -> dict[str, int]:
        return {p.name: p.pid for p in self.launcher if p.pid is not None}

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
        self.launcher.stop(grace)
        log.info("stack stopped (logs in %s)", self.workdir)
