"""A real Sanic server on a free port, for the handoff and the analytics tests."""

from __future__ import annotations

from typing import Any

from sanic import Sanic

from launcher import free_port

Sanic.test_mode = True


class Served:
    def __init__(self, app: Sanic, port: int | None = None) -> None:
        self.app = app
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server: Any = None

    async def start(self) -> None:
        self.server = await self.app.create_server(
            host="127.0.0.1", port=self.port, return_asyncio_server=True, access_log=False
        )
        await self.server.startup()
        await self.server.before_start()
        await self.server.after_start()

    async def stop(self) -> None:
        await self.server.before_stop()
        self.server.close()
        await self.server.wait_closed()
        await self.server.after_stop()
