"""Liveness, readiness (including dependencies dropping and returning) and metrics."""
from __future__ import annotations

import dataclasses

from tests.conftest import eventually


async def test_live(client):
    response = await client.get("/health/live")
    assert response.status == 200
    assert await response.json() == {"status": "ok"}


async def test_ready_when_everything_answers(client):
    response = await client.get("/health/ready")
    assert response.status == 200
    body = await response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"postgres_core", "postgres_notify", "redis", "rabbitmq", "storage"}
    assert all(check == {"ok": True, "error": None} for check in body["checks"].values())


async def _readiness(client):
    response = await client.get("/health/ready")
    return response.status, await response.json()


async def test_ready_reports_redis_down_and_recovers(make_client, config, proxy_to):
    proxy, url = await proxy_to(config.redis_url)
    client = await make_client(dataclasses.replace(config, redis_url=url))
    assert (await _readiness(client))[0] == 200

    await proxy.stop()
    status, body = await _readiness(client)
    assert status == 503
    assert body["status"] == "unavailable"
    assert body["checks"]["redis"]["ok"] is False and body["checks"]["redis"]["error"]
    assert body["checks"]["rabbitmq"]["ok"] is True and body["checks"]["postgres_core"]["ok"] is True

    await proxy.start()
    assert await eventually(lambda: _ok(client), timeout=10)


async def test_ready_reports_rabbitmq_down_and_recovers(make_client, config, proxy_to):
    proxy, url = await proxy_to(config.amqp_url)
    client = await make_client(dataclasses.replace(config, amqp_url=url))
    assert (await _readiness(client))[0] == 200

    await proxy.stop()
    status, body = await eventually(lambda: _down(client, "rabbitmq"), timeout=10)
    assert status == 503 and body["checks"]["redis"]["ok"] is True

    await proxy.start()
    assert await eventually(lambda: _ok(client), timeout=15)


async def _ok(client) -> bool:
    return (await _readiness(client))[0] == 200


async def _down(client, name: str):
    status, body = await _readiness(client)
    return (status, body) if status == 503 and body["checks"][name]["ok"] is False else None


async def test_metrics_exposes_requests_backlog_and_lag(client):
    await client.get("/health/live")
    await client.get("/no/such/route")
    await client.get("/api/users/nobody_here")  # one route, two statuses: each its own count
    await client.get("/api/users/nobody_here", headers={"Authorization": "Bearer not-a-token"})
    response = await client.get("/metrics")
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("text/plain")
    text = await response.text()
    assert 'nexgate_http_requests_total{method="GET",route="/health/live",status="200"} 1.0' in text
    assert 'nexgate_http_requests_total{method="GET",route="unmatched",status="404"} 1.0' in text
    assert 'nexgate_http_requests_total{method="GET",route="/api/users/{user_id}",status="404"} 1.0' in text
    assert 'nexgate_http_requests_total{method="GET",route="/api/users/{user_id}",status="401"} 1.0' in text
    assert 'nexgate_http_request_duration_seconds_count{method="GET",route="/health/live"} 1.0' in text
    assert "nexgate_websocket_sessions 0.0" in text
    assert "nexgate_outbox_backlog " in text
