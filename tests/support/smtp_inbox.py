"""A real local SMTP server (aiosmtpd) and what it received, for the e-mail tests."""

from __future__ import annotations

import asyncio
import email
import email.policy
import time
from collections.abc import Iterator
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller

from launcher import free_port


class Inbox:
    """What the local SMTP server received (aiosmtpd handler)."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append(parsed)  # type: ignore[arg-type]
        return "250 Message accepted for delivery"

    async def wait(self, count: int, timeout: float = 10.0) -> list[EmailMessage]:
        """Until `count` e-mails arrived (in the test's event loop)."""
        deadline = asyncio.get_running_loop().time() + timeout
        while len(self.messages) < count:
            assert asyncio.get_running_loop().time() < deadline, "no e-mail arrived"
            await asyncio.sleep(0.05)
        return self.messages

    def wait_for(self, to: str, timeout: float = 15.0) -> EmailMessage:
        """The first e-mail to `to` (blocking; for the browser tests)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for message in self.messages:
                if message["To"] == to:
                    return message
            time.sleep(0.1)
        raise AssertionError(f"no e-mail to {to} (got {[m['To'] for m in self.messages]})")


def running_inbox() -> Iterator[tuple[Inbox, int]]:
    """An SMTP server on a free port: yields (inbox, port), stops afterwards (for fixtures)."""
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def text_of(message: EmailMessage) -> str:
    """The plain-text body."""
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())
