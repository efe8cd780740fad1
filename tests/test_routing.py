"""Route declarations: a handler is handed exactly the inputs its route declares (the body, the
query and the path ids, parsed with the schemas the OpenAPI document shows), and a declaration
that does not match its handler fails when the module is imported."""
from __future__ import annotations

import asyncio
import dataclasses
import uuid

import marshmallow as ma
import pytest
from aiohttp import web

from nexgate.app import create_app
from nexgate.errors import NotFound
from nexgate.handlers.routing import PathId, Routes

THING_ID = PathId("thing_id", lambda raw: NotFound(f"No thing {raw}", code="thing_not_found"))


class NoteSchema(ma.Schema):
    note = ma.fields.String(load_default="none given", validate=ma.validate.Length(max=10))


class PageSchema(ma.Schema):
    limit = ma.fields.Integer(load_default=20, validate=ma.validate.Range(min=1, max=50))


test_routes = Routes("test")


@test_routes.post("/test/things/{thing_id}", summary="Echo what was parsed", body=NoteSchema, body_optional=True,
                  query=PageSchema, ids=(THING_ID,), auth=False)
async def echo(request: web.Request, *, body: dict, query: dict, thing_id: uuid.UUID) -> web.Response:
    return web.json_response({"thing_id": str(thing_id), "body": body, "query": query})


@pytest.fixture
async def routed(aiohttp_client, config):
    app = create_app(dataclasses.replace(config))
    test_routes.add_to(app)
    return await aiohttp_client(app)


async def test_the_handler_gets_its_parsed_inputs(routed):
    thing = uuid.uuid4()
    response = await routed.post(f"/test/things/{thing}", params={"limit": "5"}, json={"note": "hello"})
    assert await response.json() == {"thing_id": str(thing), "body": {"note": "hello"}, "query": {"limit": 5}}


async def test_an_optional_body_left_out_takes_its_defaults(routed):
    thing = uuid.uuid4()
    for headers in ({}, {"Content-Type": "application/json"}):
        response = await routed.post(f"/test/things/{thing}", headers=headers)
        assert (await response.json())["body"] == {"note": "none given"}
    # A body that is sent is parsed as any other.
    refused = await routed.post(f"/test/things/{thing}", json={"note": "far too long a note"})
    assert refused.status == 422 and "note" in (await refused.json())["error"]["details"]["fields"]
    assert (await routed.post(f"/test/things/{thing}", data=b"note", headers={
        "Content-Type": "text/plain"})).status == 415


async def test_a_path_id_that_is_no_uuid_answers_its_not_found(routed):
    response = await routed.post("/test/things/not-a-uuid")
    assert response.status == 404
    assert (await response.json())["error"]["code"] == "thing_not_found"
    assert (await routed.post(f"/test/things/{uuid.uuid4()}", params={"limit": "0"})).status == 422


async def _body_only(request: web.Request, *, body: dict) -> web.Response:
    raise AssertionError


async def _nothing(request: web.Request) -> web.Response:
    raise AssertionError


def test_a_handler_must_take_exactly_its_declared_inputs():
    routes = Routes("test")
    with pytest.raises(TypeError, match=r"must take \(request, \*, body\)"):
        routes.post("/test", summary="Parses its own body", body=NoteSchema)(_nothing)
    with pytest.raises(TypeError, match=r"must take \(request, \*, body, query\)"):
        routes.post("/test", summary="Ignores its query", body=NoteSchema, query=PageSchema)(_body_only)
    with pytest.raises(TypeError, match=r"must take \(request\) alone"):
        routes.post("/test", summary="Takes a body nobody declared")(_body_only)
    with pytest.raises(ValueError, match="the path has no {thing_id}"):
        routes.post("/test", summary="An id the path lacks", ids=(THING_ID,))(_nothing)
    with pytest.raises(ValueError, match="roles needs a caller"):
        routes.post("/test", summary="Roles without a caller", auth=False, roles=("admin",))(_nothing)
    assert routes.specs == []


async def test_openapi_shows_the_declared_inputs(client):
    paths = (await (await client.get("/api/openapi.json")).json())["paths"]
    approve = paths["/api/users/verification/applications/{application_id}/approve"]["post"]
    assert approve["requestBody"]["required"] is False
    assert approve["parameters"][0] == {"in": "path", "name": "application_id", "required": True,
                                        "schema": {"type": "string", "format": "uuid"}}
    assert paths["/api/users/verification/applications"]["post"]["requestBody"]["required"] is True
    # A profile is named by id or username: not a UUID.
    assert paths["/api/users/{user_id}"]["get"]["parameters"][0]["schema"] == {"type": "string"}


_in_flight = {"now": 0, "most": 0}


@test_routes.post("/test/rush", summary="A rush route", auth=False, rush=True)
async def rushed(request: web.Request) -> web.Response:
    _in_flight["now"] += 1
    _in_flight["most"] = max(_in_flight["most"], _in_flight["now"])
    await asyncio.sleep(0.02)  # long enough for every request sent at once to have arrived
    _in_flight["now"] -= 1
    return web.json_response({})


async def test_a_rush_route_handles_its_concurrency_at_a_time_and_every_request_in_turn(aiohttp_client, config):
    app = create_app(dataclasses.replace(config, rush_concurrency=2))
    test_routes.add_to(app)
    client = await aiohttp_client(app)
    _in_flight["most"] = 0
    statuses = await asyncio.gather(*(client.post("/test/rush") for _ in range(6)))
    assert [response.status for response in statuses] == [200] * 6
    assert _in_flight == {"now": 0, "most": 2}
