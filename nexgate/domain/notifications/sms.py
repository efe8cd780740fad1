"""SMS as a notification channel: any area requests one, the sms worker delivers it."""
from __future__ import annotations

import re
import uuid
from typing import Any

import asyncpg

from ... import bus
from ...bus import Event
from ...errors import Invalid
from . import deliveries, sms_repository
from .events import SMS_REQUESTED

PROVIDER = "africastalking"
MAX_TEXT = 1600  # the gateway's limit; longer texts go out as several billed parts up to it
E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")


async def text_notification(platform, conn: asyncpg.Connection, told: deliveries.Told, *, to: str,
                            view: dict[str, Any]) -> None:
    """Text a critical notification just told (its text, in the recipient's language) to their
    verified number: its delivery queued in ``conn`` (the notifications consumer's), the request
    through the core outbox, to the SMS worker."""
    delivery_id = await deliveries.queue(conn, deliveries.SMS, told)
    if delivery_id is None:
        return
    async with platform.core.transaction("notifications.request_sms") as core:
        await request_sms(core, to=to, text=f"Nexgate: {view['text']}"[:MAX_TEXT], kind="notification",
                          delivery_id=delivery_id)


async def request_sms(core: asyncpg.Connection, *, to: str, text: str, kind: str = "message",
                      delivery_id: uuid.UUID | None = None) -> uuid.UUID:
    """Queue an SMS in the caller's transaction: it is sent only if that transaction commits.

    ``to`` is an E.164 number (``identifiers.phone`` makes one); ``kind`` names what the
    message is for in the delivery record, which does not keep the text; ``delivery_id`` the
    notification delivery it is (deliveries.py), if it is one.
    """
    if not E164.match(to):
        raise Invalid(f"{to!r} is not an E.164 phone number", details={"to": to})
    if not text.strip() or len(text) > MAX_TEXT:
        raise Invalid(f"An SMS needs 1 to {MAX_TEXT} characters", details={"text": len(text)})
    return await bus.emit(core, SMS_REQUESTED, {"to": to, "text": text, "kind": kind,
                                                "delivery_id": None if delivery_id is None else str(delivery_id)})


async def deliver_requested_sms(platform, notify: asyncpg.Connection, event: Event) -> None:
    """Send the SMS an event asks for, and record the delivery. Raises if the gateway refuses it."""
    payload = event.payload
    delivery_id = deliveries.delivery_of(payload)
    if delivery_id is not None and not await deliveries.claim(notify, delivery_id):
        return
    result = await platform.sms.send(payload["to"], payload["text"])
    currency, amount = result.price or (None, None)
    await sms_repository.record_sms_delivery(
        notify, event_id=event.id, recipient=payload["to"], kind=payload.get("kind", "message"), provider=PROVIDER,
        message_id=result.message_id, status=result.status, cost_currency=currency, cost_amount=amount,
    )
    if delivery_id is not None:
        await deliveries.sent(platform, notify, delivery_id, deliveries.SMS, result.message_id)
