"""Reading a multipart/form-data body part by part. However the body is malformed (no
boundary, a part header without a colon or with control characters, a nested multipart part),
it answers ``400 malformed_multipart``, never a server error."""
from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import BodyPartReader, MultipartReader, web
from aiohttp.http_exceptions import HttpProcessingError

from ..errors import Invalid
from ..responses import one_line
from .routing import BadRequest


class MalformedMultipart(BadRequest):
    code = "malformed_multipart"


async def file_parts(request: web.Request) -> AsyncIterator[BodyPartReader]:
    """Each part of the body, which must be a file (a part with a filename)."""
    reader = await _readable(request.multipart)
    while (part := await _readable(reader.next)) is not None:
        if isinstance(part, MultipartReader):
            raise MalformedMultipart("A part may not itself be multipart; send one part per file")
        if part.filename is None:
            raise Invalid("Every part of an upload must be a file", code="not_a_file", details={"part": part.name})
        yield part


async def _readable(read):
    try:
        return await read()
    except (ValueError, HttpProcessingError) as error:
        reason = error.message if isinstance(error, HttpProcessingError) else error
        raise MalformedMultipart(f"The multipart body cannot be read: {one_line(reason)}") from None
