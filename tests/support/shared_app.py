"""One app for a whole test module: what each test would otherwise start and stop again (the
app, its pools, its workers) is started once. A module declares::

    pytestmark = [pytest.mark.xdist_group("social_likes"), pytest.mark.asyncio(loop_scope="module")]

    @pytest_asyncio.fixture(scope="module", loop_scope="module")
    async def client(database_urls, tmp_path_factory, _cpu_pool):
        async with shared_client(database_urls, tmp_path_factory, _cpu_pool) as started:
            yield started

Its tests share the app's data, so each makes its own users and asserts on what they did only.
A test that needs other settings (a small rate limit) lives in a module of its own."""
from __future__ import annotations

import contextlib
import dataclasses

from aiohttp.test_utils import TestClient, TestServer

from nexgate.app import create_app
from tests.conftest import TEST_GROUPS, _forget_queued_events, make_config


@contextlib.asynccontextmanager
async def shared_client(database_urls, tmp_path_factory, cpu_pool, *, worker_names=(), listening=None,
                        configure=None, **settings):
    """``listening``: a bound socket to serve on (``cli.listening_socket()``, when a provider calls
    the app back); ``configure(config)``: the config to run with, made from the tests' one."""
    config = dataclasses.replace(make_config(database_urls, tmp_path_factory.mktemp("app")), **settings)
    if configure is not None:
        config = configure(config)
    groups = [name for name in worker_names if name in TEST_GROUPS]
    if groups:
        await _forget_queued_events(config, groups)
    app = create_app(config, worker_names=list(worker_names), cpu_pool=cpu_pool.get())
    server = {} if listening is None else {"socket_factory": lambda host, port, family: listening}
    client = TestClient(TestServer(app, **server))
    await client.start_server()
    try:
        yield client
    finally:
        await client.close()


def module_client(group: str, **settings):
    """(``pytestmark``, ``client``) of a module sharing one app (no workers), as the module
    docstring above declares them: ``pytestmark, client = module_client("events_checkin")``."""
    import pytest
    import pytest_asyncio

    @pytest_asyncio.fixture(scope="module", loop_scope="module")
    async def client(database_urls, tmp_path_factory, _cpu_pool):
        async with shared_client(database_urls, tmp_path_factory, _cpu_pool, **settings) as started:
            yield started

    return [pytest.mark.xdist_group(group), pytest.mark.asyncio(loop_scope="module")], client
