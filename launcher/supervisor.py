"""A group of real processes started together and stopped together.

with Launcher() as launcher:
    stop_on_signals(launcher)                       # Ctrl-C / SIGTERM: stop waiting
    launcher.start(Spec("shop", [...], health=...)) # start and wait for its health check
    launcher.start_all([rasa_1, rasa_2])            # several at once, then wait for all
    launcher["rasa-1"].kill(); launcher["rasa-1"].restart()
    launcher.watch()                                # until Ctrl-C or a process dies
    launcher.supervise()                            # the same, restarting what dies
# leaving the block stops every process group (SIGTERM, SIGKILL after the grace period)
"""

from __future__ import annotations

import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from types import FrameType, TracebackType
from typing import TYPE_CHECKING

from launcher.process import COLOURS, LaunchError, LaunchInterrupted, Process, Spec

if TYPE_CHECKING:
    from typing_extensions import Self


class StopsOnExit:
    """Leaving a `with` block calls `stop()` (also on errors and Ctrl-C)."""

    def stop(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


class Launcher(StopsOnExit):
    """Processes by name, in start order; `stop()` (and leaving a `with` block) ends them all."""

    def __init__(self, grace: float = 10.0) -> None:
        self.grace = grace
        self.processes: list[Process] = []
        self.stopping = threading.Event()
        """Set by `stop_on_signals` on Ctrl-C/SIGTERM: waits end with LaunchInterrupted."""

    def __getitem__(self, name: str) -> Process:
        for process in self.processes:
            if process.name == name:
                return process
        raise LaunchError(f"no process named {name!r}")

    def __contains__(self, name: object) -> bool:
        return any(process.name == name for process in self.processes)

    def __iter__(self) -> Iterator[Process]:
        return iter(list(self.processes))

    def group(self, prefix: str) -> list[Process]:
        """The instances whose name is `prefix` or starts with `prefix-` (rasa, rasa-1, …)."""
        return [p for p in self.processes if p.name == prefix or p.name.startswith(prefix + "-")]

    def add(self, spec: Spec) -> Process:
        """Register a process without starting it."""
        if spec.name in self:
            raise LaunchError(f"a process named {spec.name!r} is already there")
        process = Process(spec, COLOURS[len(self.processes) % len(COLOURS)])
        self.processes.append(process)
        return process

    def start(self, spec: Spec, timeout: float | None = None) -> Process:
        """Start one process and wait for its health check (LaunchError if it fails)."""
        process = self.add(spec)
        process.start()
        process.wait_ready(timeout, self.stopping)
        return process

    def start_all(self, specs: Iterable[Spec], timeout: float | None = None) -> list[Process]:
        """Start several processes at once, then wait until every one is healthy."""
        started = []
        for spec in specs:
            process = self.add(spec)
            process.start()
            started.append(process)
        for process in started:
            process.wait_ready(timeout, self.stopping)
        return started

    def exited(self) -> list[Process]:
        """Processes that were started and are no longer running."""
        return [p for p in self.processes if p.proc is not None and not p.running]

    def watch(self, interval: float = 1.0) -> Process | None:
        """Block until `stopping` is set (None) or a started process exits (that process)."""
        while not self.stopping.is_set():
            gone = self.exited()
            if gone:
                return gone[0]
            self.stopping.wait(interval)
        return None

    def supervise(
        self,
        interval: float = 1.0,
        restarts: int = 3,
        window: float = 300.0,
        report: Callable[[str], None] = print,
    ) -> Process | None:
        """Keep everything running: a process that exits (a crash, a kill -9) is restarted and
        health-checked again, up to `restarts` times within `window` seconds. Returns None when
        `stopping` is set, or the process that kept dying or could not come back."""
        recent: dict[str, list[float]] = {}
        while True:
            gone = self.watch(interval)
            if gone is None:
                return None
            now = time.monotonic()
            times = [t for t in recent.get(gone.name, []) if now - t < window]
            if len(times) >= restarts:
                report(f"{gone.name} exited {len(times) + 1} times in {window:.0f} s; giving up")
                return gone
            recent[gone.name] = [*times, now]
            report(f"{gone.name} exited with {gone.returncode}; restarting it")
            try:
                took = gone.restart(stopping=self.stopping)
            except LaunchInterrupted:
                return None
            except LaunchError as exc:
                report(f"{gone.name} could not be restarted: {str(exc).splitlines()[0]}")
                return gone
            report(f"{gone.name} is back after {took:.1f} s")

    def stop(self, grace: float | None = None) -> None:
        """SIGTERM to every process group (last started first), then SIGKILL to what is still
        there after the grace period; every process is reaped."""
        grace = self.grace if grace is None else grace
        for process in reversed(self.processes):
            process.signal(signal.SIGTERM)
        deadline = time.monotonic() + grace
        for process in self.processes:
            process.reap(deadline)


def stop_on_signals(launcher: Launcher) -> None:
    """Ctrl-C and SIGTERM set `launcher.stopping` instead of raising mid-way (main thread only);
    the children run in their own process groups, so the terminal's Ctrl-C reaches only us."""

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        if launcher.stopping.is_set():
            sys.stderr.write("stopping already; please wait\n")
        launcher.stopping.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
