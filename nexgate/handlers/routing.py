"""Each REST route is declared once, with its schemas: the same declaration registers the
aiohttp route, validates the request and writes the route into the OpenAPI document."""
from __future__ import annotations

import asyncio
import dataclasses
import functools
import inspect
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import marshmallow
import orjson
from aiohttp import web

from .. import idempotency, limits, responses, serialization, validation
from ..serialization import schema_instance
from ..domain.auth import sessions
from ..domain.auth.caller import Caller, require_role
from ..errors import DomainError, Unauthorized, UnsupportedMediaType
from ..keys import PLATFORM

CALLER = web.RequestKey("caller", Caller)
DEVICE = web.RequestKey("device", object)
OPTIONAL = "optional"  # auth=OPTIONAL: a public read, whose caller is known when a token is sent
Handler = Callable[..., Awaitable[web.StreamResponse]]


@dataclasses.dataclass(frozen=True)
class DeviceAuth:
    """``auth=DeviceAuth(...)``: a route a device calls with an API key of its own, not a user's
    token (a hardware ticket scanner): ``Authorization: <scheme> <key>``. ``authenticate`` is the
    area's domain function from the key to the device (``device(request)`` in the handler), which
    raises ``Unauthorized`` for a key that names nothing or was revoked. The OpenAPI document
    names the scheme as an API key in the Authorization header."""

    scheme: str  # "Scanner"
    authenticate: Callable[[Any, str], Awaitable[Any]]  # (platform, key) -> the device
    description: str  # for the OpenAPI document

    @property
    def security_name(self) -> str:
        return self.scheme.lower()

    def key_of(self, request: web.Request) -> str:
        scheme, _, key = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != self.scheme.lower() or not key.strip():
            raise Unauthorized(f"Send the device's key: Authorization: {self.scheme} <key>", code="device_key_missing")
        return key.strip()


@dataclasses.dataclass(frozen=True)
class PathId:
    """A UUID in the path, under ``name``. Anything but a UUID names nothing, so it answers as an
    unknown id does: ``not_found(raw)``."""

    name: str
    not_found: Callable[[str], DomainError]

    def parse(self, raw: str) -> uuid.UUID:
        try:
            return uuid.UUID(raw)
        except ValueError:
            raise self.not_found(raw) from None


@dataclasses.dataclass(frozen=True)
class RouteSpec:
    """One route. The handler is called as ``handler(request, **inputs)``: ``body=`` (the body
    parsed with ``body``), ``query=`` (the query string parsed with ``query``) and one keyword per
    path id (``user_id=UUID(...)``), exactly what is declared."""

    method: str
    path: str
    handler: Handler
    summary: str
    tag: str
    body: type[marshmallow.Schema] | None = None
    body_optional: bool = False  # no body at all is parsed as {} (each field takes its default)
    body_doc: dict[str, Any] | None = None  # the OpenAPI requestBody of a body that is not JSON
    query: type[marshmallow.Schema] | None = None
    ids: tuple[PathId, ...] = ()
    response: type[marshmallow.Schema] | None = None
    status: int = 200
    other_statuses: tuple[int, ...] = ()  # other successes, same body: 200 when a repeated create finds its thing
    errors: tuple[int, ...] = ()  # beyond those the declaration implies (openapi.implied_errors)
    # True: a caller is required; OPTIONAL: known if a token is sent; False: none; a DeviceAuth: a device's key
    auth: bool | str | DeviceAuth = True
    roles: tuple[str, ...] = ()  # the caller needs one of them (403 role_required); the one place roles are checked
    rate_limit: str | None = None  # a name in limits.TABLE, counted per IP or per (authenticated) user
    idempotent: bool = False  # needs an Idempotency-Key; a retry with it gets the first answer (nexgate/idempotency.py)
    # A rush route (a checkout of the last units): at most NEXGATE_RUSH_CONCURRENCY of its requests are handled at
    # once per process, checks included; the others wait their turn in arrival order.
    rush: bool = False
    content_type: str = "application/json"
    in_openapi: bool = True

    def __post_init__(self) -> None:
        where = f"{self.method} {self.path}"
        if self.auth not in (True, False, OPTIONAL) and not isinstance(self.auth, DeviceAuth):
            raise ValueError(f"{where}: auth is True, False, {OPTIONAL!r} or a DeviceAuth, not {self.auth!r}")
        if self.roles and self.auth is not True:
            raise ValueError(f"{where}: a route with roles needs a caller (auth=True)")
        if self.idempotent and (self.auth is not True or self.body_doc is not None):
            raise ValueError(f"{where}: an idempotent route needs a caller (auth=True: keys are per user) and a "
                             "JSON body or none (its fingerprint)")
        if self.body_optional and self.body is None:
            raise ValueError(f"{where}: body_optional without a body schema")
        for path_id in self.ids:
            if f"{{{path_id.name}}}" not in self.path:
                raise ValueError(f"{where}: the path has no {{{path_id.name}}}")
        _check_handler(self)
        if self.rate_limit is None:
            return
        scope = limits.named(self.rate_limit).scope
        if scope not in (limits.Scope.IP, limits.Scope.USER) or (scope is limits.Scope.USER and self.auth is not True):
            raise ValueError(f"{where}: a route's rate limit counts per IP, or per user on a "
                             f"route that authenticates; {self.rate_limit} counts {scope.value}")

    @property
    def inputs(self) -> tuple[str, ...]:
        """The keywords the handler is called with."""
        declared = ("body",) * (self.body is not None) + ("query",) * (self.query is not None)
        return declared + tuple(path_id.name for path_id in self.ids)


