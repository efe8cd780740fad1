"""The frame of every request: its id, the body timeout, the JSON error envelope for every error,
the metrics and the access log (``http_middleware``)."""
from __future__ import annotations

import asyncio
import itertools
import logging
import re
import secrets
import time

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError

from .errors import DomainError, Internal, RateLimited
from .logs import AccessLog, request_id
from .metrics import Metrics
from .responses import error as error_response, one_line

log = logging.getLogger("nexgate.http")
access_log = AccessLog()

REQUEST_ID_HEADER = "X-Request-ID"
_ACCEPTABLE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")

_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    408: "request_timeout",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "invalid",
    429: "rate_limited",
    500: "internal",
    503: "unavailable",
}
CLIENT_CLOSED = 499  # nginx's "client closed request": counted and logged as the client's doing


def status_code(status: int) -> str:
    """The envelope's ``code`` of an error that has only its HTTP status."""
    return _CODES.get(status, "http_error")


class BodyTimeout(DomainError, asyncio.TimeoutError):
    """A body whose next bytes did not come in time. A TimeoutError, so that aiohttp, which then
    finds the body unread, closes the connection at once instead of lingering on it."""

    status = 408
    code = "request_timeout"


_REQUEST_ID_PREFIX = secrets.token_hex(8)  # this process's; the counter makes each of its ids unique
_request_numbers = itertools.count()


def new_request_id() -> str:
    """32 hex digits, unique across processes and restarts by the random prefix (os.urandom
    and a UUID object for every request were 4% of the middleware stack's CPU)."""
    return f"{_REQUEST_ID_PREFIX}{next(_request_numbers):016x}"


def http_middleware(metrics: Metrics, body_timeout_s: float):
    """Every request's frame, in one middleware (four nested ones cost a coroutine and a partial
    each on every response): its request id (the client's ``X-Request-ID`` when acceptable, in
    the log context and on the response), a body that stops coming cut off by ``BodyTimeout``
    (no new bytes for ``body_timeout_s``, checked every ``body_timeout_s``), every error as the JSON
    envelope, then the request counted in the metrics and written to the access log."""

    @web.middleware
    async def middleware(request: web.Request, handler):
        incoming = request.headers.get(REQUEST_ID_HEADER, "")
        rid = incoming if incoming and _ACCEPTABLE_REQUEST_ID.match(incoming) else new_request_id()
        token = request_id.set(rid)
        started = time.perf_counter()
        status = 500
        try:
            response = await _answered(request, handler, body_timeout_s)
            status = response.status
            response.headers[REQUEST_ID_HEADER] = rid
            return response
        except web.HTTPException as error:  # a redirect, which aiohttp answers itself
            status = error.status
            raise
        except asyncio.CancelledError:
            if _client_gone(request):  # the test server cancels the handler of a closed connection
                status = CLIENT_CLOSED
            raise
        finally:
            elapsed = time.perf_counter() - started
            route = _route_label(request)
            metrics.count_request(request.method, route, status, elapsed)
            access_log.write(request.method, request.path, route, status, elapsed, request.remote)
            request_id.reset(token)

    return middleware


def _route_label(request: web.Request) -> str:
    route = request.match_info.route
    if route.resource is None:  # no route matched: don't let scanners blow up label cardinality
        return "unmatched"
    return route.resource.canonical


async def _answered(request: web.Request, handler, body_timeout_s: float) -> web.StreamResponse:
    """The handler's response, or the error envelope of what it raised."""
    watch = None if request.content.is_eof() else _BodyWatch(request.content, body_timeout_s)
    try:
        return await handler(request)
    except DomainError as error:
        headers = {"Retry-After": str(error.retry_after)} if isinstance(error, RateLimited) else None
        response = error_response(error.status, error.code, error.message, error.details, headers)
        if isinstance(error, BodyTimeout):
            response.force_close()
        return response
    except web.HTTPException as error:
        if error.status < 400:
            raise
        return await _http_error(request, error)
    except HttpProcessingError as error:  # a body aiohttp's parsers cannot read (a multipart part's headers)
        return error_response(400, "bad_request", f"The request cannot be read: {one_line(error.message)}")
    except Exception as error:
        if isinstance(error, ConnectionError) and _client_gone(request):
            return web.Response(status=CLIENT_CLOSED)  # never sent: it is what the access log and metrics count
        log.exception("unhandled error on %s %s", request.method, request.path)
        failure = Internal()
        return error_response(failure.status, failure.code, failure.message)
    finally:
        if watch is not None:
            watch.stop()


async def _allowed_methods(request: web.Request) -> str:
    """The methods of this exact path. aiohttp's 405 names those of every route the path matches:
    DELETE /api/users/me listed PATCH, a method of /api/users/{user_id}."""
    by_path: dict[str, set[str]] = {}
    for resource in request.app.router.resources():
        _, methods = await resource.resolve(request)
        if methods:
            by_path.setdefault(resource.canonical, set()).update(methods)
    exact = request.path if request.path in by_path else next(iter(by_path), None)
    return ", ".join(sorted(by_path.get(exact, ())))


def _client_gone(request: web.Request) -> bool:
    return request.transport is None


class _BodyWatch:
    def __init__(self, body, seconds: float):
        self._body = body
        self._seconds = seconds
        self._seen = body.total_bytes
        self._timer = asyncio.get_running_loop().call_later(seconds, self._check)

    def _check(self) -> None:
        body = self._body
        if body.is_eof():
            return
        if body.total_bytes == self._seen:
            body.set_exception(BodyTimeout(f"No part of the request body arrived for {self._seconds:g} s"))
            return
        self._seen = body.total_bytes
        self._timer = asyncio.get_running_loop().call_later(self._seconds, self._check)

    def stop(self) -> None:
        self._timer.cancel()


async def _http_error(request: web.Request, error: web.HTTPException) -> web.Response:
    headers = {k: v for k, v in error.headers.items() if k in ("Allow", "Retry-After")}
    if error.status == 405 and isinstance(error, web.HTTPMethodNotAllowed):
        headers["Allow"] = await _allowed_methods(request)
    if error.status == 404:
        message = f"No route for {request.method} {request.path}"
    elif error.status == 405:
        message = f"Method {request.method} is not allowed on {request.path}; allowed: {headers.get('Allow', '')}"
    elif error.status == 413:
        message = error.text  # aiohttp names the limit and the size it saw
    else:
        message = error.reason or error.text or "Request refused"
    return error_response(error.status, status_code(error.status), message, headers=headers or None)
