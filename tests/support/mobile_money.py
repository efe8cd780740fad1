"""What the payment provider tests share: a callback receiver (an aiohttp server on port 0 that
answers each provider's callback as the provider expects and queues what arrived, so a test
awaits a callback rather than sleeping for it), and the fixtures ``sandbox`` (the test module's
``SANDBOX`` class, started), ``receiver`` (answering as its ``CLIENT`` class expects) and ``http``,
which a test module imports."""
from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Mapping

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from nexgate.config import Config
from nexgate.providers.daraja_sandbox import DarajaSandbox
from nexgate.providers.mobile_money import CallbackAnswer, Kind
from nexgate.providers.selcom_sandbox import SelcomSandbox
from nexgate.providers.tembo_sandbox import TemboSandbox
from tests import cli

SECRET = "callback-secret-0123456789"


@dataclasses.dataclass(frozen=True)
class Arrived:
    provider: str
    secret: str
    kind: Kind
    headers: Mapping[str, str]
    body: bytes


class CallbackReceiver:
    """Serves ``/{provider}/{secret}/{kind}``, the shape of the clients' callback URLs."""

    def __init__(self, answer: CallbackAnswer):
        self.answer = answer
        self.arrived: asyncio.Queue[Arrived] = asyncio.Queue()
        app = web.Application()
        app.router.add_post("/{provider}/{secret}/{kind}", self._receive)
        self.server = TestServer(app, host="127.0.0.1", port=0)

    async def start(self) -> None:
        await self.server.start_server()

    async def stop(self) -> None:
        await self.server.close()

    @property
    def base(self) -> str:
        return str(self.server.make_url("")).rstrip("/")

    async def _receive(self, request: web.Request) -> web.Response:
        info = request.match_info
        await self.arrived.put(Arrived(info["provider"], info["secret"], Kind(info["kind"]), dict(request.headers),
                                       await request.read()))
        return web.Response(status=self.answer.status, body=self.answer.body, content_type=self.answer.content_type)

    async def next(self, timeout: float = 10.0) -> Arrived:
        return await asyncio.wait_for(self.arrived.get(), timeout)

    def nothing_more(self) -> bool:
        return self.arrived.empty()


def in_process_sandboxes(config: Config, callback_base: str) -> Config:
    """``config`` running every payment sandbox inside the server on free ports, as scripts/run does,
    with its clients calling back to ``callback_base``."""
    settings: dict = {}
    for sandbox in (DarajaSandbox(port=cli.free_port()), SelcomSandbox(port=cli.free_port()), TemboSandbox(port=cli.free_port())):
        settings.update(sandbox.settings())
    secrets = {f"{name}_callback_secret": SECRET for name in ("daraja", "selcom", "tembo")}
    return dataclasses.replace(config, payments_sandbox=True, payments_sandbox_answer_s=0, payments_callback_url=callback_base,
                               **settings, **secrets)


@pytest.fixture
async def sandbox(request):
    """The module's ``SANDBOX``, slow to call back late (``complete`` hurries it) and holding a timed-out request long."""
    sandbox = request.module.SANDBOX(late_s=60, hold_s=30)
    await sandbox.start()
    yield sandbox
    await sandbox.stop()


@pytest.fixture
async def receiver(request):
    receiver = CallbackReceiver(request.module.CLIENT.callback_answer)
    await receiver.start()
    yield receiver
    await receiver.stop()


@pytest.fixture
async def http():
    async with aiohttp.ClientSession() as session:
        yield session
