"""Operator tools for a group's dead-letter queue: look at what failed, send it back."""
from __future__ import annotations

import dataclasses
import datetime

from aio_pika.abc import AbstractIncomingMessage

from .broker import Broker, close_channel
from .consumer import ATTEMPT_HEADER, dead_letter_headers
from .event import Event, MalformedEvent


@dataclasses.dataclass(frozen=True)
class DeadLetter:
    group: str
    message_id: str | None
    event_type: str | None
    attempts: int
    error: str
    failed_at: datetime.datetime | None
    body: bytes


def _describe(group: str, message: AbstractIncomingMessage) -> DeadLetter:
    headers = message.headers or {}
    try:
        event_type = Event.from_json(message.body).type
    except MalformedEvent:
        event_type = None
    failed_at = headers.get("x-failed-at")
    return DeadLetter(
        group=group,
        message_id=message.message_id,
        event_type=event_type,
        attempts=int(headers.get(ATTEMPT_HEADER, 0)),
        error=str(headers.get("x-error", "")),
        failed_at=datetime.datetime.fromtimestamp(float(failed_at), datetime.UTC) if failed_at else None,
        body=message.body,
    )


async def park(broker: Broker, group: str, event: Event, *, attempts: int, error: str) -> None:
    """Put an event straight into a group's dead-letter queue (confirmed), as the consumer does
    with one whose every delivery failed: for a handler that keeps its own attempts (push
    deliveries) and has given up. Replaying it hands it to the group like any dead letter."""
    await broker.publish_to_queue(broker.topology.dead_queue(group), event.to_json(), message_id=str(event.id),
                                  headers=dead_letter_headers(attempts, error))


async def _drain(broker: Broker, group: str, channel) -> list[AbstractIncomingMessage]:
    """Take every message of the dead-letter queue without acknowledging it."""
    queue = await channel.declare_queue(broker.topology.dead_queue(group), durable=True)
    messages = []
    while (message := await queue.get(no_ack=False, fail=False)) is not None:
        messages.append(message)
    return messages


async def list_dead_letters(broker: Broker, group: str) -> list[DeadLetter]:
    """Read the queue; closing the channel hands every message back to it, unchanged."""
    channel = await broker.channel()
    try:
        return [_describe(group, message) for message in await _drain(broker, group, channel)]
    finally:
        await close_channel(channel)


async def replay_dead_letters(broker: Broker, group: str, message_ids: set[str] | None = None) -> list[DeadLetter]:
    """Put dead letters (all, or those named) back on the group's queue with a fresh attempt count."""
    channel = await broker.channel()
    replayed = []
    try:
        for message in await _drain(broker, group, channel):
            if message_ids is not None and message.message_id not in message_ids:
                continue
            await broker.publish_to_queue(
                broker.topology.queue(group), message.body, message_id=message.message_id, headers={ATTEMPT_HEADER: 1}
            )
            await message.ack()
            replayed.append(_describe(group, message))
    finally:
        await close_channel(channel)  # the ones not replayed go back to the dead-letter queue
    return replayed
