"""Outgoing e-mail over SMTP (aiosmtplib): transcripts and replies to customers who left.

Settings: HANDOFF_SMTP_HOST / _PORT / _TLS (none, starttls, tls) / _USER / _PASSWORD and
HANDOFF_MAIL_FROM. Without a host, e-mail is off and `Mailer.send` refuses."""

from __future__ import annotations

import logging
import re
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

import aiosmtplib

from handoff.config import Settings
from handoff.errors import BadRequest, DomainError

log = logging.getLogger(__name__)
ADDRESS = re.compile(r"[^@\s<>,;\"']+@[^@\s<>,;\"']+\.[^@\s<>,;\"'.]{2,}")
MAX_ADDRESS = 254


class MailUnavailable(DomainError, status=503, code="email_unavailable"):
    """E-mail is not configured, or the message could not be sent."""


def validate_address(value: object, field: str = "email") -> str:
    if not isinstance(value, str):
        raise BadRequest("email must be an e-mail address", field=field)
    address = value.strip()
    if len(address) > MAX_ADDRESS or not ADDRESS.fullmatch(address):
        raise BadRequest("email must be an e-mail address like name@example.com", field=field)
    return address


class Mailer:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    @property
    def enabled(self) -> bool:
        return self.settings.mail_enabled

    def message(self, *, to: str, subject: str, body: str) -> EmailMessage:
        message = EmailMessage()
        message["From"] = self.settings.mail_from
        message["To"] = to
        message["Subject"] = subject
        message["Date"] = formatdate(localtime=False)
        message["Message-ID"] = make_msgid(domain=self.settings.mail_from.rsplit("@", 1)[-1])
        message["Auto-Submitted"] = "auto-generated"
        message.set_content(body)
        return message

    async def send(self, *, to: str, subject: str, body: str) -> None:
        """Send one plain-text message; MailUnavailable when off or the server refuses."""
        if not self.enabled:
            raise MailUnavailable("E-mail is not available.")
        s = self.settings
        try:
            await aiosmtplib.send(
                self.message(to=to, subject=subject, body=body),
                hostname=s.smtp_host,
                port=s.smtp_port,
                username=s.smtp_user or None,
                password=s.smtp_password or None,
                use_tls=s.smtp_tls == "tls",
                start_tls=True if s.smtp_tls == "starttls" else False,
                timeout=s.smtp_timeout,
            )
        except (aiosmtplib.SMTPException, OSError) as exc:
            log.warning("e-mail not sent", extra={"error": repr(exc), "smtp_host": s.smtp_host})
            raise MailUnavailable("The e-mail could not be sent; please try again later.") from exc
        log.info("e-mail sent", extra={"smtp_host": s.smtp_host})
