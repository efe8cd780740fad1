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
async def shared_client(database_urls, tmp_path_factory, cpu_pool, *, worker_names=(), **settings):
    config = dataclasses.replace(make_config(database_urls, tmp_path_factory.mktemp("app")), **settings)
    groups = [name for name in worker_names if name in TEST_GROUPS]
    if groups:
        await _forget_queued_events(config, groups)
    app = create_app(config, worker_names=list(worker_names), cpu_pool=cpu_pool.get())
    client = TestClient(TestServer(app))
    await client.start_server()
    try:
        yield client
    finally:
        await client.close()
