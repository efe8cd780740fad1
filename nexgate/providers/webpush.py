"""Web Push (RFC 8030) with VAPID (RFC 8292) and aes128gcm payload encryption (RFC 8291).

pywebpush encrypts the payload (through http-ece) and py-vapid signs the VAPID JWT: both are
the reference implementations of those RFCs, kept by Mozilla's push team, and hand-written
ECDH, HKDF and record framing is where push payloads usually go wrong. This module adds what
the platform needs around them: one aiohttp session, a timeout per request, the headers
(TTL, Urgency, Topic) and a plain answer of what the push service said.
"""
from __future__ import annotations

import asyncio
import base64
import dataclasses
import time
from urllib.parse import urlsplit

import aiohttp
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid import Vapid
from pywebpush import WebPusher

JWT_LIFETIME_S = 12 * 3600  # RFC 8292 §2: no more than 24 hours
MAX_PAYLOAD = 3993  # RFC 8291 §4: 4096 octets of record less its header, padding delimiter and tag


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def generate_vapid_private_key() -> str:
    """A new VAPID key: the raw P-256 private scalar, base64url (NEXGATE_PUSH_VAPID_PRIVATE_KEY)."""
    key = ec.generate_private_key(ec.SECP256R1())
    return b64url(key.private_numbers().private_value.to_bytes(32, "big"))


def vapid_public_key(private_key: str) -> str:
    """The public key a browser subscribes with (``applicationServerKey``): the uncompressed point, base64url."""
    point = Vapid.from_raw(private_key.encode()).public_key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    return b64url(point)


def check_vapid_private_key(private_key: str) -> str:
    """``private_key`` if it is one (32 octets base64url on P-256), else ``ValueError``."""
    try:
        raw = unb64url(private_key)
        if len(raw) != 32:
            raise ValueError
        vapid_public_key(private_key)
    except Exception:
        raise ValueError("must be a P-256 private key: 32 octets, base64url (python -m nexgate push vapid-keys)") from None
    return private_key


@dataclasses.dataclass(frozen=True)
class Subscription:
    endpoint: str
    p256dh: str  # the browser's ECDH public key, base64url
    auth: str  # its 16-octet authentication secret, base64url


@dataclasses.dataclass(frozen=True)
class PushAnswer:
    """What became of one push: the push service's status (None when it never answered) and,
    when it wants us to wait, how long (Retry-After)."""

    status: int | None
    retry_after_s: float | None = None
    error: str | None = None  # a timeout or connection failure, when status is None

    @property
    def accepted(self) -> bool:
        return self.status in (200, 201, 202)


def _retry_after(header: str | None) -> float | None:
    if not header:
        return None
    try:
        return max(0.0, float(header))
    except ValueError:
        pass
    try:
        from email.utils import parsedate_to_datetime

        return max(0.0, parsedate_to_datetime(header).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


class WebPushClient:
    def __init__(self, session: aiohttp.ClientSession, *, vapid_private_key: str, subject: str, timeout_s: float,
                 ttl_s: int):
        self.session = session
        self.vapid = Vapid.from_raw(vapid_private_key.encode())
        self.public_key = vapid_public_key(vapid_private_key)
        self.subject = subject
        self.timeout = aiohttp.ClientTimeout(total=timeout_s)
        self.ttl_s = ttl_s

    def vapid_headers(self, endpoint: str) -> dict[str, str]:
        """``Authorization: vapid t=<JWT>, k=<public key>`` for the endpoint's push service (aud: its origin)."""
        parts = urlsplit(endpoint)
        claims = {"aud": f"{parts.scheme}://{parts.netloc}", "sub": self.subject,
                  "exp": int(time.time()) + JWT_LIFETIME_S}
        return self.vapid.sign(claims)

    async def send(self, subscription: Subscription, payload: bytes, *, topic: str | None = None,
                   urgency: str = "normal") -> PushAnswer:
        """Encrypt ``payload`` to the subscription and POST it to its endpoint."""
        if len(payload) > MAX_PAYLOAD:
            raise ValueError(f"a push payload holds at most {MAX_PAYLOAD} octets, not {len(payload)}")
        pusher = WebPusher({"endpoint": subscription.endpoint,
                            "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth}})
        body = pusher.encode(payload, "aes128gcm")["body"]
        headers = {**self.vapid_headers(subscription.endpoint), "TTL": str(self.ttl_s),
                   "Content-Encoding": "aes128gcm", "Urgency": urgency}
        if topic:
            headers["Topic"] = topic
        try:
            # Not redirected: the endpoint was checked against the push services when it was registered.
            async with self.session.post(subscription.endpoint, data=body, headers=headers, timeout=self.timeout,
                                         allow_redirects=False) as response:
                await response.read()
        except (asyncio.TimeoutError, TimeoutError):
            return PushAnswer(None, error="timeout")
        except aiohttp.ClientError as error:
            return PushAnswer(None, error=f"unreachable: {type(error).__name__}")
        return PushAnswer(response.status, _retry_after(response.headers.get("Retry-After")))
