"""The launcher with real processes: several instances, health checks, kill -9 and restart of
one instance, process groups (a grandchild dies with its parent), prefixed and file logs."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from launcher import Launcher, LaunchError, Spec, free_port, healthy, port_busy

SERVER = [sys.executable, "-m", "http.server", "--bind", "127.0.0.1"]


def http_server(name: str, tmp_path: Path, **kwargs: object) -> Spec:
    port = free_port()
    return Spec(
        name,
        [*SERVER, str(port)],
        health=f"http://127.0.0.1:{port}/",
        port=port,
        log=tmp_path / f"{name}.log",
        cwd=tmp_path,
        **kwargs,  # type: ignore[arg-type]
    )


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
        return stat.read().split()[2] != "Z"


def test_instances_kill_9_restart_and_stop(tmp_path: Path) -> None:
    with Launcher(grace=5) as launcher:
        first, second = launcher.start_all(
            [http_server("web-1", tmp_path, env={"WHO": "one"}), http_server("web-2", tmp_path)]
        )
        assert [p.name for p in launcher.group("web")] == ["web-1", "web-2"]
        assert first.ready() and second.ready()
        assert first.port is not None and second.port is not None
        code = first.kill()
        assert code == -signal.SIGKILL and not port_busy(first.port)
        assert second.ready()  # the other instance is untouched
        assert launcher.exited() == [first]
        took = first.restart(timeout=30)
        assert 0 < took < 30 and first.ready() and first.starts == 2
        with pytest.raises(LaunchError, match="still running"):
            first.restart()
    assert not first.running and not second.running
    assert not port_busy(first.port) and not port_busy(second.port)
    assert "GET / HTTP" in (tmp_path / "web-2.log").read_text()


def test_stop_ends_the_whole_process_group(tmp_path: Path) -> None:
    pid_file = tmp_path / "grandchild.pid"
    script = (
        "import subprocess, sys, time; "
        "p = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)']); "
        f"open({str(pid_file)!r}, 'w').write(str(p.pid)); time.sleep(600)"
    )
    launcher = Launcher(grace=2)
    process = launcher.start(Spec("parent", [sys.executable, "-c", script], health=pid_file.exists))
    grandchild = int(pid_file.read_text())
    assert alive(grandchild)
    launcher.stop()
    deadline = time.monotonic() + 5
    while alive(grandchild) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not alive(grandchild) and not process.running


def test_a_process_that_dies_while_starting_is_named_with_its_log(tmp_path: Path) -> None:
    spec = Spec(
        "broken",
        [sys.executable, "-c", "import sys; print('bad setting: X'); sys.exit(2)"],
        health="http://127.0.0.1:9/",
        log=tmp_path / "broken.log",
    )
    with Launcher() as launcher, pytest.raises(LaunchError) as exc:
        launcher.start(spec)
    assert "broken exited with 2" in str(exc.value) and "bad setting: X" in str(exc.value)


def test_health_timeout(tmp_path: Path) -> None:
    never = Spec("never", [sys.executable, "-c", "import time; time.sleep(60)"],
                 health=lambda: False, start_timeout=0.5)  # fmt: skip
    with Launcher() as launcher, pytest.raises(LaunchError, match="never not healthy after"):
        launcher.start(never)
    assert not launcher["never"].running  # stopped on leaving the block


def test_watch_returns_the_process_that_exited_or_none_when_stopping() -> None:
    with Launcher() as launcher:
        launcher.start(Spec("long", [sys.executable, "-c", "import time; time.sleep(60)"]))
        short = launcher.start(Spec("short", [sys.executable, "-c", "import time; time.sleep(1)"]))
        assert launcher.watch(interval=0.1) is short
    with Launcher() as launcher:
        launcher.start(Spec("long", [sys.executable, "-c", "import time; time.sleep(60)"]))
        threading.Timer(0.3, launcher.stopping.set).start()
        started = time.monotonic()
        assert launcher.watch(interval=5) is None and time.monotonic() - started < 3


def test_echo_prefixes_every_line(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from launcher import Launcher, Spec\n"
        "with Launcher() as launcher:\n"
        "    p = launcher.start(Spec('hello', [sys.executable, '-c', 'print(1); print(2)'],"
        " echo=True))\n"
        "    p.wait(10)\n"
    )
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=root, capture_output=True, text=True, timeout=60,
        env={**os.environ, "PYTHONPATH": str(root)},
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    lines = [line for line in out.stdout.splitlines() if line.strip()]
    assert len(lines) == 2 and all("hello |" in line for line in lines), lines


def test_free_port_is_free_and_healthy_is_false_when_nobody_listens() -> None:
    port = free_port()
    assert not port_busy(port)
    assert not healthy(f"http://127.0.0.1:{port}/", timeout=0.5)


def test_supervise_restarts_a_killed_process_and_gives_up_on_one_that_keeps_dying(
    tmp_path: Path,
) -> None:
    lines: list[str] = []
    with Launcher(grace=5) as launcher:
        web = launcher.start(http_server("web", tmp_path))
        first_pid = web.pid
        assert first_pid is not None
        threading.Timer(0.5, web.kill).start()

        def stop_once_back(line: str) -> None:
            lines.append(line)
            if "is back" in line:
                launcher.stopping.set()

        assert launcher.supervise(interval=0.1, report=stop_once_back) is None
        assert web.ready() and web.pid != first_pid and web.starts == 2
        assert lines[0].startswith("web exited with -9; restarting it")
    lines.clear()
    with Launcher() as launcher:
        launcher.start(Spec("long", [sys.executable, "-c", "import time; time.sleep(60)"]))
        flaky = Spec("flaky", [sys.executable, "-c", "import time; time.sleep(0.3)"])
        launcher.start(flaky)
        gave_up = launcher.supervise(interval=0.1, restarts=2, report=lines.append)
        assert gave_up is launcher["flaky"]
        assert lines[-1] == "flaky exited 3 times in 300 s; giving up"
        assert launcher["long"].running


def test_the_action_server_listens_on_loopback_unless_told_otherwise() -> None:
    from launcher import components

    assert components.actions(5055).env["SANIC_HOST"] == "127.0.0.1"  # Rasa SDK: 0.0.0.0
    assert components.actions(5055, {"SANIC_HOST": "0.0.0.0"}).env["SANIC_HOST"] == "0.0.0.0"
