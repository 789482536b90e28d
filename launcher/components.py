"""The servers of effortless as launcher specs: the demo order API (`shop`), the action server,
Rasa and the handoff service. Each function makes one instance; call it again with another
name, port and environment for more (e.g. `rasa(port, name="rasa-2", …)` behind a proxy).

`env` is set over the caller's environment (see `launcher.process.child_env`); the port the
instance listens on is always added to it. `python` runs shop/handoff (default: this one; the
action tests, under Rasa's Python, pass the service environment's).
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from launcher.process import ROOT, LaunchError, Spec, child_env

RASA = ROOT / ".venv-rasa" / "bin" / "rasa"
MODEL = ROOT / "models" / "current.tar.gz"
ENDPOINTS = ROOT / "endpoints.yml"
CREDENTIALS = ROOT / "credentials.yml"
DEFAULT_ACTION_URL = "http://127.0.0.1:5055/webhook"
LOCAL = "127.0.0.1"
RASA_START_TIMEOUT = 600.0


def _spec(
    name: str,
    argv: list[str],
    port: int,
    health: str,
    env: Mapping[str, str] | None,
    log: Path | None,
    echo: bool,
    start_timeout: float = 180.0,
) -> Spec:
    return Spec(name, argv, dict(env or {}), health, port, log, echo, start_timeout=start_timeout)


@dataclass(frozen=True)
class PythonServer:
    """A server of this project started as `python -m <module>`, on 127.0.0.1 (`<MODULE>_HOST`,
    `<MODULE>_PORT`), healthy when `health_path` answers."""

    module: str
    health_path: str

    def __call__(
        self,
        port: int,
        env: Mapping[str, str] | None = None,
        *,
        name: str | None = None,
        log: Path | None = None,
        echo: bool = False,
        python: str = sys.executable,
    ) -> Spec:
        prefix = self.module.upper()
        env = {f"{prefix}_HOST": LOCAL, **(env or {}), f"{prefix}_PORT": str(port)}
        health = f"http://{LOCAL}:{port}{self.health_path}"
        argv = [python, "-m", self.module]
        return _spec(name or self.module, argv, port, health, env, log, echo)


# `python -m shop`: the demo order API (creates and seeds its database if empty).
shop = PythonServer("shop", "/v1/health")
# `python -m handoff`: the handoff service (migrates its database first).
handoff = PythonServer("handoff", "/health")


def actions(
    port: int,
    env: Mapping[str, str] | None = None,
    *,
    name: str = "actions",
    log: Path | None = None,
    echo: bool = False,
) -> Spec:
    """The Rasa SDK action server with the `actions` package (Rasa's Python 3.10 venv), on
    127.0.0.1 like every other part (Rasa SDK binds `SANIC_HOST`, 0.0.0.0 unless set: anyone on
    the network could have run an action with a tracker of their own making)."""
    argv = [str(RASA), "run", "actions", "--actions", "actions", "--port", str(port)]
    health = f"http://{LOCAL}:{port}/health"
    return _spec(name, argv, port, health, {"SANIC_HOST": LOCAL, **(env or {})}, log, echo)


def rasa(
    port: int,
    *,
    token: str,
    endpoints: Path,
    model: Path = MODEL,
    env: Mapping[str, str] | None = None,
    name: str = "rasa",
    log: Path | None = None,
    echo: bool = False,
) -> Spec:
    """`rasa run` with the HTTP API (token protected) on 127.0.0.1 and a trained model."""
    argv = [
        *(str(RASA), "run", "--enable-api", "--auth-token", token),
        *("--interface", LOCAL, "--port", str(port), "--model", str(model)),
        *("--endpoints", str(endpoints), "--credentials", str(CREDENTIALS)),
    ]
    env = {"TF_CPP_MIN_LOG_LEVEL": "3", **(env or {}), "RASA_PORT": str(port)}
    # Loading a model takes minutes on a busy machine.
    return _spec(name, argv, port, f"http://{LOCAL}:{port}/", env, log, echo, RASA_START_TIMEOUT)


def endpoints_file(path: Path, action_url: str, *, template: Path | None = ENDPOINTS) -> Path:
    """Write Rasa's endpoints file for an action server URL: `template` (endpoints.yml, with
    its tracker store) with the action URL replaced, or only the action endpoint (trackers
    in memory) when `template` is None."""
    if template is None:
        text = f"action_endpoint:\n  url: {action_url}\n"
    else:
        text = template.read_text(encoding="utf-8").replace(DEFAULT_ACTION_URL, action_url)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def create_user(
    env: Mapping[str, str], email: str, name: str, role: str, password: str, *, check: bool = True
) -> subprocess.CompletedProcess[bytes]:
    """`python -m handoff create-user` against the database `env` names (migrating it first).
    LaunchError when it fails and `check` is set (an existing e-mail fails)."""
    argv = [sys.executable, "-m", "handoff", "create-user", "--email", email, "--name", name]
    done = subprocess.run(
        [*argv, "--role", role, "--password", password],
        cwd=ROOT,
        env=child_env(env),
        capture_output=True,
        timeout=120,
        check=False,
    )
    if check and done.returncode != 0:
        raise LaunchError(
            f"handoff create-user ({role} {email}) failed: "
            f"{done.stderr.decode(errors='replace')[-500:]}"
        )
    return done
