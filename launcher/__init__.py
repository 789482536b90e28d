"""The one process launcher of effortless: `make demo`, the benchmarks (bench.stack), the
browser tests and the process tests start their real servers with it.

- `launcher.process`: one process (`Spec` -> `Process`): own process group, health check, log file
  and/or name-prefixed output, signals, kill -9, restart; `free_port`, `healthy`.
- `launcher.supervisor`: `Launcher`, a group of processes stopped together (also on errors and
  Ctrl-C).
- `launcher.components`: the specs of this project's servers (shop, action server, Rasa,
  handoff), any number of instances each.
- `launcher.serve`: how a started server serves (`python -m handoff`, `python -m shop`).
- `python -m launcher.demo` (`make demo`): everything on the usual ports, logs prefixed.

Standard library only (launcher.serve names Sanic for the type checker only), and not
installed: run from the checkout (children get it on PYTHONPATH).
"""

from launcher.process import (
    ROOT,
    LaunchError,
    LaunchInterrupted,
    Process,
    Spec,
    child_env,
    free_port,
    healthy,
    port_busy,
)
from launcher.supervisor import Launcher, stop_on_signals

__all__ = [
    "ROOT",
    "LaunchError",
    "LaunchInterrupted",
    "Launcher",
    "Process",
    "Spec",
    "child_env",
    "free_port",
    "healthy",
    "port_busy",
    "stop_on_signals",
]
