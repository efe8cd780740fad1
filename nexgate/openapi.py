"""The OpenAPI 3 document, generated (apispec) from the routes and marshmallow schemas
that validate requests, so it cannot drift from what the server accepts."""
from __future__ import annotations

import re
from collections.abc import Iterable
from http import HTTPStatus
from typing import Any

import marshmallow as ma
from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin

from . import __version__, idempotency
from .handlers.routing import OPTIONAL, DeviceAuth, Routes, RouteSpec


class ErrorDetailSchema(ma.Schema):
    code = ma.fields.String(required=True, metadata={"example": "invalid"})
    message = ma.fields.String(required=True, metadata={"example": "Invalid fields in the body: email"})
    details = ma.fields.Dict(required=True, metadata={"example": {"fields": {"email": ["Not a valid email address."]}}})


class ErrorSchema(ma.Schema):
    error = ma.fields.Nested(ErrorDetailSchema, required=True)


def build(areas: Iterable[Routes], server_url: str) -> dict[str, Any]:
    spec = APISpec(
        title="Nexgate API",
        version=__version__,
        openapi_version="3.0.3",
        plugins=[MarshmallowPlugin()],
        info={"description": "Social commerce for East Africa. Errors always use the Error envelope; "
                             "the WebSocket protocol is described in docs/websocket.md."},
        servers=[{"url": server_url}],
    )
    spec.components.schema("Error", schema=ErrorSchema)
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"})
    devices = {route.auth.security_name: route.auth for routes in areas for route in routes.specs
               if isinstance(route.auth, DeviceAuth)}
    for name, device in sorted(devices.items()):
        spec.components.security_scheme(name, {"type": "apiKey", "in": "header", "name": "Authorization",
                                               "description": device.description})
    for tag in dict.fromkeys(routes.tag for routes in areas):
        spec.tag({"name": tag})
    for routes in areas:
        for route in routes.specs:
            if route.in_openapi:
                spec.path(path=openapi_path(route.path), operations={route.method.lower(): _operation(route)})
    return spec.to_dict()


def openapi_path(path: str) -> str:
    """An aiohttp path as an OpenAPI template: ``/media/{key:.+}`` → ``/media/{key}``."""
    return re.sub(r"{(\w+):[^}]*}", r"{\1}", path)


def _operation(route: RouteSpec) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "summary": route.summary,
        "tags": [route.tag],
        "operationId": f"{route.tag}_{route.handler.__name__}",
        "responses": {str(status): _success(route, status) for status in (route.status, *route.other_statuses)},
    }
    if route.handler.__doc__:
        operation["description"] = route.handler.__doc__.strip()
    if route.body is not None:
        operation["requestBody"] = {"required": not route.body_optional,
                                    "content": {"application/json": {"schema": route.body}}}
    elif route.body_doc is not None:
        operation["requestBody"] = route.body_doc
    ids = {path_id.name for path_id in route.ids}
    parameters = [
        {"in": "path", "name": name, "required": True,
         "schema": {"type": "string", "format": "uuid"} if name in ids else {"type": "string"}}
        for name in re.findall(r"{(\w+)}", openapi_path(route.path))
    ]
    if route.query is not None:
        parameters.append({"in": "query", "schema": route.query})
    if route.idempotent:
        parameters.append(_IDEMPOTENCY_KEY)
    if parameters:
        operation["parameters"] = parameters
    if isinstance(route.auth, DeviceAuth):
        operation["security"] = [{route.auth.security_name: []}]
    elif route.auth == OPTIONAL:
        operation["security"] = [{"bearer": []}, {}]  # a token, or none at all
    elif route.auth:
        operation["security"] = [{"bearer": []}]
    for status in sorted(set(route.errors) | implied_errors(route)):
        operation["responses"][str(status)] = {
            "description": HTTPStatus(status).phrase,
            "content": {"application/json": {"schema": "Error"}},
        }
    return operation


_IDEMPOTENCY_KEY = {
    "in": "header", "name": idempotency.HEADER, "required": True,
    "description": "A unique string per operation (a UUID), sent again with every retry of it: the first "
                   "answer is replayed (docs/rest.md, Idempotency)",
    "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": idempotency.KEY_PATTERN},
}
_REPLAYED = {idempotency.REPLAYED: {"description": "true when this is the stored answer to an earlier request "
                                                     "with the same Idempotency-Key",
                                      "schema": {"type": "string", "enum": ["true"]}}}


def _success(route: RouteSpec, status: int) -> dict[str, Any]:
    response: dict[str, Any] = {"description": HTTPStatus(status).phrase}
    if route.idempotent:
        response["headers"] = dict(_REPLAYED)
    if status in (204, 304):
        return response
    if route.response is not None:
        response["content"] = {route.content_type: {"schema": route.response}}
    elif route.content_type != "application/json":
        response["content"] = {route.content_type: {"schema": {"type": "string"}}}
    return response


def implied_errors(route: RouteSpec) -> set[int]:
    """The errors a route answers by how it is declared, whatever its handler does."""
    statuses = {400}  # any request can be unreadable: a request line over 8,190 bytes, say
    if route.body is not None or route.body_doc is not None:  # slow, too large, wrong type, invalid
        statuses |= {408, 413, 415, 422}
    if route.query is not None:
        statuses.add(422)
    if "{" in route.path:  # a path id that names nothing (or is no id at all)
        statuses.add(404)
    if route.auth:
        statuses.add(401)
    if route.roles:
        statuses.add(403)
    if route.auth or route.rate_limit:  # every authenticated request counts toward api.requests
        statuses.add(429)
    if route.idempotent:  # a key in use (409), reused for another request (422)
        statuses |= {409, 422}
    return statuses
