"""Requests an outside fuzzing run sent: malformed bodies and messages, bodies that never come,
clients that hang up. Each answers the JSON envelope with a 4xx, and none is a server error."""
from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
import types

import aiohttp
import orjson
import pytest
from aiohttp import web

from nexgate.app import create_app
from nexgate.middlewares import CLIENT_CLOSED
from tests.conftest import eventually

from tests.support.media import jpeg_bytes

UPLOAD = "/api/media?purpose=post"


def _part(headers: bytes, content: bytes) -> bytes:
    return b"--XX\r\n" + headers + b"\r\n\r\n" + content + b"\r\n--XX--\r\n"


@pytest.mark.parametrize("content_type, body", [
    ("multipart/form-data", b"0123456789"),
    ("multipart/form-data; boundary=XX", _part(b"Content-Disposition form-data; name=file; filename=a.jpg", b"x")),
    ("multipart/form-data; boundary=XX",
     _part(b"Content-Disposition: form-data; name=file; filename=a\x01.jpg\r\nX\x02: y", b"x")),
    ("multipart/form-data; boundary=XX",
     _part(b"Content-Disposition: form-data; name=file\r\nContent-Type: multipart/mixed", b"hello")),
    ("multipart/form-data; boundary=XX", _part(
        b"Content-Disposition: form-data; name=file\r\nContent-Type: multipart/mixed; boundary=YY",
        b"--YY\r\nContent-Disposition: file; filename=a.jpg\r\n\r\n" + jpeg_bytes(16, 16) + b"\r\n--YY--\r\n")),
], ids=["no boundary", "header without colon", "control characters", "multipart/mixed", "nested multipart"])
async def test_a_malformed_multipart_upload_is_a_bad_request(client, signed_in, content_type, body):
    response = await client.post(UPLOAD, data=body, headers={**signed_in["headers"], "Content-Type": content_type})
    assert response.status == 400, await response.text()
    error = (await response.json())["error"]
    assert error["code"] == "malformed_multipart" and error["message"]


async def _raw(server, data: bytes, *, read: bool = True, timeout: float = 10) -> bytes:
    """``data`` sent as is over a new connection; what the server answers before closing it."""
    reader, writer = await asyncio.open_connection(server.host, server.port)
    writer.write(data)
    await writer.drain()
    try:
        return await asyncio.wait_for(reader.read(), timeout) if read else b""
    finally:
        writer.close()


def _response(raw: bytes) -> tuple[int, dict[str, str], dict]:
    head, _, body = raw.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {name.lower(): value.strip() for name, _, value in (line.partition(":") for line in lines)}
    return int(status_line.split()[1]), headers, orjson.loads(body)


@pytest.mark.parametrize("request_bytes", [
    b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
    b"GET /health/live HTTP/1.1\r\nHost: x\r\nX-Note: a\x00b\r\n\r\n",
], ids=["request line over 8190 bytes", "header with NUL"])
async def test_what_the_http_parser_refuses_has_the_envelope(client, caplog, request_bytes):
    status, headers, body = _response(await _raw(client.server, request_bytes))
    assert status == 400
    assert headers["content-type"].startswith("application/json") and len(headers["x-request-id"]) == 32
    assert body["error"]["code"] == "bad_request" and body["error"]["message"].startswith("The request cannot be read")
    assert not [record for record in caplog.records if record.levelno >= logging.ERROR]


async def test_a_body_that_never_comes_is_answered_408_and_the_connection_closed(make_client, config):
    client = await make_client(dataclasses.replace(config, body_timeout_s=1))
    started = time.monotonic()
    answer = await _raw(client.server, b"POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                                       b"Content-Length: 20971520\r\n\r\n{\"login\":", timeout=10)
    assert time.monotonic() - started < 5  # the read returned: the server closed the connection
    status, headers, body = _response(answer)
    assert status == 408 and body["error"]["code"] == "request_timeout"
    assert headers.get("connection", "").lower() == "close"


async def test_a_slow_body_that_keeps_coming_is_read(make_client, config):
    client = await make_client(dataclasses.replace(config, body_timeout_s=1))
    reader, writer = await asyncio.open_connection(client.server.host, client.server.port)
    body = b'{"login": "nobody", "password": "not the password"}'
    writer.write(b"POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                 b"Content-Length: %d\r\nConnection: close\r\n\r\n" % len(body))
    for start in range(0, len(body), 10):  # each piece within the timeout, the whole body past it
        writer.write(body[start:start + 10])
        await writer.drain()
        await asyncio.sleep(0.4)
    status, _, answer = _response(await asyncio.wait_for(reader.read(), 10))
    writer.close()
    assert status == 401 and answer["error"]["code"] == "invalid_credentials"


async def _hang_up_mid_body(server) -> None:
    await _raw(server, b"POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                       b"Content-Length: 2000\r\n\r\n{\"login\":", read=False)


def _access_statuses(caplog) -> list[int]:
    return [record.status for record in caplog.records if record.name == "nexgate.access"]


async def _assert_counted_as_client_closed(base_url: str, caplog) -> None:
    await eventually(lambda: _access_statuses(caplog))
    assert _access_statuses(caplog) == [CLIENT_CLOSED]
    assert not [record for record in caplog.records if record.levelno >= logging.ERROR or record.exc_info]
    async with aiohttp.ClientSession() as session, session.get(f"{base_url}/metrics") as response:
        metrics = await response.text()
    assert 'route="/api/auth/login",status="499"' in metrics and 'status="500"' not in metrics


async def test_a_client_that_hangs_up_mid_body_is_counted_as_closing_it(client, caplog):
    caplog.set_level(logging.INFO)
    await _hang_up_mid_body(client.server)  # the test server cancels the handler of a closed connection
    await _assert_counted_as_client_closed(str(client.server.make_url("")).rstrip("/"), caplog)


async def test_a_client_that_hangs_up_mid_body_is_counted_as_closing_it_when_serving(config, caplog):
    caplog.set_level(logging.INFO)
    runner = web.AppRunner(create_app(config))  # as ``serve`` runs it: a closed connection's handler goes on,
    await runner.setup()                        # and its read of the body fails with ConnectionResetError
    try:
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        host, port = runner.addresses[0][:2]
        await _hang_up_mid_body(types.SimpleNamespace(host=host, port=port))
        await _assert_counted_as_client_closed(f"http://{host}:{port}", caplog)
    finally:
        await runner.cleanup()
