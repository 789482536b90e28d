"""How a Sanic server of this project serves once started (`python -m handoff`, `python -m shop`):
a single process (more instances are more processes, started by the launcher or the deployment),
without Sanic's access log and banner."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sanic import Sanic


def serve(app: Sanic[Any, Any], host: str, port: int) -> None:
    """Serves `app` on host:port until the process is stopped."""
    app.run(host=host, port=port, single_process=True, access_log=False, motd=False)
