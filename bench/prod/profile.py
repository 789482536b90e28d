"""The production profile of deploy/compose.yml, run on this machine.

Every instance is started with the compose file's own command and environment; only what a
single machine forces is rewritten: service host names become 127.0.0.1, container ports become
free ports, the database, the RabbitMQ queue and exchange are fresh per run, the secrets the
operator must supply (``${NAME:?…}``) are generated (RabbitMQ and PostgreSQL use the local
servers' accounts), and executables come from this checkout's environments. ``CHECK_ONLY`` lists
the few settings the check changes on purpose, with the reason.
"""

from __future__ import annotations

import re
import secrets
import shutil
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bench.report import ROOT
from launcher import Spec, free_port

COMPOSE = ROOT / "deploy" / "compose.yml"
VENV_BIN = ROOT / ".venv" / "bin"
RASA_BIN = ROOT / ".venv-rasa" / "bin"

# Start order; instances of one kind share the prefix before "-N".
INSTANCES = (
    "shop",
    "actions-1",
    "actions-2",
    "rasa-1",
    "rasa-2",
    "handoff-1",
    "handoff-2",
    "analytics",
    "haproxy",
)
CONTAINER_PORTS = {"shop": 8081, "actions": 5055, "rasa": 5005, "handoff": 8080}
HEALTH = {"shop": "/v1/health", "actions": "/health", "rasa": "/", "handoff": "/health"}
HAPROXY_BINDS = {"HANDOFF_BIND": "handoff", "RASA_BIND": "rasa", "ACTIONS_BIND": "actions"}
BARE_HOSTS = {"postgres", "redis", "rabbitmq"}

CHECK_ONLY: dict[str, dict[str, str]] = {
    # Every simulated customer comes from 127.0.0.1: per-address limits would throttle the load
    # generator, not a customer. Per-conversation limits stay as in production.
    "handoff": {
        "HANDOFF_CONVERSATION_LIMIT_ADDRESS": "off",
        "HANDOFF_MESSAGE_LIMIT_ADDRESS": "off",
        "HANDOFF_LOGIN_LIMIT_ADDRESS": "off",
    },
    "analytics": {},
}
LEFTOVER = re.compile(r"\$\{|\b(?:haproxy|postgres|redis|rabbitmq|shop|\w+-\d):\d")
SECRET = re.compile(r"\$\{([A-Z0-9_]+)(?::\?[^}]*)?\}")


def kind(name: str) -> str:
    """`rasa-2` → `rasa`; `shop` → `shop`."""
    return re.sub(r"-\d+$", "", name)


def load_compose(path: Path = COMPOSE) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not isinstance(data.get("services"), dict):
        raise ValueError(f"{path}: no services")
    return data


