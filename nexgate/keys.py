"""Typed application keys (``web.AppKey``) for what the factory puts on the app."""
from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor

from aiohttp import web

from .bus import Broker
from .config import Config
from .db import Database
from .domain.auth.keys import Keyring
from .metrics import Metrics
from .platform import Platform
from .providers.email import SmtpMailer
from .providers.payment_providers import PaymentProviders
from .providers.sms import SmsClient
from .providers.fcm import FcmClient
from .providers.webpush import WebPushClient
from .redis import Redis
from .storage import Storage

CONFIG = web.AppKey("config", Config)
METRICS = web.AppKey("metrics", Metrics)
CORE_DB = web.AppKey("core_db", Database)
NOTIFY_DB = web.AppKey("notify_db", Database)
REDIS = web.AppKey("redis", Redis)
BROKER = web.AppKey("broker", Broker)
CPU_POOL = web.AppKey("cpu_pool", ProcessPoolExecutor)
MAILER = web.AppKey("mailer", SmtpMailer)
SMS = web.AppKey("sms", SmsClient)
PUSH = web.AppKey("push", WebPushClient)  # None when no VAPID key is set
FCM = web.AppKey("fcm", FcmClient)  # None when no service account is set
PAYMENT_PROVIDERS = web.AppKey("payment_providers", PaymentProviders)
KEYRING = web.AppKey("keyring", Keyring)
STORAGE = web.AppKey("storage", Storage)
PLATFORM = web.AppKey("platform", Platform)
WORKER_TASKS = web.AppKey("worker_tasks", list[asyncio.Task])
OPENAPI = web.AppKey("openapi", Callable[[], dict])  # the OpenAPI document, built when first called
