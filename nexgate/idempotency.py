"""Idempotency keys: a route declared ``idempotent=True`` (``handlers/routing.py``) can be
retried safely. The contract is Stripe's and the IETF draft's (docs/rest.md, "Idempotency"):

- The request must carry ``Idempotency-Key`` (1-255 printable ASCII characters; 400
  ``idempotency_key_missing`` or ``idempotency_key_invalid`` otherwise). Keys are the caller's
  own, per route.
- The first request with a key claims it (a row in ``idempotency_keys``, with a fingerprint of
  the request: its path, query and JSON body, keys sorted, so spacing and key order do not
  count). While it runs, another request with that key answers 409 ``idempotency_key_in_use``.
- Its answer is stored when it is a success or a refusal the handler decided (2xx, and 4xx
  but 429): a retry with the same request gets that answer again, byte for byte, with
  ``Idempotent-Replayed: true``; a request with another body under the same key answers 422
  ``idempotency_key_reused``. A 5xx, a 429 or an exception (a dependency lost, the handler
  cancelled) frees the key, so the retry runs afresh.
- The answer is kept ``NEXGATE_IDEMPOTENCY_KEY_TTL_S`` (24 h); then the key is new again.
  Claims sweep a batch of expired rows. An attempt holds its key at most
  ``NEXGATE_IDEMPOTENCY_LEASE_S``, so a key whose server died mid-request is not held for a day.

A request whose input the route refuses (a bad body, 401, a route's rate limit) is answered
before the key is claimed: nothing is stored, and the corrected request may use the same key.
"""
from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import logging
import re
import uuid
from collections.abc import Awaitable, Callable

import orjson
from aiohttp import web

from .errors import Conflict, DomainError, Invalid, RateLimited
from .platform import Platform
from .responses import error as error_response
from .sql import queries

HEADER = "Idempotency-Key"
REPLAYED = "Idempotent-Replayed"
KEY = re.compile(r"[ -~]{1,255}")  # printable ASCII; aiohttp has stripped the spaces around it
KEY_PATTERN = r"^[!-~]([ -~]{0,253}[!-~])?$"  # the same, as the OpenAPI document states it
SWEEP_BATCH = 20
CLAIM_TRIES = 3

log = logging.getLogger("nexgate.idempotency")
_sql = queries("platform")


class KeyRefused(DomainError):
    status = 400
    code = "idempotency_key_invalid"


@dataclasses.dataclass(frozen=True)
class Attempt:
    user_id: uuid.UUID
    route: str  # "POST /api/payments/methods": the route's declaration, not the concrete path
    key: str
    attempt_id: uuid.UUID


def key_of(request: web.Request) -> str:
    """The request's Idempotency-Key, or 400 naming the header."""
    key = request.headers.get(HEADER)
    if key is None:
        raise KeyRefused(f"This route needs an {HEADER} header: a unique string (a UUID, say) per operation, "
                         "sent again with each retry of it", code="idempotency_key_missing", details={"header": HEADER})
    if not KEY.fullmatch(key):
        raise KeyRefused(f"The {HEADER} must be 1 to 255 printable ASCII characters", details={"header": HEADER})
    return key


async def fingerprint(request: web.Request) -> bytes:
    """What makes two requests the same one: the path, the query and the JSON body, canonical."""
    raw = await request.read()  # read once already by the route's body parser: cached
    body = orjson.loads(raw) if raw else None
    canonical = orjson.dumps([request.path, sorted(request.query.items()), body], option=orjson.OPT_SORT_KEYS)
    return hashlib.sha256(canonical).digest()


async def run(platform: Platform, request: web.Request, user_id: uuid.UUID, route: str, key: str,
              call: Callable[[], Awaitable[web.StreamResponse]]) -> web.StreamResponse:
    """``call()`` once per key: the first request runs it, its retries get its answer."""
    attempt = Attempt(user_id, route, key, uuid.uuid4())
    replay = await _claim(platform, attempt, await fingerprint(request))
    if replay is not None:
        return replay
    try:
        response = await call()
    except DomainError as error:
        if _kept(error.status):
            await _finish(platform, attempt, _rendered(error))
        else:
            await _release(platform, attempt)
        raise
    except BaseException:
        await asyncio.shield(_release(platform, attempt))
        raise
    if _kept(response.status) and isinstance(response, web.Response):
        await _finish(platform, attempt, response)
    else:
        await _release(platform, attempt)
    return response


def _kept(status: int) -> bool:
    """Answers a retry must get again: successes and the handler's refusals, but for a rate
    limit's (which passes) and the server's own failures."""
    return status < 500 and status != RateLimited.status


async def _claim(platform: Platform, attempt: Attempt, fingerprint: bytes) -> web.Response | None:
    """None once the attempt holds the key; the stored answer to replay; or the refusal."""
    config = platform.config
    async with platform.core.connection() as conn:
        for _ in range(CLAIM_TRIES):
            claimed = await _sql.claim_idempotency_key(
                conn, user_id=attempt.user_id, route=attempt.route, key=attempt.key, fingerprint=fingerprint,
                attempt_id=attempt.attempt_id, lease_s=float(config.idempotency_lease_s),
                ttl_s=float(config.idempotency_key_ttl_s), sweep_batch=SWEEP_BATCH)
            if claimed is not None:
                return None
            held = await _sql.idempotency_key(conn, user_id=attempt.user_id, route=attempt.route, key=attempt.key)
            if held is None or held["expired"]:
                continue  # freed or expired between the two statements: claim again
            if held["fingerprint"] != fingerprint:
                raise Invalid(f"This {HEADER} was used for another request; use a new key for a new operation",
                              code="idempotency_key_reused", details={"header": HEADER})
            if held["status"] is None:
                raise Conflict(f"A request with this {HEADER} is still being handled; retry once it has answered",
                               code="idempotency_key_in_use", details={"header": HEADER})
            return web.Response(status=held["status"], body=held["body"],
                                headers={"Content-Type": held["content_type"], REPLAYED: "true"})
    raise Conflict(f"This {HEADER} is changing hands too fast; retry", code="idempotency_key_in_use",
                   details={"header": HEADER})


async def _finish(platform: Platform, attempt: Attempt, response: web.Response) -> None:
    """Store the answer. What was done is done: if the answer cannot be stored, the client still
    gets it, and a retry is refused (409) until the attempt's lease ends, then runs again."""
    try:
        async with platform.core.connection() as conn:
            await _sql.finish_idempotent_attempt(
                conn, user_id=attempt.user_id, route=attempt.route, key=attempt.key, attempt_id=attempt.attempt_id,
                status=response.status, content_type=response.headers.get("Content-Type", response.content_type),
                body=bytes(response.body or b""))
    except Exception:
        log.exception("could not store the answer to idempotency key %r of %s on %s", attempt.key, attempt.user_id,
                      attempt.route)


async def _release(platform: Platform, attempt: Attempt) -> None:
    try:
        async with platform.core.connection() as conn:
            await _sql.release_idempotency_key(conn, user_id=attempt.user_id, route=attempt.route, key=attempt.key,
                                               attempt_id=attempt.attempt_id)
    except Exception:  # the key then frees itself when its lease ends
        log.exception("could not free idempotency key %r of %s on %s", attempt.key, attempt.user_id, attempt.route)


def _rendered(error: DomainError) -> web.Response:
    """The refusal as the error middleware renders it (what the client gets, and a retry again)."""
    return error_response(error.status, error.code, error.message, error.details)
