"""Real processes for the browser tests: the handoff service (and, for the full stack, the demo
shop, the action server and the Rasa server), each on a free port with a temporary database.

Every process runs in its own process group with its log in the run's temporary directory;
`stop()` sends SIGTERM to each group and SIGKILL after a grace period.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

ROOT = Path(__file__).resolve().parents[2]
VENV_PY = ROOT / ".venv" / "bin" / "python"
RASA = ROOT / ".venv-rasa" / "bin" / "rasa"
MODEL = ROOT / "models" / "current.tar.gz"
SHOP_SECRET = "e2e-shop-secret-0123456789abcdef"
RASA_TOKEN = "e2e-rasa-token"
SHOP_KEY = "e2e-order-key"
PASSWORD = "e2e-password-123"


class StackError(RuntimeError):
    """A process did not come up; the message carries the tail of its log."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return 200 <= int(response.status) < 500
    except (OSError, urllib.error.URLError):
        return False


def http_json(
    method: str, url: str, body: dict[str, Any] | None = None, token: str | None = None
) -> tuple[int, Any]:
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
class Process:
    name: str
    argv: list[str]
    health: str
    log_path: Path
    proc: subprocess.Popen[bytes] | None = None
    log_file: IO[bytes] | None = None

    def log_tail(self, size: int = 2000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-size:]
        except OSError:
            return ""


@dataclass
class Stack:
    workdir: Path
    with_bot: bool
    ports: dict[str, int] = field(default_factory=dict)
    processes: list[Process] = field(default_factory=list)
    users: dict[str, dict[str, Any]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        names = ["handoff", "closed"] + (["shop", "actions", "rasa"] if self.with_bot else [])
        self.ports = {name: free_port() for name in names}

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.ports['handoff']}"

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        rasa_port = self.ports["rasa"] if self.with_bot else self.ports["closed"]
        env.update(
            {
                "PYTHONUNBUFFERED": "1",
                "HANDOFF_ENV": "test",
                "HANDOFF_HOST": "127.0.0.1",
                "HANDOFF_PORT": str(self.ports["handoff"]),
                "HANDOFF_DATABASE_URL": f"sqlite+aiosqlite:///{self.workdir / 'handoff.db'}",
                "HANDOFF_SHOP_SECRET": SHOP_SECRET,
                "HANDOFF_LOG_LEVEL": "WARNING",
                "HANDOFF_RASA_TIMEOUT": "30",
                "RASA_URL": f"http://127.0.0.1:{rasa_port}",
                "RASA_TOKEN": RASA_TOKEN,
                "TF_CPP_MIN_LOG_LEVEL": "3",
            }
        )
        if self.with_bot:
            env.update(
                {
                    "SHOP_HOST": "127.0.0.1",
                    "SHOP_PORT": str(self.ports["shop"]),
                    "SHOP_API_KEY": SHOP_KEY,
                    "SHOP_DATABASE_URL": f"sqlite+aiosqlite:///{self.workdir / 'shop.db'}",
                    "ORDER_API_URL": f"http://127.0.0.1:{self.ports['shop']}",
                    "ORDER_API_KEY": SHOP_KEY,
                    "ACTION_PORT": str(self.ports["actions"]),
                    "ACTION_SERVER_URL": f"http://127.0.0.1:{self.ports['actions']}/webhook",
                }
            )
        return env

    def _spawn(self, name: str, argv: list[str], health: str, timeout: float) -> None:
        process = Process(name, argv, health, self.workdir / f"{name}.log")
        process.log_file = process.log_path.open("wb")
        process.proc = subprocess.Popen(
            argv,
            cwd=ROOT,
            env=self.env(),
            stdout=process.log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.processes.append(process)
        deadline = time.monotonic() + timeout
        while not healthy(health):
            if process.proc.poll() is not None or time.monotonic() > deadline:
                raise StackError(f"{name} did not start; log tail:\n{process.log_tail()}")
            time.sleep(0.3)

    def start(self) -> None:
        if self.with_bot:
            p = self.ports
            endpoints = self.workdir / "endpoints.yml"
            endpoints.write_text(
                f"action_endpoint:\n  url: http://127.0.0.1:{p['actions']}/webhook\n",
                encoding="utf-8",
            )
            self._spawn(
                "shop", [str(VENV_PY), "-m", "shop"], f"http://127.0.0.1:{p['shop']}/v1/health", 60
            )
            self._spawn(
                "actions",
                [str(RASA), "run", "actions", "--actions", "actions", "--port", str(p["actions"])],
                f"http://127.0.0.1:{p['actions']}/health",
                120,
            )
            self._spawn(
                "rasa",
                [
                    str(RASA),
                    "run",
                    "--enable-api",
                    "--auth-token",
                    RASA_TOKEN,
                    "--interface",
                    "127.0.0.1",
                    "--port",
                    str(p["rasa"]),
                    "--model",
                    str(MODEL),
                    "--endpoints",
                    str(endpoints),
                    "--credentials",
                    str(ROOT / "credentials.yml"),
                ],
                f"http://127.0.0.1:{p['rasa']}/",
                240,
            )
        admin = subprocess.run(
            [
                str(VENV_PY),
                "-m",
                "handoff",
                "create-user",
                "--email",
                "admin@e2e.test",
                "--name",
                "Ada Admin",
                "--role",
                "admin",
                "--password",
                PASSWORD,
            ],
            cwd=ROOT,
            env=self.env(),
            capture_output=True,
            timeout=120,
            check=False,
        )
        if admin.returncode != 0:
            raise StackError(f"create-user failed: {admin.stderr.decode(errors='replace')[-800:]}")
        self._spawn("handoff", [str(VENV_PY), "-m", "handoff"], f"{self.url}/health", 60)
        status, login = http_json(
            "POST", f"{self.url}/api/auth/login", {"email": "admin@e2e.test", "password": PASSWORD}
        )
        if status != 200:
            raise StackError(f"admin login failed: {status} {login}")
        self.users["admin"] = {**login["user"], "password": PASSWORD}
        for key, email, name, role in (
            ("agent", "sam@e2e.test", "Sam Agent", "agent"),
            ("agent2", "kim@e2e.test", "Kim Colleague", "agent"),
            ("xss", "xss@e2e.test", '<img src=x onerror="window.__pwned=1">Eve', "agent"),
        ):
            status, user = http_json(
                "POST",
                f"{self.url}/api/users",
                {"email": email, "name": name, "role": role, "password": PASSWORD},
                token=login["token"],
            )
            if status != 201:
                raise StackError(f"creating {email} failed: {status} {user}")
            self.users[key] = {**user, "password": PASSWORD}

    def stop(self, grace: float = 10.0) -> None:
        for process in reversed(self.processes):
            if process.proc is not None and process.proc.poll() is None:
                try:
                    os.killpg(process.proc.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        deadline = time.monotonic() + grace
        for process in self.processes:
            if process.proc is None:
                continue
            try:
                process.proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(process.proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                process.proc.wait()
            if process.log_file is not None:
                process.log_file.close()
