"""`make demo`: start every component of effortless on the usual ports (or those set in the
environment) with name-prefixed logs, print the URLs and the demo logins; Ctrl-C stops them all
(every process group gets SIGTERM, then SIGKILL after a grace period, so every port is freed).
"""

from __future__ import annotations

import os
import sys

from launcher import components
from launcher.process import ROOT, LaunchError, LaunchInterrupted, Spec, port_busy
from launcher.supervisor import Launcher, stop_on_signals

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
DEMO_USERS = [
    ("agent@demo.test", "Sam Agent", "agent", "demo-agent-pass"),
    ("analyst@demo.test", "Ana Lyst", "analyst", "demo-analyst-pass"),
]


def environment(given: dict[str, str]) -> dict[str, str]:
    """The demo's settings: what the environment sets, the defaults above for the rest."""
    env = {**DEFAULTS, **given}
    env.setdefault("ORDER_API_URL", f"http://127.0.0.1:{env['SHOP_PORT']}")
    env.setdefault("ACTION_SERVER_URL", f"http://127.0.0.1:{env['ACTION_PORT']}/webhook")
    env.setdefault("RASA_URL", f"http://127.0.0.1:{env['RASA_PORT']}")
    return env


def plan(env: dict[str, str]) -> list[tuple[Spec, list[str]]]:
    """The components to start, in order, each with the URLs to print once all are up."""
    shop_port, handoff_port = int(env["SHOP_PORT"]), int(env["HANDOFF_PORT"])
    rasa_port = int(env["RASA_PORT"])
    found = [
        (
            components.shop(shop_port, env, echo=True),
            [f"order API (demo shop): http://127.0.0.1:{shop_port}/v1/openapi.json"],
        ),
        (components.actions(int(env["ACTION_PORT"]), env, echo=True), []),
    ]
    if components.MODEL.exists():
        endpoints = components.endpoints_file(
            ROOT / "var" / "endpoints.demo.yml", env["ACTION_SERVER_URL"]
        )
        rasa = components.rasa(
            rasa_port, token=env["RASA_TOKEN"], endpoints=endpoints, env=env, echo=True
        )
        found.append((rasa, [f"Rasa (internal, token protected): http://127.0.0.1:{rasa_port}/"]))
    base = f"http://127.0.0.1:{handoff_port}"
    urls = [
        f"demo shop page with the chat widget: {base}/demo",
        f"agent console: {base}/console",
        f"analytics: {base}/analytics",
    ]
    found.append((components.handoff(handoff_port, env, echo=True), urls))
    return found


def create_demo_users(env: dict[str, str]) -> list[str]:
    """Create the demo accounts once (an existing account is left as it is)."""
    lines = []
    for email, name, role, password in DEMO_USERS:
        components.create_user(env, email, name, role, password, check=False)
        lines.append(f"{role} login: {email} / {password}")
    return lines


def run(launcher: Launcher, wanted: list[tuple[Spec, list[str]]], logins: list[str]) -> int:
    """Start everything in order, print the URLs, then keep it running (a process that dies is
    restarted) until Ctrl-C (0) or a process that keeps dying (1)."""
    try:
        for spec, _urls in wanted:
            launcher.start(spec)
    except LaunchInterrupted:
        return 0
    except LaunchError as exc:
        first_line = str(exc).splitlines()[0]
        print(f"demo: {first_line} (see its log above)", file=sys.stderr)
        return 1
    print("\n  effortless is running:\n")
    for line in [url for _, urls in wanted for url in urls] + logins:
        print(f"    {line}")
    print("\n  Press Ctrl-C to stop everything.\n", flush=True)
    gone = launcher.supervise(report=lambda line: print(f"demo: {line}", file=sys.stderr))
    if gone is None:
        return 0
    print(f"demo: {gone.name} keeps failing; stopping the rest", file=sys.stderr)
    return 1


def main() -> int:
    env = environment(dict(os.environ))
    (ROOT / "var").mkdir(exist_ok=True)
    wanted = plan(env)
    busy = [spec for spec, _ in wanted if spec.port is not None and port_busy(spec.port)]
    for spec in busy:
        print(
            f"demo: port {spec.port} for {spec.name} is already in use; stop what runs there "
            f"or set a different port in the environment",
            file=sys.stderr,
        )
    if busy:
        return 1
    launcher = Launcher()
    stop_on_signals(launcher)
    logins = create_demo_users(env)
    try:
        return 0 if launcher.stopping.is_set() else run(launcher, wanted, logins)
    finally:
        print("demo: stopping all components...", file=sys.stderr)
        launcher.stop()
        print("demo: stopped", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
