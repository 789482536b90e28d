"""What a benchmark records besides latency: a service's CPU time and the machine's load average
over a phase, and the peak memory of named processes."""

from __future__ import annotations

import os
import threading
from typing import Any

import psutil


class CpuMeter:
    """The service's CPU time and the machine's load average over a phase: on a shared machine
    latency figures mean little without them."""

    def __init__(self, pid: int | None) -> None:
        self.pid = pid
        self.cpu = self._cpu()

    def _cpu(self) -> float | None:
        if self.pid is None:
            return None
        try:
            times = psutil.Process(self.pid).cpu_times()
        except psutil.Error:
            return None
        return float(times.user + times.system)

    def figures(self, messages: int) -> dict[str, Any]:
        result: dict[str, Any] = {"load_average_1m": round(os.getloadavg()[0], 2)}
        end = self._cpu()
        if self.cpu is not None and end is not None and messages:
            result["service_cpu_ms_per_message"] = round(1000 * (end - self.cpu) / messages, 2)
        return result


class RssSampler:
    """Peak RSS (process + children) of named pids, sampled every 0.25 s in a thread."""

    def __init__(self, pids: dict[str, int]) -> None:
        self.pids = pids
        self.peak: dict[str, int] = dict.fromkeys(pids, 0)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _rss(self, pid: int) -> int:
        try:
            root = psutil.Process(pid)
            return sum(p.memory_info().rss for p in [root, *root.children(recursive=True)])
        except psutil.Error:
            return 0

    def _run(self) -> None:
        while not self._stop.is_set():
            for name, pid in self.pids.items():
                self.peak[name] = max(self.peak[name], self._rss(pid))
            self._stop.wait(0.25)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def peak_mb(self) -> dict[str, float]:
        return {name: round(value / 2**20, 1) for name, value in self.peak.items()}
