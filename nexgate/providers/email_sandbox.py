"""A local SMTP server (aiosmtpd) that keeps every message in a Maildir.

The development stand-in for a real mail relay: ``serve`` starts it when
``NEXGATE_SMTP_SANDBOX_DIR`` is set, and the tests read what arrived from it. Like a relay
that knows its mailboxes, it refuses for good (550) any recipient whose address starts with
``bounce`` (``bounce@example.com``, ``bounce.amina@...``).
"""
from __future__ import annotations

import asyncio
import mailbox
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

from aiosmtpd.handlers import AsyncMessage
from aiosmtpd.smtp import SMTP


REFUSED_PREFIX = "bounce"


class _MaildirHandler(AsyncMessage):
    def __init__(self, maildir: mailbox.Maildir, arrived: asyncio.Condition):
        super().__init__()
        self.maildir = maildir
        self.arrived = arrived

    async def handle_RCPT(self, server, session, envelope, address: str, rcpt_options) -> str:
        if address.lower().startswith(REFUSED_PREFIX):
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_message(self, message) -> None:
        self.maildir.add(message)
        async with self.arrived:
            self.arrived.notify_all()


class SmtpSandbox:
    def __init__(self, directory: Path | str, host: str = "127.0.0.1", port: int = 0):
        self.directory = Path(directory)
        self.host = host
        self.port = port
        for folder in ("tmp", "new", "cur"):  # Maildir(create=True) skips an existing directory
            (self.directory / folder).mkdir(parents=True, exist_ok=True)
        self.maildir = mailbox.Maildir(self.directory, create=False)
        self._arrived = asyncio.Condition()
        self._server: asyncio.Server | None = None

    async def start(self) -> None:
        handler = _MaildirHandler(self.maildir, self._arrived)
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(lambda: SMTP(handler, hostname="nexgate-sandbox"), self.host, self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._server:
            self._server.close()
            await self._server.wait_closed()

    def messages(self) -> list[EmailMessage]:
        return [message_from_bytes(bytes(m), policy=policy.default) for m in self.maildir]

    async def wait_for(self, to: str, timeout: float = 10.0) -> EmailMessage:
        """The first message addressed to ``to``, waiting for it to arrive."""
        async with asyncio.timeout(timeout), self._arrived:
            while True:
                for message in self.messages():
                    if message["To"] == to:
                        return message
                await self._arrived.wait()
