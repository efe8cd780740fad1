"""Consumer groups: a durable queue bound to routing keys, handled once per event id.

A delivery is handled inside a transaction on the group's database that first claims
the event id in ``processed_events``; a redelivered or re-published event finds it
claimed and is acknowledged without running the handler again. A group that handles events in
batches (``handle_batch``) gets the deliveries that arrived while it handled the last ones
together, up to ``batch``, in one transaction whose one statement claims them all; if that
transaction fails, each of them is handled again alone, as an unbatched delivery is, so that
one bad event is retried or dead-lettered without the others. A handler that raises
rolls back its claim; the message goes to the group's retry queue for the next backoff
step and, after ``max_attempts`` deliveries, to the group's dead-letter queue. An error that
says it is ``permanent`` (a number the gateway will never text) goes to the dead-letter
queue at once: retrying it would fail the same way. A group's ``on_failure`` hears of each
failed attempt after its rollback (to record it where its users see it), and whether it
was the last.
"""
from __future__ import annotations

import asyncio
import dataclasses
import datetime
import logging
import time
from collections.abc import Awaitable, Callable

import asyncpg
from aio_pika.abc import AbstractIncomingMessage

from ..db import Database
from . import outbox
from .broker import Broker, close_channel
from .event import Event, MalformedEvent

log = logging.getLogger(__name__)

Handler = Callable[[Event, asyncpg.Connection], Awaitable[None]]
BatchHandler = Callable[[list[Event], asyncpg.Connection], Awaitable[None]]
ATTEMPT_HEADER = "x-attempt"


@dataclasses.dataclass(frozen=True)
class Failure:
    """One failed attempt at handling an event: the ``attempt``'s number (from 1), its error,
    and when it is tried again (None: it was the last, and the event is dead-lettered)."""

    attempt: int
    error: Exception
    retry_at: datetime.datetime | None

    @property
    def final(self) -> bool:
        return self.retry_at is None


FailureHook = Callable[[Event, Failure], Awaitable[None]]


def is_permanent(error: Exception) -> bool:
    return getattr(error, "permanent", False) is True


@dataclasses.dataclass(frozen=True)
class ConsumerGroup:
    name: str
    routing_keys: tuple[str, ...]
    handle: Handler | None  # one event at a time; or None, and handle_batch
    database: Database
    prefetch: int | None = None  # the group's own limit on deliveries in hand, if not the bus-wide one
    on_failure: FailureHook | None = None
    handle_batch: BatchHandler | None = None  # the new events of up to ``batch`` deliveries, in delivery order
    batch: int = 1

    def __post_init__(self) -> None:
        if (self.handle is None) == (self.handle_batch is None):
            raise ValueError(f"consumer group {self.name} needs handle or handle_batch, not both")
        if self.batch < 1 or (self.batch > 1 and self.handle_batch is None):
            raise ValueError(f"consumer group {self.name}: a batch of more than one needs handle_batch")

    async def handle_events(self, events: list[Event], conn: asyncpg.Connection) -> None:
        if self.handle_batch is not None:
            await self.handle_batch(events, conn)
            return
        for event in events:
            await self.handle(event, conn)


async def declare_group_queues(broker: Broker, group_name: str, routing_keys: tuple[str, ...]):
    """Declare the group's queue with its bindings, retry queues and dead-letter queue."""
    topology = broker.topology
    channel = await broker.channel()
    try:
        exchange = await channel.get_exchange(topology.exchange)
        queue = await channel.declare_queue(topology.queue(group_name), durable=True)
        for key in routing_keys:
            await queue.bind(exchange, routing_key=key)
        for delay in topology.retry_delays_ms():
            await channel.declare_queue(
                topology.retry_queue(group_name, delay),
                durable=True,
                arguments={
                    "x-message-ttl": delay,
                    "x-dead-letter-exchange": "",
                    "x-dead-letter-routing-key": topology.queue(group_name),
                },
            )
        await channel.declare_queue(topology.dead_queue(group_name), durable=True)
    finally:
        await close_channel(channel)


def dead_letter_headers(attempt: int, error: str) -> dict:
    """What a dead letter carries beside its body: its attempts, the last error, when it failed."""
    return {ATTEMPT_HEADER: attempt, "x-error": error[:1000], "x-failed-at": time.time()}


