"""The caller's devices and the public keys that verify access tokens."""
from __future__ import annotations

import uuid

import marshmallow as ma
from aiohttp import web

from ...domain.auth import sessions
from ...errors import NotFound
from ...keys import PLATFORM
from ... import responses
from ..routing import PathId, Routes, caller, json_response

routes = Routes("auth")
DEVICE_ID = PathId("device_id", lambda raw: NotFound("You have no such device"))


class DeviceViewSchema(ma.Schema):
    id = ma.fields.UUID(required=True)
    platform = ma.fields.String(required=True)
    name = ma.fields.String(required=True)
    user_agent = ma.fields.String(required=True)
    first_seen_at = ma.fields.AwareDateTime(required=True)
    last_seen_at = ma.fields.AwareDateTime(required=True)
    last_ip = ma.fields.String(allow_none=True)
    active_sessions = ma.fields.Integer(required=True)
    current = ma.fields.Boolean(required=True, metadata={"description": "The device of this request's session"})


class DeviceListSchema(ma.Schema):
    devices = ma.fields.List(ma.fields.Nested(DeviceViewSchema), required=True)


class JwksSchema(ma.Schema):
    keys = ma.fields.List(ma.fields.Dict(), required=True, metadata={"description": "Ed25519 public keys (OKP JWKs)"})


@routes.get("/api/auth/devices", summary="The caller's devices, most recently seen first", response=DeviceListSchema)
async def list_devices(request: web.Request) -> web.Response:
    devices = await sessions.list_devices(request.app[PLATFORM], caller(request))
    return json_response(DeviceListSchema, {"devices": devices})


@routes.delete(
    "/api/auth/devices/{device_id}", summary="Remove a device and revoke its sessions at once", status=204,
    ids=(DEVICE_ID,), errors=(404,),
)
async def remove_device(request: web.Request, *, device_id: uuid.UUID) -> web.Response:
    """Access tokens already issued to the device stop working immediately, not when they expire."""
    await sessions.remove_device(request.app[PLATFORM], caller(request), device_id)
    return web.Response(status=204)


@routes.get("/.well-known/jwks.json", summary="Public keys that verify access tokens", response=JwksSchema, auth=False)
async def jwks(request: web.Request) -> web.Response:
    response = responses.json(await request.app[PLATFORM].keyring.jwks())
    response.headers["Cache-Control"] = "public, max-age=300"
    return response