@dataclass
class Plan:
    """Ports, names and secrets of one run."""

    run_id: str = field(default_factory=lambda: secrets.token_hex(4))
    workdir: Path = field(default_factory=Path)
    ports: dict[str, int] = field(default_factory=dict)
    secrets: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.workdir == Path():
            self.workdir = ROOT / "var" / "prod-check" / self.run_id
        taken = set(self.ports.values())
        for name in (*INSTANCES, "haproxy-handoff", "haproxy-rasa", "haproxy-actions"):
            if name in self.ports or name in ("haproxy", "analytics"):
                continue
            port = free_port()
            while port in taken:  # the OS may hand out the same free port twice
                port = free_port()
            taken.add(port)
            self.ports[name] = port
        self.secrets.update(
            {
                "POSTGRES_PASSWORD": "unused-local-trust",
                "RABBITMQ_PASSWORD": "guest",
                "HANDOFF_ALLOWED_ORIGINS": "https://shop.example",
            }
        )

    @property
    def database(self) -> str:
        return f"prodcheck_{self.run_id}"

    @property
    def queue(self) -> str:
        return f"rasa_events_prodcheck_{self.run_id}"

    @property
    def exchange(self) -> str:
        return f"rasa-exchange-prodcheck-{self.run_id}"

    def url(self, frontend: str) -> str:
        return f"http://127.0.0.1:{self.ports['haproxy-' + frontend]}"

    def secret(self, name: str) -> str:
        if name not in self.secrets:
            self.secrets[name] = secrets.token_hex(24)  # never starts with "-" (a CLI flag)
        return self.secrets[name]

    def address(self, host: str, port: int) -> str | None:
        """The local address of `host:port` from the compose file, None if unknown."""
        if host in BARE_HOSTS:
            return f"127.0.0.1:{port}"
        if host == "haproxy":
            for frontend, container in CONTAINER_PORTS.items():
                if container == port and f"haproxy-{frontend}" in self.ports:
                    return f"127.0.0.1:{self.ports['haproxy-' + frontend]}"
            return None
        if host in self.ports and CONTAINER_PORTS.get(kind(host)) == port:
            return f"127.0.0.1:{self.ports[host]}"
        return None

    def localize(self, value: str, *, key: str = "", instance: str = "") -> str:
        value = SECRET.sub(lambda m: self.secret(m.group(1)), value)
        value = re.sub(
            r"\b([a-z][a-z0-9-]*):(\d{2,5})\b",
            lambda m: self.address(m.group(1), int(m.group(2))) or m.group(0),
            value,
        )
        if key in HAPROXY_BINDS:
            return f"127.0.0.1:{self.ports['haproxy-' + HAPROXY_BINDS[key]]}"
        if key in ("HANDOFF_PORT", "SHOP_PORT") and instance in self.ports:
            return str(self.ports[instance])
        if key in ("RABBITMQ_USERNAME",):
            return "guest"
        if key in ("RABBITMQ_QUEUE", "ANALYTICS_RABBITMQ_QUEUE"):
            return self.queue
        if key == "RABBITMQ_EXCHANGE":
            return self.exchange
        if key == "RASA_DB_NAME" and value == "effortless":
            return self.database
        if key == "HANDOFF_ATTACHMENTS_DIR":
            return str(self.workdir / "attachments")
        if (key.endswith("_HOST") and value in BARE_HOSTS) or value == "0.0.0.0":
            return "127.0.0.1"
        value = value.replace("amqp://effortless:", "amqp://guest:")
        return re.sub(r"(postgresql\+asyncpg://[^/]+)/effortless$", rf"\1/{self.database}", value)


def _argv(plan: Plan, command: list[str], instance: str) -> list[str]:
    local = {"python": str(VENV_BIN / "python"), "rasa": str(RASA_BIN / "rasa")}
    argv: list[str] = []
    for index, word in enumerate(map(str, command)):
        if index == 0:
            word = local.get(word) or shutil.which(word) or word
        elif command[index - 1] == "--port":
            word = str(plan.ports[instance])
        elif word.endswith("/haproxy.cfg"):
            word = str(ROOT / "deploy" / "haproxy.cfg")
        else:
            word = plan.localize(word, instance=instance)
        argv.append(word)
    return argv


def environment(plan: Plan, service: Mapping[str, Any], instance: str) -> dict[str, str]:
    env = {
        str(k): plan.localize(str(v), key=str(k), instance=instance)
        for k, v in (service.get("environment") or {}).items()
    }
    env.update(CHECK_ONLY.get(kind(instance), {}))
    leftover = [f"{k}={v}" for k, v in env.items() if LEFTOVER.search(v)]
    if leftover:
        raise ValueError(f"{instance}: settings not localised: {leftover}")
    return env


def specs(plan: Plan, compose: dict[str, Any] | None = None) -> list[Spec]:
    """One launcher Spec per instance, in start order."""
    services = (compose or load_compose())["services"]
    out = []
    for instance in INSTANCES:
        service = services[instance]
        env = environment(plan, service, instance)
        env.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
        health: str | None = None
        port = plan.ports.get(instance)
        if kind(instance) in HEALTH:
            health = f"http://127.0.0.1:{port}{HEALTH[kind(instance)]}"
        elif instance == "haproxy":
            health = f"{plan.url('handoff')}/health"
        out.append(
            Spec(
                instance,
                _argv(plan, list(service["command"]), instance),
                env=env,
                health=health,
                port=port,
                log=plan.workdir / f"{instance}.log",
                start_timeout=900.0 if kind(instance) == "rasa" else 180.0,
            )
        )
    return out
