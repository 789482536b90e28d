"""Where the photos' bytes live: a folder on the filesystem (HANDOFF_ATTACHMENTS_DIR).

Keys are made by the service (`<conversation id>/<attachment id>.<ext>`), never by clients; the
store still refuses any key that would leave its folder."""

from __future__ import annotations

import asyncio
import os
import secrets
from pathlib import Path

from handoff.errors import NotFound


class FileStorage:
    def __init__(self, root: str | Path) -> None:
        self.root = Path(root).resolve()

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if self.root not in path.parents:
            raise ValueError(f"storage key outside the store: {key!r}")
        return path

    def _write(self, key: str, data: bytes) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
        temporary.write_bytes(data)
        os.replace(temporary, path)  # readers never see half a file

    def _read(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError:
            raise NotFound("No such attachment.") from None

    async def put(self, key: str, data: bytes) -> None:
        await asyncio.to_thread(self._write, key, data)

    async def get(self, key: str) -> bytes:
        return await asyncio.to_thread(self._read, key)
