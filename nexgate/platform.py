"""The platform's connections to the outside, as one object handed to workers and handlers.

The application factory opens each of them in its own ``cleanup_ctx``; this module holds
the one-line start-up failure every dependency reports and the health checks.
"""
from __future__ import annotations

import asyncio
import dataclasses
from concurrent.futures import ProcessPoolExecutor

from .bus import Broker
from .config import Config
from .db import Database
from .domain.auth.keys import Keyring
from .metrics import Metrics
from .providers.email import SmtpMailer
from .providers.payment_providers import PaymentProviders
from .providers.sms import SmsClient
from .providers.fcm import FcmClient
from .providers.webpush import WebPushClient
from .ratelimit import RateLimiter
from .realtime import Realtime
from .redis import Redis
from .storage import Storage


class DependencyUnavailable(RuntimeError):
    """A dependency could not be reached at start-up; the message is one line naming it."""


@dataclasses.dataclass
class Platform:
    config: Config
    metrics: Metrics
    core: Database
    notify: Database
    redis: Redis
    broker: Broker
    cpu_pool: ProcessPoolExecutor
    mailer: SmtpMailer
    sms: SmsClient
    push: WebPushClient | None  # None: no VAPID key (NEXGATE_PUSH_VAPID_PRIVATE_KEY), no Web Push
    fcm: FcmClient | None  # None: no service account (NEXGATE_FCM_SERVICE_ACCOUNT), no FCM
    payment_providers: PaymentProviders
    keyring: Keyring
    storage: Storage
    limiter: RateLimiter
    realtime: Realtime

    async def health(self) -> dict[str, str | None]:
        """Each dependency's problem, or None where it answered."""
        checks = {
            "postgres_core": self.core.ping(),
            "postgres_notify": self.notify.ping(),
            "redis": self.redis.ping(),
            "rabbitmq": self.broker.ping(),
            "storage": self.storage.ping(),
        }
        results = await asyncio.gather(*checks.values(), return_exceptions=True)
        return {name: _describe(result) for name, result in zip(checks, results)}


def _describe(result: object) -> str | None:
    if isinstance(result, BaseException):
        return f"{type(result).__name__}: {result}".strip().rstrip(":") or type(result).__name__
    return None
