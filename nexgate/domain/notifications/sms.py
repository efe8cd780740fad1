"""SMS as a notification channel: any area requests one, the sms worker delivers it, and
Africa's Talking's delivery reports say what became of a notification's text
(docs/notifications.md, "SMS").

A notification's SMS delivery, once sent, moves forward only: ``sent`` (the gateway took it;
reports of Sent, Submitted and Buffered say it is on its way), then ``failed`` (Failed,
Rejected, AbsentSubscriber, Expired; the reason is the report's failureReason, or else its
status) or ``delivered`` (Success). A failure may still turn delivered (the gateway's retry got
through); a delivered text stays delivered whatever comes after, so duplicate reports and
reports out of order change nothing. Every report is kept, and a report and the recording of
the text it names take the same lock, so a report that comes before the sms worker has
recorded the gateway's answer is applied by that recording.
"""
from __future__ import annotations

import hmac
import logging
import re
import uuid
from collections.abc import Mapping
from typing import Any

import asyncpg

from ... import bus
from ...bus import Event
from ...errors import Invalid, NotFound
from . import deliveries, sms_repository
from .events import SMS_REQUESTED

log = logging.getLogger(__name__)

PROVIDER = "africastalking"
MAX_TEXT = 1600  # the gateway's limit; longer texts go out as several billed parts up to it
E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")
# A delivery report's status (Africa's Talking's) -> the delivery's status.
REPORTED = {"Sent": "sent", "Submitted": "sent", "Buffered": "sent", "Success": "delivered", "Failed": "failed",
            "Rejected": "failed", "AbsentSubscriber": "failed", "Expired": "failed"}
PROGRESS = {"sent": 0, "failed": 1, "delivered": 2}  # a status is only ever replaced by a later one


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
    if delivery_id is None:
        return
    await sms_repository.lock_message(notify, PROVIDER, result.message_id)
    await deliveries.sent(platform, notify, delivery_id, deliveries.SMS, result.message_id)
    for report in await sms_repository.reports(notify, PROVIDER, result.message_id):  # it came first
        await _apply(platform, notify, await sms_repository.notification_delivery(notify, result.message_id),
                     report["status"], report["failure_reason"])


# Delivery reports

def advanced(status: str, reported: str, failure_reason: str | None) -> tuple[str, str | None] | None:
    """A delivery's (status, reason) after a report of ``reported``, or None if it stays as it is."""
    after = REPORTED[reported]
    if PROGRESS[after] <= PROGRESS.get(status, 0):
        return None
    return after, (failure_reason or reported) if after == "failed" else None


async def _apply(platform, conn: asyncpg.Connection, delivery: asyncpg.Record, reported: str,
                 failure_reason: str | None) -> None:
    moved = advanced(delivery["status"], reported, failure_reason)
    if moved is None:
        return
    status, reason = moved
    await sms_repository.set_state(conn, delivery["id"], status=status, reason=reason)
    platform.metrics.notification_deliveries.labels(deliveries.SMS, status, reason or "").inc()


def _report_fields(form: Mapping[str, str]) -> dict[str, Any]:
    """The report's fields, or 422 naming each bad one."""
    problems: dict[str, str] = {}
    message_id, status = form.get("id", "").strip(), form.get("status", "").strip()
    if not message_id:
        problems["id"] = "Missing: the messageId the report is about."
    if status not in REPORTED:
        problems["status"] = f"Not a delivery report status; one of {', '.join(REPORTED)}."
    retry_count = form.get("retryCount", "").strip()
    if retry_count and not retry_count.isdigit():
        problems["retryCount"] = "Not a whole number."
    if problems:
        raise Invalid.fields("body", problems, code="delivery_report_invalid")
    return {"message_id": message_id, "status": status, "failure_reason": form.get("failureReason") or None,
            "network_code": form.get("networkCode") or None, "retry_count": int(retry_count) if retry_count else None}


async def delivery_reported(platform, *, secret: str, form: Mapping[str, str]) -> bool:
    """An Africa's Talking delivery report, POSTed to the secret URL: kept, and applied to the
    notification's text it names. False when no notification's text has its id (yet): kept,
    logged, and applied if that text is recorded later. A wrong (or no configured) secret is
    404, changing nothing."""
    expected = platform.config.sms_delivery_reports_secret
    if not expected or not hmac.compare_digest(secret.encode(), expected.encode()):
        raise NotFound("No such callback", code="callback_not_found")
    report = _report_fields(form)
    message_id = report["message_id"]
    async with platform.notify.transaction("notifications.sms_delivery_report") as conn:
        await sms_repository.lock_message(conn, PROVIDER, message_id)
        await sms_repository.insert_report(conn, provider=PROVIDER, **report)
        delivery = await sms_repository.notification_delivery(conn, message_id)
        if delivery is None:
            log.info("SMS delivery report %s for %s: no notification's text has that id (yet); kept",
                     report["status"], message_id)
            return False
        await _apply(platform, conn, delivery, report["status"], report["failure_reason"])
    return True
