"""The browser tests' settings for bench.stack.Stack (the stack on the project's launcher): the
handoff service alone with the bot down, or the full stack; and the accounts the tests use."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from bench.stack import Stack

SHOP_SECRET = "e2e-shop-secret-0123456789abcdef"
PASSWORD = "e2e-password-123"
ADMIN_EMAIL = "admin@e2e.test"
# key in Stack.users -> (email, name, role); created through the API by the admin.
ACCOUNTS = {
    "agent": ("sam@e2e.test", "Sam Agent", "agent"),
    "agent2": ("kim@e2e.test", "Kim Colleague", "agent"),
    "console": ("lee@e2e.test", "Lee Console", "agent"),
    "xss": ("xss@e2e.test", '<img src=x onerror="window.__pwned=1">Eve', "agent"),
}


def running_stack(with_bot: bool, extra_env: dict[str, str] | None = None) -> Iterator[Stack]:
    """Start the stack (without the bot: handoff alone, RASA_URL at a closed port), log in
    as the admin, create the accounts; stop it and remove its directory afterwards.
    `extra_env` adds settings (e.g. the local SMTP server's port)."""
    workdir = Path(tempfile.mkdtemp(prefix="effortless-e2e-"))
    stack = Stack(
        shop_api_key="e2e-order-key",
        rasa_token="e2e-rasa-token",
        shop_secret=SHOP_SECRET,
        admin=(ADMIN_EMAIL, PASSWORD),
        cli_users=("admin",),
        extra_env={
            "HANDOFF_ENV": "test",
            "HANDOFF_RASA_TIMEOUT": "30",
            "ANALYTICS_LIVE_SECONDS": "2",  # the dashboard test waits for the live figures
            "HANDOFF_ATTACHMENTS_DIR": str(workdir / "attachments"),
            **(extra_env or {}),
        },
        workdir=workdir,
    )
    try:
        stack.start(only=None if with_bot else {"handoff"})
        login = stack.login(ADMIN_EMAIL, PASSWORD)
        stack.users["admin"] = {**login["user"], "password": PASSWORD}
        stack.add_users(login["token"], ACCOUNTS, PASSWORD)
        yield stack
    finally:
        stack.stop()
        shutil.rmtree(workdir, ignore_errors=True)
