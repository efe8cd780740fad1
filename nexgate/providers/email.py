"""Outgoing email over real SMTP (aiosmtplib)."""
from __future__ import annotations

import asyncio
import dataclasses
from email.message import EmailMessage
from email.utils import make_msgid

import aiosmtplib

from ..config import Config


@dataclasses.dataclass(frozen=True)
class Email:
    to: str
    subject: str
    text: str
    html: str | None = None


class EmailRefused(Exception):
    """The mail server refused the message for good (a 5xx answer, such as an unknown mailbox):
    sending it again would be refused the same way."""

    permanent = True

    def __init__(self, code: int, message: str):
        super().__init__(f"the mail server refused it: {code} {message}")
        self.reason = f"smtp_{code}"


class SmtpMailer:
    def __init__(self, *, host: str, port: int, sender: str, username: str = "", password: str = "", starttls: bool = False):
        self.host = host
        self.port = port
        self.sender = sender
        self.username = username or None
        self.password = password or None
        self.starttls = starttls

    @classmethod
    def from_config(cls, config: Config) -> SmtpMailer:
        return cls(
            host=config.smtp_host,
            port=config.smtp_port,
            sender=config.email_from,
            username=config.smtp_username,
            password=config.smtp_password,
            starttls=config.smtp_starttls,
        )

    def build(self, email: Email) -> EmailMessage:
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = email.to
        message["Subject"] = email.subject
        message["Message-ID"] = make_msgid(domain=self.sender.rsplit("@", 1)[-1].rstrip(">") or None)
        message.set_content(email.text)
        if email.html:
            message.add_alternative(email.html, subtype="html")
        return message

    async def send(self, email: Email) -> str:
        """Deliver to the SMTP server; returns the Message-ID. Raises on any SMTP failure:
        ``EmailRefused`` when it is for good."""
        message = self.build(email)
        try:
            await aiosmtplib.send(
                message,
                hostname=self.host,
                port=self.port,
                username=self.username,
                password=self.password,
                start_tls=self.starttls,
                timeout=10,
            )
        except aiosmtplib.SMTPRecipientsRefused as error:
            refused = error.recipients[0]
            raise EmailRefused(refused.code, refused.message) from error
        except aiosmtplib.SMTPResponseException as error:
            if error.code >= 500:
                raise EmailRefused(error.code, error.message) from error
            raise
        return message["Message-ID"]

    async def ping(self, timeout: float = 3.0) -> None:
        client = aiosmtplib.SMTP(hostname=self.host, port=self.port, timeout=timeout, start_tls=False)
        async with asyncio.timeout(timeout):
            await client.connect()
            await client.quit()