def _check_handler(spec: RouteSpec) -> None:
    """The handler takes the request and, as keywords, exactly the route's declared inputs."""
    parameters = list(inspect.signature(spec.handler).parameters.values())[1:]
    keywords = (inspect.Parameter.KEYWORD_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    if sorted(p.name for p in parameters) != sorted(spec.inputs) or any(p.kind not in keywords for p in parameters):
        wanted = f"(request, *, {', '.join(spec.inputs)})" if spec.inputs else "(request) alone"
        raise TypeError(f"{spec.method} {spec.path}: {spec.handler.__qualname__} must take {wanted}, "
                        "its declared inputs")


class Routes:
    """The routes of one area (``handlers/<area>.py`` holds ``routes = Routes("area")``)."""

    def __init__(self, tag: str):
        self.tag = tag
        self.specs: list[RouteSpec] = []

    def route(self, method: str, path: str, *, summary: str, **options: Any) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            self.specs.append(RouteSpec(method.upper(), path, handler, summary, self.tag, **options))
            return handler

        return register

    def get(self, path: str, **options: Any):
        return self.route("GET", path, **options)

    def post(self, path: str, **options: Any):
        return self.route("POST", path, **options)

    def put(self, path: str, **options: Any):
        return self.route("PUT", path, **options)

    def delete(self, path: str, **options: Any):
        return self.route("DELETE", path, **options)

    def patch(self, path: str, **options: Any):
        return self.route("PATCH", path, **options)

    def add_to(self, app: web.Application) -> None:
        if RUSH_GATES not in app:
            app[RUSH_GATES] = {}
        for spec in self.specs:
            app.router.add_route(spec.method, spec.path, _guarded(spec))


# A rush route's gate, per app (a semaphore belongs to the loop that serves it), made on its first request.
RUSH_GATES = web.AppKey("rush_gates", dict)


def _rush_gate(request: web.Request, route: str) -> asyncio.Semaphore:
    gates = request.app[RUSH_GATES]
    gate = gates.get(route)
    if gate is None:
        gate = gates[route] = asyncio.Semaphore(request.app[PLATFORM].config.rush_concurrency)
    return gate


def _guarded(spec: RouteSpec) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    """The handler behind its checks and its parsed inputs: a per-IP rate limit, the caller, the
    per-user limits (every request's ``api.requests``, and the route's own), the caller's role,
    the Idempotency-Key header, then the path ids, the query and the body, in that order; an
    idempotent route's handler then runs once per key (``idempotency.run``)."""
    route_limit = None if spec.rate_limit is None else limits.named(spec.rate_limit)
    ip_limit = route_limit if route_limit is not None and route_limit.scope is limits.Scope.IP else None
    user_limit = route_limit if route_limit is not None and route_limit.scope is limits.Scope.USER else None
    handler, ids, query, body, body_optional = spec.handler, spec.ids, spec.query, spec.body, spec.body_optional
    route_name = f"{spec.method} {spec.path}"
    if route_limit is None and not spec.auth and not spec.inputs and not spec.rush:
        return handler

    @functools.wraps(handler)
    async def guarded(request: web.Request) -> web.StreamResponse:
        platform = request.app[PLATFORM]
        if ip_limit is not None:
            await limits.enforce(platform, ip_limit, client_ip(request) or "unknown")
        if isinstance(spec.auth, DeviceAuth):
            request[DEVICE] = await spec.auth.authenticate(platform, spec.auth.key_of(request))
        elif spec.auth == OPTIONAL and "Authorization" not in request.headers:
            request[CALLER] = None  # anonymous; a token sent must be valid, as anywhere
        elif spec.auth:
            request[CALLER] = who = await sessions.authenticate(
                platform, bearer_token(request), client_ip(request), counted=limits.API_REQUESTS
            )
            if user_limit is not None:
                await limits.enforce(platform, user_limit, str(who.user_id))
            if spec.roles:
                require_role(who, *spec.roles)
        key = idempotency.key_of(request) if spec.idempotent else None
        inputs: dict[str, Any] = {path_id.name: path_id.parse(request.match_info[path_id.name]) for path_id in ids}
        if query is not None:
            inputs["query"] = _parse_query(request, query)
        if body is not None:
            absent = body_optional and not request.body_exists
            inputs["body"] = _load(body, {}, "body") if absent else await _parse_json(request, body)
        if key is not None:
            return await idempotency.run(platform, request, request[CALLER].user_id, route_name, key,
                                         lambda: handler(request, **inputs))
        return await handler(request, **inputs)

    if not spec.rush:
        return guarded

    @functools.wraps(handler)
    async def gated(request: web.Request) -> web.StreamResponse:
        # Without the gate each request of a rush takes each of its turns (Redis, the database pool) behind all
        # the others, so all of them answer late; through it, in arrival order, the first comers answer first.
        async with _rush_gate(request, route_name):
            return await guarded(request)

    return gated


def bearer_token(request: web.Request) -> str:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("Send an access token: Authorization: Bearer <token>", code="token_missing")
    return token.strip()


def caller(request: web.Request) -> Caller:
    """The authenticated caller of a route declared with ``auth=True`` (the default)."""
    return request[CALLER]


def device(request: web.Request) -> Any:
    """The device of a route declared with ``auth=DeviceAuth(...)``, as its ``authenticate`` gave it."""
    return request[DEVICE]


def viewer(request: web.Request) -> Caller | None:
    """The caller of a route declared with ``auth=OPTIONAL``: None for an anonymous request."""
    return request[CALLER]


def client_ip(request: web.Request) -> str | None:
    """The client's address; behind a trusted proxy, the last address it did not add itself."""
    trusted = request.app[PLATFORM].config.trusted_proxies
    remote = request.remote
    if remote in trusted:
        hops = [hop.strip() for hop in request.headers.get("X-Forwarded-For", "").split(",") if hop.strip()]
        for hop in reversed(hops):
            if hop not in trusted:
                return hop
    return remote


class BadRequest(DomainError):
    status = 400
    code = "bad_request"


async def _parse_json(request: web.Request, schema: type[marshmallow.Schema]) -> dict[str, Any]:
    """The request body, validated; every bad field is named in the error's details."""
    if request.content_type != "application/json":
        raise UnsupportedMediaType(
            f"Content-Type must be application/json, not {request.content_type or 'missing'}"
        )
    raw = await request.read()
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as error:
        raise BadRequest(f"Request body is not valid JSON: {error}", code="malformed_json") from None
    return _load(schema, data, "body")


def _parse_query(request: web.Request, schema: type[marshmallow.Schema]) -> dict[str, Any]:
    return _load(schema, dict(request.query), "query")


def _load(schema: type[marshmallow.Schema], data: Any, where: str) -> dict[str, Any]:
    return validation.load(schema_instance(schema), data, where)


def json_response(schema: type[marshmallow.Schema], data: Any, status: int = 200) -> web.Response:
    return responses.json(serialization.dump(schema, data), status)
