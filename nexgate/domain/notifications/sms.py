"""SMS as a notification channel: any area requests one, the sms worker delivers it."""
from __future__ import annotations

import re
import uuid
from typing import Any

import asyncpg

from ... import bus
from ...bus import Event
from ...errors import Invalid
from ...providers.sms import SmsClient
from . import sms_repository
from .events import SMS_REQUESTED

PROVIDER = "africastalking"
MAX_TEXT = 1600  # the gateway's limit; longer texts go out as several billed parts up to it
E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")


async def text_notification(platform, *, to: str, view: dict[str, Any]) -> None:
    """Text a critical notification just told (its text, in the recipient's language) to their
    verified number: the request goes through the core outbox, to the SMS worker."""
    async with platform.core.transaction("notifications.request_sms") as core:
        await request_sms(core, to=to, text=f"Nexgate: {view['text']}"[:MAX_TEXT], kind="notification")


async def request_sms(core: asyncpg.Connection, *, to: str, text: str, kind: str = "message") -> uuid.UUID:
    """Queue an SMS in the caller's transaction: it is sent only if that transaction commits.

    ``to`` is an E.164 number (``identifiers.phone`` makes one); ``kind`` names what the
    message is for in the delivery record, which does not keep the text.
    """
    if not E164.match(to):
        raise Invalid(f"{to!r} is not an E.164 phone number", details={"to": to})
    if not text.strip() or len(text) > MAX_TEXT:
        raise Invalid(f"An SMS needs 1 to {MAX_TEXT} characters", details={"text": len(text)})
    return await bus.emit(core, SMS_REQUESTED, {"to": to, "text": text, "kind": kind})


async def deliver_requested_sms(notify: asyncpg.Connection, sms: SmsClient, event: Event) -> None:
    """Send the SMS an event asks for, and record the delivery. Raises if the gateway refuses it."""
    payload = event.payload
    result = await sms.send(payload["to"], payload["text"])
    currency, amount = result.price or (None, None)
    await sms_repository.record_sms_delivery(
        notify, event_id=event.id, recipient=payload["to"], kind=payload.get("kind", "message"), provider=PROVIDER,
        message_id=result.message_id, status=result.status, cost_currency=currency, cost_amount=amount,
    )
