"""Start every component of effortless with prefixed logs; Ctrl-C stops them all.

Run by `make demo` after install and train. Standard library only, so it runs before anything
else is importable. Each component runs in its own process group; on Ctrl-C or SIGTERM every
group gets SIGTERM, then SIGKILL after a grace period, so no process is orphaned and every
port is freed.
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
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_PY = str(ROOT / ".venv" / "bin" / "python")
RASA = str(ROOT / ".venv-rasa" / "bin" / "rasa")
COLOURS = ["\033[36m", "\033[33m", "\033[35m", "\033[32m", "\033[34m"]
RESET = "\033[0m"

DEFAULTS = {
    "SHOP_PORT": "8081",
    "SHOP_API_KEY": "demo-order-key",
    "ORDER_API_KEY": "demo-order-key",
    "ACTION_PORT": "5055",
    "RASA_PORT": "5005",
    "RASA_TOKEN": "dev-rasa-token",
    "HANDOFF_LOG_FORMAT": "text",
    "HANDOFF_PORT": "8080",
    "SHOP_DATABASE_URL": f"sqlite+aiosqlite:///{ROOT / 'var' / 'shop.db'}",
    "HANDOFF_DATABASE_URL": f"sqlite+aiosqlite:///{ROOT / 'var' / 'handoff.db'}",
}


@dataclass
class Component:
    name: str
    argv: list[str]
    port: int
    health: str
    urls: list[str] = field(default_factory=list)
    proc: subprocess.Popen[bytes] | None = None


def environment() -> dict[str, str]:
    env = dict(os.environ)
    for key, value in DEFAULTS.items():
        env.setdefault(key, value)
    env.setdefault("ORDER_API_URL", f"http://127.0.0.1:{env['SHOP_PORT']}")
    env.setdefault("ACTION_SERVER_URL", f"http://127.0.0.1:{env['ACTION_PORT']}/webhook")
    env.setdefault("RASA_URL", f"http://127.0.0.1:{env['RASA_PORT']}")
    env.setdefault("PYTHONUNBUFFERED", "1")
    return env


def demo_endpoints(env: dict[str, str]) -> Path:
    """endpoints.yml with the action server URL this demo uses (ACTION_PORT may be changed)."""
    text = (ROOT / "endpoints.yml").read_text(encoding="utf-8")
    text = text.replace("http://127.0.0.1:5055/webhook", env["ACTION_SERVER_URL"])
    path = ROOT / "var" / "endpoints.demo.yml"
    path.write_text(text, encoding="utf-8")
    return path


def components(env: dict[str, str]) -> list[Component]:
    model = ROOT / "models" / "current.tar.gz"
    shop_port, action_port = int(env["SHOP_PORT"]), int(env["ACTION_PORT"])
    rasa_port, handoff_port = int(env["RASA_PORT"]), int(env["HANDOFF_PORT"])
    found = [
        Component(
            "shop",
            [VENV_PY, "-m", "shop"],
            shop_port,
            f"http://127.0.0.1:{shop_port}/v1/health",
            [f"order API (demo shop): http://127.0.0.1:{shop_port}/v1/openapi.json"],
        ),
    ]
    if (ROOT / "actions" / "__init__.py").exists():
        found.append(
            Component(
                "actions",
                [RASA, "run", "actions", "--actions", "actions", "--port", str(action_port)],
                action_port,
                f"http://127.0.0.1:{action_port}/health",
            )
        )
    if model.exists():
        found.append(
            Component(
                "rasa",
                [
                    RASA,
                    "run",
                    "--enable-api",
                    "--auth-token",
                    env["RASA_TOKEN"],
                    "--interface",
                    "127.0.0.1",
                    "--port",
                    str(rasa_port),
                    "--model",
                    str(model),
                    "--endpoints",
                    str(demo_endpoints(env)),
                    "--credentials",
                    "credentials.yml",
                ],
                rasa_port,
                f"http://127.0.0.1:{rasa_port}/",
                [f"Rasa (internal, token protected): http://127.0.0.1:{rasa_port}/"],
            )
        )
    if (ROOT / "handoff" / "__main__.py").exists():
        base = f"http://127.0.0.1:{handoff_port}"
        found.append(
            Component(
                "handoff",
                [VENV_PY, "-m", "handoff"],
                handoff_port,
                f"{base}/health",
                [
                    f"demo shop page with the chat widget: {base}/demo",
                    f"agent console: {base}/console",
                    f"analytics: {base}/analytics",
                ],
            )
        )
    return found


DEMO_USERS = [
    ("agent@demo.test", "Sam Agent", "agent", "demo-agent-pass"),
    ("analyst@demo.test", "Ana Lyst", "analyst", "demo-analyst-pass"),
]


def create_demo_users(env: dict[str, str]) -> list[str]:
    """Create the demo accounts once (an existing account is left as it is)."""
    if not (ROOT / "handoff" / "__main__.py").exists():
        return []
    lines = []
    for email, name, role, password in DEMO_USERS:
        subprocess.run(
            [VENV_PY, "-m", "handoff", "create-user", "--email", email, "--name", name,
             "--role", role, "--password", password],
            cwd=ROOT, env=env, capture_output=True, check=False,
        )  # fmt: skip
        lines.append(f"{role} login: {email} / {password}")
    return lines


def port_busy(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def pump(component: Component, colour: str) -> None:
    assert component.proc is not None and component.proc.stdout is not None
    prefix = f"{colour}{component.name:>8} |{RESET} "
    for raw in component.proc.stdout:
        sys.stdout.write(prefix + raw.decode(errors="replace"))
        sys.stdout.flush()


def healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return 200 <= response.status < 500
    except OSError:
        return False


def stop_all(running: list[Component], grace: float = 10.0) -> None:
    for component in running:
        if component.proc and component.proc.poll() is None:
            try:
                os.killpg(component.proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
    deadline = time.monotonic() + grace
    for component in running:
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


def main() -> int:
    env = environment()
    (ROOT / "var").mkdir(exist_ok=True)
    wanted = components(env)
    busy = [c for c in wanted if port_busy(c.port)]
    if busy:
        for c in busy:
            print(
                f"demo: port {c.port} for {c.name} is already in use; stop what runs there "
                f"or set a different port in the environment",
                file=sys.stderr,
            )
        return 1
    logins = create_demo_users(env)
    running: list[Component] = []
    stopping = threading.Event()

    def on_signal(signum: int, _frame: object) -> None:
        stopping.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        for index, component in enumerate(wanted):
            component.proc = subprocess.Popen(
                component.argv,
                cwd=ROOT,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            running.append(component)
            threading.Thread(
                target=pump, args=(component, COLOURS[index % len(COLOURS)]), daemon=True
            ).start()
            deadline = time.monotonic() + 180
            while not healthy(component.health):
                if stopping.is_set():
                    return 0
                if component.proc.poll() is not None or time.monotonic() > deadline:
                    print(
                        f"demo: {component.name} failed to start (see its log above)",
                        file=sys.stderr,
                    )
                    return 1
                time.sleep(0.5)
        print("\n  effortless is running:\n")
        for component in wanted:
            for url in component.urls:
                print(f"    {url}")
        for line in logins:
            print(f"    {line}")
        print("\n  Press Ctrl-C to stop everything.\n", flush=True)
        while not stopping.is_set():
            for component in running:
                if component.proc is not None and component.proc.poll() is not None:
                    print(
                        f"demo: {component.name} exited with {component.proc.returncode}; "
                        "stopping the rest",
                        file=sys.stderr,
                    )
                    return 1
            stopping.wait(1.0)
        return 0
    finally:
        print("demo: stopping all components...", file=sys.stderr)
        stop_all(running)
        print("demo: stopped", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
