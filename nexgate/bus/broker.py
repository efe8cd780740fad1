"""RabbitMQ through aio-pika: one robust connection per process, names of every queue."""
from __future__ import annotations

import asyncio
import dataclasses
from typing import Any

import aio_pika
from aio_pika.abc import AbstractChannel, AbstractExchange, AbstractRobustConnection

from ..config import Config

PUBLISH_TIMEOUT = 5.0


@dataclasses.dataclass(frozen=True)
class Topology:
    """Exchange and queue names, all under the deployment's namespace.

    A consumer group ``g`` owns the queue ``ns.g``, one retry queue per backoff step
    (``ns.g.retry.<ms>ms``, whose messages expire back into ``ns.g``) and ``ns.g.dead``.
    """

    namespace: str
    max_attempts: int
    retry_base_ms: int

    @property
    def exchange(self) -> str:
        return f"{self.namespace}.events"

    def queue(self, group: str) -> str:
        return f"{self.namespace}.{group}"

    def dead_queue(self, group: str) -> str:
        return f"{self.namespace}.{group}.dead"

    def retry_delays_ms(self) -> list[int]:
        """Delay before delivery n+2, for each failed delivery n+1 that is retried."""
        return [self.retry_base_ms * 4**step for step in range(self.max_attempts - 1)]

    def retry_queue(self, group: str, delay_ms: int) -> str:
        # The delay is in the name because a queue's TTL cannot change once declared.
        return f"{self.namespace}.{group}.retry.{delay_ms}ms"


class Broker:
    def __init__(self, connection: AbstractRobustConnection, topology: Topology):
        self.connection = connection
        self.topology = topology
        self._channel: AbstractChannel | None = None
        self._exchange: AbstractExchange | None = None

    @classmethod
    async def connect(cls, config: Config) -> Broker:
        connection = await aio_pika.connect_robust(
            config.amqp_url, timeout=5, reconnect_interval=1, client_properties={"connection_name": "nexgate"}
        )
        broker = cls(connection, Topology(config.bus_namespace, config.bus_max_attempts, config.bus_retry_base_ms))
        await broker._declare()
        return broker

    async def _declare(self) -> None:
        self._channel = await self.connection.channel(publisher_confirms=True)
        self._exchange = await self._channel.declare_exchange(
            self.topology.exchange, aio_pika.ExchangeType.TOPIC, durable=True
        )

    async def channel(self, prefetch: int | None = None) -> AbstractChannel:
        channel = await self.connection.channel()
        if prefetch:
            await channel.set_qos(prefetch_count=prefetch)
        return channel

    async def publish_event(self, routing_key: str, body: bytes, message_id: str) -> None:
        """Publish to the topic exchange and wait for the broker's confirm."""
        message = aio_pika.Message(
            body,
            message_id=message_id,
            content_type="application/json",
            delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
        )
        async with asyncio.timeout(PUBLISH_TIMEOUT):
            await self._exchange.publish(message, routing_key=routing_key)

    async def publish_to_queue(self, queue: str, body: bytes, *, message_id: str | None, headers: dict[str, Any]) -> None:
        """Publish straight to a queue (through the default exchange), waiting for the confirm.

        Used for retries, dead letters and replays.
        """
        message = aio_pika.Message(
            body,
            message_id=message_id,
            content_type="application/json",
            delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
            headers=headers,
        )
        async with asyncio.timeout(PUBLISH_TIMEOUT):
            await self._channel.default_exchange.publish(message, routing_key=queue)

    async def ping(self, timeout: float = 2.0) -> None:
        if self.connection.is_closed or not self.connection.connected.is_set():
            raise ConnectionError("RabbitMQ connection is down")
        async with asyncio.timeout(timeout):
            channel = await self.connection.channel()
            await close_channel(channel)

    async def close(self) -> None:
        await self.connection.close()


async def queue_depth(broker: Broker, queue: str) -> int | None:
    """Messages ready in ``queue``, or None if it does not exist (yet)."""
    channel = await broker.connection.channel()
    try:
        declared = await channel.declare_queue(queue, passive=True)
        return declared.declaration_result.message_count
    except aio_pika.exceptions.ChannelNotFoundEntity:
        return None
    finally:
        await close_channel(channel)


async def close_channel(channel: aio_pika.abc.AbstractChannel) -> None:
    """Close a channel even if the caller is being cancelled: a Channel.Close cut short makes
    aiormq send a second one, which RabbitMQ answers by closing the whole connection."""
    if not channel.is_closed:
        await asyncio.shield(channel.close())