class Consumer:
    def __init__(self, broker: Broker, group: ConsumerGroup, *, prefetch: int):
        self.broker = broker
        self.group = group
        self.prefetch = prefetch
        self.name = f"consumer:{group.name}"
        self.transaction_name = f"workers.{group.name}"

    async def run(self) -> None:
        await declare_group_queues(self.broker, self.group.name, self.group.routing_keys)
        channel = await self.broker.channel(prefetch=max(self.prefetch, self.group.batch))
        queue = await channel.get_queue(self.broker.topology.queue(self.group.name))
        if self.group.batch == 1:
            tag = await queue.consume(self._on_message)
            batches = None
        else:
            inbox: asyncio.Queue[AbstractIncomingMessage] = asyncio.Queue()

            async def deliver(message: AbstractIncomingMessage) -> None:
                inbox.put_nowait(message)

            batches = asyncio.create_task(self._take_batches(inbox), name=f"{self.name}:batches")
            tag = await queue.consume(deliver)
        log.info("consumer %s listening on %s", self.group.name, ", ".join(self.group.routing_keys))
        try:
            await (batches or asyncio.Future())  # runs until cancelled
        finally:
            if batches is not None:
                batches.cancel()
            await asyncio.shield(self._stop(queue, tag, channel))

    @staticmethod
    async def _stop(queue, tag: str, channel) -> None:
        if not channel.is_closed:
            await queue.cancel(tag)
        await close_channel(channel)

    async def _on_message(self, message: AbstractIncomingMessage) -> None:
        delivery = await self._read(message)
        if delivery is not None:
            await self._handle_alone(*delivery)

    async def _read(self, message: AbstractIncomingMessage) -> tuple[AbstractIncomingMessage, Event, int] | None:
        """The delivery with its event and attempt; None if its body is no event (dead-lettered)."""
        attempt = int((message.headers or {}).get(ATTEMPT_HEADER, 1))
        try:
            return message, Event.from_json(message.body), attempt
        except MalformedEvent as error:
            await self._dead_letter(message, attempt, str(error))
            return None

    async def _handle_alone(self, message: AbstractIncomingMessage, event: Event, attempt: int) -> None:
        started = time.perf_counter()
        try:
            async with self.group.database.transaction(self.transaction_name) as conn:
                if await outbox.claim_event(conn, self.group.name, event.id):
                    await self.group.handle_events([event], conn)
                else:
                    log.info("consumer %s skips %s: already handled", self.group.name, event.id)
        except Exception as error:
            await self._failed(message, event, attempt, error)
            return
        await message.ack()
        log.debug("consumer %s handled %s in %.1f ms", self.group.name, event.id, 1000 * (time.perf_counter() - started))

    async def _take_batches(self, inbox: asyncio.Queue[AbstractIncomingMessage]) -> None:
        """One batch at a time: whatever arrived while the last one was handled, up to ``batch``."""
        while True:
            messages = [await inbox.get()]
            while len(messages) < self.group.batch and not inbox.empty():
                messages.append(inbox.get_nowait())
            deliveries = [delivery for delivery in [await self._read(message) for message in messages] if delivery]
            if len(deliveries) == 1:
                await self._handle_alone(*deliveries[0])
            elif deliveries:
                await self._handle_batch(deliveries)

    async def _handle_batch(self, deliveries: list[tuple[AbstractIncomingMessage, Event, int]]) -> None:
        started = time.perf_counter()
        try:
            async with self.group.database.transaction(self.transaction_name) as conn:
                claimed = await outbox.claim_events(conn, self.group.name, [event.id for _, event, _ in deliveries])
                # In delivery order, each once (a redelivery may come beside its first delivery).
                events = list({event.id: event for _, event, _ in deliveries if event.id in claimed}.values())
                if events:
                    await self.group.handle_events(events, conn)
        except Exception as error:
            log.info("consumer %s: a batch of %d failed (%r); each alone", self.group.name, len(deliveries), error)
            for delivery in deliveries:
                await self._handle_alone(*delivery)
            return
        for message, _, _ in deliveries:
            try:
                await message.ack()
            except Exception as error:  # its channel closed: redelivered, it finds its claim
                log.warning("consumer %s cannot acknowledge %s: %r", self.group.name, message.message_id, error)
        log.debug("consumer %s handled %d in %.1f ms", self.group.name, len(deliveries),
                  1000 * (time.perf_counter() - started))

    async def _failed(self, message: AbstractIncomingMessage, event: Event, attempt: int, error: Exception) -> None:
        """The group told, then the message retried after its delay or, if none is left, dead-lettered."""
        delay_ms = self._retry_delay_ms(attempt, error)
        log.warning("consumer %s failed on %s (attempt %d/%d): %r", self.group.name, event.id, attempt,
                    self.broker.topology.max_attempts, error, exc_info=delay_ms is None)
        retry_at = None if delay_ms is None else (
            datetime.datetime.now(datetime.UTC) + datetime.timedelta(milliseconds=delay_ms))
        await self._tell_failure(event, Failure(attempt, error, retry_at))
        if delay_ms is None:
            await self._dead_letter(message, attempt, repr(error))
        else:
            await self._move(message, self.broker.topology.retry_queue(self.group.name, delay_ms),
                             {ATTEMPT_HEADER: attempt + 1})

    def _retry_delay_ms(self, attempt: int, error: Exception) -> int | None:
        """How long until the next attempt, or None if there is none."""
        topology = self.broker.topology
        if attempt >= topology.max_attempts or is_permanent(error):
            return None
        return topology.retry_delays_ms()[attempt - 1]

    async def _tell_failure(self, event: Event, failure: Failure) -> None:
        if self.group.on_failure is None:
            return
        try:
            await self.group.on_failure(event, failure)
        except Exception:  # the event is retried or dead-lettered all the same
            log.exception("consumer %s could not record the failure of %s", self.group.name, event.id)

    async def _dead_letter(self, message: AbstractIncomingMessage, attempt: int, error: str) -> None:
        await self._move(message, self.broker.topology.dead_queue(self.group.name), dead_letter_headers(attempt, error))

    async def _move(self, message: AbstractIncomingMessage, queue: str, headers: dict) -> None:
        """Publish a copy to ``queue`` (confirmed), then ack the original; if the copy
        cannot be published the original is requeued, so nothing is lost."""
        try:
            await self.broker.publish_to_queue(queue, message.body, message_id=message.message_id, headers=headers)
        except Exception as error:
            log.warning("consumer %s cannot move %s to %s: %r", self.group.name, message.message_id, queue, error)
            await message.nack(requeue=True)
            return
        await message.ack()
