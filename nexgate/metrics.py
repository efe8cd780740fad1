"""Prometheus metrics, one registry per application (so tests can build many apps)."""
from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

DURATION_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)  # seconds


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "nexgate_http_requests", "HTTP requests served", ["method", "route", "status"], registry=self.registry
        )
        self.latency = Histogram(
            "nexgate_http_request_duration_seconds", "Time to serve an HTTP request", ["method", "route"],
            buckets=DURATION_BUCKETS, registry=self.registry,
        )
        self._request_children: dict[tuple[str, str, int], tuple] = {}
        self.transactions = Histogram(
            "nexgate_db_transaction_duration_seconds",
            "Time a named database transaction took, from asking the pool for a connection to commit or rollback",
            ["database", "name"], buckets=DURATION_BUCKETS, registry=self.registry,
        )
        self.websocket_sessions = Gauge(
            "nexgate_websocket_sessions", "Open WebSocket sessions in this process", registry=self.registry
        )
        self.websocket_command_errors = Counter(
            "nexgate_websocket_command_errors", "WebSocket frames answered `internal`: a command failed unexpectedly",
            ["command"], registry=self.registry,
        )
        self.outbox_backlog = Gauge(
            "nexgate_outbox_backlog", "Events committed but not yet published to RabbitMQ", registry=self.registry
        )
        self.consumer_lag = Gauge(
            "nexgate_consumer_lag", "Messages waiting in a consumer group's queue", ["group"], registry=self.registry
        )
        self.dead_letters = Gauge(
            "nexgate_dead_letters", "Messages parked in a consumer group's dead-letter queue", ["group"],
            registry=self.registry,
        )
        self.notification_deliveries = Counter(
            "nexgate_notification_deliveries",
            "Attempts at telling a notification, by channel (webpush, fcm, email, sms) and outcome (sent, retrying, "
            "failed; for sms also delivered, and failed, as its delivery reports say) and, for retrying and failed, "
            "the reason (pushes: gone, not_found, unregistered, wrong_sender, rate_limited, server_error, timeout, "
            "unreachable, rejected; email: smtp_<code> or the error's kind; sms: the gateway's status or the error's "
            "kind, or the delivery report's failureReason or status)",
            ["channel", "outcome", "reason"], registry=self.registry,
        )

    def count_request(self, method: str, route: str, status: int, seconds: float) -> None:
        """One served request in ``nexgate_http_requests`` and its duration in the histogram. The
        labelled children are looked up once per (method, route, status): ``labels()`` takes a
        lock and builds a key every call, a tenth of the middleware stack's cost."""
        key = (method, route, status)
        children = self._request_children.get(key)
        if children is None:
            children = self._request_children[key] = (
                self.requests.labels(method, route, str(status)), self.latency.labels(method, route))
        children[0].inc()
        children[1].observe(seconds)
