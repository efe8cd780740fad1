"""Email as a notification channel: any area requests one, the email worker delivers it."""
from __future__ import annotations

import uuid
from typing import Any

import asyncpg

from ... import bus
from ...bus import Event
from ...errors import Invalid
from . import deliveries, repository, templates
from .events import EMAIL_REQUESTED


async def request_email(core: asyncpg.Connection, *, to: str, template: str, context: dict[str, Any],
                        delivery_id: uuid.UUID | None = None, rendered_first: bool = True) -> uuid.UUID:
    """Queue an email in the caller's transaction: it is sent only if that transaction commits.
    ``delivery_id``: the notification delivery it is (deliveries.py), if it is one. It is
    rendered first, to refuse now what the worker could never render; a consumer that has no one
    to refuse it to (whose failure would only be retried) passes ``rendered_first=False`` and
    leaves the one rendering to the email worker."""
    return await bus.emit(core, *_requested(to, template, context, delivery_id, rendered_first))


async def request_emails(core: asyncpg.Connection, *, template: str, emails: list[tuple[str, dict[str, Any]]],
                         rendered_first: bool = True) -> None:
    """``request_email`` for several emails of one template, each (to, context), in one statement."""
    await bus.emit_many(core, [_requested(to, template, context, None, rendered_first) for to, context in emails])


def _requested(to: str, template: str, context: dict[str, Any], delivery_id: uuid.UUID | None,
               rendered_first: bool) -> bus.PendingEvent:
    if "@" not in to or any(c.isspace() for c in to):
        raise Invalid(f"{to!r} is not an email address", details={"to": to})
    if rendered_first:
        templates.render(template, to, context)  # refuse now what the worker could never render
    return bus.pending(EMAIL_REQUESTED, {"to": to, "template": template, "context": context,
                                         "delivery_id": None if delivery_id is None else str(delivery_id)})


NOTIFICATION_TEMPLATE = "notification"


async def email_notification(platform, conn: asyncpg.Connection, told: deliveries.Told, *, to: str, language: str,
                             view: dict[str, Any]) -> None:
    """Email a notification just told (``view``, rendered in the recipient's ``language``) to a
    recipient who chose every one of its category by email: its delivery queued in ``conn`` (the
    notifications consumer's), the request through the core outbox, to the email worker."""
    delivery_id = await deliveries.queue(conn, deliveries.EMAIL, told)
    if delivery_id is None:
        return
    context = {"text": view["text"], "link": view["link"], "language": language,
               "settings_url": f"{platform.config.web_url.rstrip('/')}/settings/notifications"}
    async with platform.core.transaction("notifications.request_email") as core:
        await request_email(core, to=to, template=NOTIFICATION_TEMPLATE, context=context, delivery_id=delivery_id)


async def deliver_requested_email(platform, notify: asyncpg.Connection, event: Event) -> None:
    """Render and send the email an event asks for, and record the delivery."""
    payload = event.payload
    delivery_id = deliveries.delivery_of(payload)
    if delivery_id is not None and not await deliveries.claim(notify, delivery_id):
        return
    email = templates.render(payload["template"], payload["to"], payload["context"])
    message_id = await platform.mailer.send(email)
    await repository.record_email_delivery(
        notify,
        event_id=event.id,
        recipient=email.to,
        template=payload["template"],
        subject=email.subject,
        message_id=message_id,
    )
    if delivery_id is not None:
        await deliveries.sent(platform, notify, delivery_id, deliveries.EMAIL, message_id)
