"""Email as a notification channel: any area requests one, the email worker delivers it."""
from __future__ import annotations

import uuid
from typing import Any

import asyncpg

from ... import bus
from ...bus import Event
from ...errors import Invalid
from ...providers.email import SmtpMailer
from . import repository, templates
from .events import EMAIL_REQUESTED


async def request_email(core: asyncpg.Connection, *, to: str, template: str, context: dict[str, Any]) -> uuid.UUID:
    """Queue an email in the caller's transaction: it is sent only if that transaction commits."""
    if "@" not in to or any(c.isspace() for c in to):
        raise Invalid(f"{to!r} is not an email address", details={"to": to})
    templates.render(template, to, context)  # refuse now what the worker could never render
    return await bus.emit(core, EMAIL_REQUESTED, {"to": to, "template": template, "context": context})


async def deliver_requested_email(notify: asyncpg.Connection, mailer: SmtpMailer, event: Event) -> None:
    """Render and send the email an event asks for, and record the delivery."""
    payload = event.payload
    email = templates.render(payload["template"], payload["to"], payload["context"])
    message_id = await mailer.send(email)
    await repository.record_email_delivery(
        notify,
        event_id=event.id,
        recipient=email.to,
        template=payload["template"],
        subject=email.subject,
        message_id=message_id,
    )
