"""launcher.serve: what a served process does once its server is up."""

from __future__ import annotations

import gc
from typing import Any, cast

from launcher.serve import freeze_startup_objects, serve


class FakeApp:
    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []

    def after_server_start(self, listener: Any) -> None:
        self.calls.append(("after_server_start", listener))

    def run(self, **options: Any) -> None:
        self.calls.append(("run", options))


def test_serve_freezes_the_startup_objects_once_up() -> None:
    app = FakeApp()
    serve(cast(Any, app), "127.0.0.1", 8099)
    assert app.calls[0] == ("after_server_start", freeze_startup_objects)
    assert app.calls[1][0] == "run" and app.calls[1][1]["port"] == 8099


async def test_startup_objects_leave_the_collectors_view() -> None:
    gc.unfreeze()
    kept = [{"n": n} for n in range(1000)]
    try:
        await freeze_startup_objects(cast(Any, None))
        assert gc.get_freeze_count() >= len(kept)
        # a collection now walks only what was made after the server started
        assert len(gc.get_objects(generation=2)) < gc.get_freeze_count()
    finally:
        gc.unfreeze()
