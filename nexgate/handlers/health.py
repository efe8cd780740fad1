"""Liveness, readiness and Prometheus metrics."""
from __future__ import annotations

import asyncio
import logging

import marshmallow as ma
from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from .. import workers
from ..bus import outbox
from ..bus.broker import queue_depth
from ..keys import PLATFORM
from .routing import Routes, json_response

routes = Routes("health")
log = logging.getLogger(__name__)


class LiveSchema(ma.Schema):
    status = ma.fields.String(required=True, metadata={"example": "ok"})


class DependencySchema(ma.Schema):
    ok = ma.fields.Boolean(required=True)
    error = ma.fields.String(allow_none=True, metadata={"description": "Why it is unreachable, when it is"})


class ReadySchema(ma.Schema):
    status = ma.fields.String(required=True, metadata={"description": "ok, or unavailable if any check failed"})
    checks = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Nested(DependencySchema), required=True)


@routes.get("/health/live", summary="The process is up and serving", response=LiveSchema, auth=False)
async def live(request: web.Request) -> web.Response:
    return json_response(LiveSchema, {"status": "ok"})


@routes.get(
    "/health/ready",
    summary="Every dependency (PostgreSQL core and notify, Redis, RabbitMQ, media storage) answers; 503 naming those that do not",
    response=ReadySchema,
    errors=(503,),
    auth=False,
)
async def ready(request: web.Request) -> web.Response:
    problems = await request.app[PLATFORM].health()
    healthy = all(problem is None for problem in problems.values())
    body = {
        "status": "ok" if healthy else "unavailable",
        "checks": {name: {"ok": problem is None, "error": problem} for name, problem in problems.items()},
    }
    return json_response(ReadySchema, body, status=200 if healthy else 503)


@routes.get(
    "/metrics",
    summary="Prometheus metrics: requests, latency, WebSocket sessions, outbox backlog, consumer lag",
    auth=False,
    content_type="text/plain",
)
async def metrics(request: web.Request) -> web.Response:
    platform = request.app[PLATFORM]
    await asyncio.gather(_measure_outbox(platform), _measure_queues(platform), return_exceptions=True)
    return web.Response(body=generate_latest(platform.metrics.registry), headers={"Content-Type": CONTENT_TYPE_LATEST})


async def _measure_outbox(platform) -> None:
    async with asyncio.timeout(2), platform.core.connection() as conn:
        platform.metrics.outbox_backlog.set(await outbox.count_unpublished(conn))


async def _measure_queues(platform) -> None:
    topology = platform.broker.topology
    async with asyncio.timeout(2):
        for group in workers.consumer_groups():
            for gauge, queue in (
                (platform.metrics.consumer_lag, topology.queue(group)),
                (platform.metrics.dead_letters, topology.dead_queue(group)),
            ):
                depth = await queue_depth(platform.broker, queue)
                if depth is not None:
                    gauge.labels(group).set(depth)
