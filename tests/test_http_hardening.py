"""Requests an outside fuzzing run sent: malformed bodies and messages, bodies that never come,
clients that hang up. Each answers the JSON envelope with a 4xx, and none is a server error."""
from __future__ import annotations

import pytest

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
