"""The HTTP connection: aiohttp's own, except that what it answers by itself (a request line
over 8,190 bytes, a header with a NUL, anything its parser refuses before a middleware can
run) has the JSON error envelope and a request id like every other error.

aiohttp builds those answers in ``RequestHandler.handle_error``; ``App`` makes the servers
of both ``web.run_app`` and the tests' ``TestServer`` use ``Protocol``, which overrides it.
"""
from __future__ import annotations

import logging
import warnings

from aiohttp import web

from .errors import Internal
from .middlewares import REQUEST_ID_HEADER, new_request_id, status_code
from .responses import error as error_response, one_line

log = logging.getLogger("nexgate.http")


class Protocol(web.RequestHandler):
    def handle_error(self, request: web.BaseRequest, status: int = 500, exc: BaseException | None = None,
                     message: str | None = None) -> web.StreamResponse:
        if request.writer.output_size > 0:  # as aiohttp's: a response is half sent, only closing is left
            raise ConnectionError("Response is sent already, cannot send another response with the error message")
        rid = new_request_id()
        if status >= 500:
            log.error("error handling a request from %s [request_id=%s]", request.remote, rid, exc_info=exc)
            text = Internal().message
        else:  # the client's doing: no traceback
            log.info("refused an unreadable request from %s [request_id=%s]: %s", request.remote, rid, _reason(exc, message))
            text = f"The request cannot be read: {_reason(exc, message)}"
        response = error_response(status, status_code(status), text, headers={REQUEST_ID_HEADER: rid})
        response.force_close()
        return response


def _reason(exc: BaseException | None, message: str | None) -> str:
    return one_line(getattr(exc, "message", None) or message or "malformed HTTP message")


class _Server(web.Server):
    def __call__(self) -> Protocol:
        return Protocol(self, loop=self._loop, **self._kwargs)


with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)  # "subclassing is discouraged": this is the one hook

    class App(web.Application):
        """A ``web.Application`` whose connections are ``Protocol``s."""

        def _make_handler(self, **kwargs) -> web.Server:
            server = super()._make_handler(**kwargs)
            server.__class__ = _Server  # the server aiohttp configured, making our protocol
            return server
