"""What every HTTP sandbox of a provider shares: serving its app on a port (0: any free one)."""
from __future__ import annotations

import asyncio

from aiohttp import web


class HttpSandbox:
    """Subclasses build their ``app()``; ``start()`` serves it and learns the port it got."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0):
        self.host = host
        self.port = port
        self._runner: web.AppRunner | None = None

    def app(self) -> web.Application:
        raise NotImplementedError

    async def start(self) -> None:
        self._runner = web.AppRunner(self.app(), access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, self.host, self.port).start()
        self.port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        if self._runner:
            await self._runner.cleanup()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"


async def run_alone(sandbox: HttpSandbox, what: str) -> None:
    """``python -m nexgate.providers.<x>_sandbox``: serve ``sandbox`` until interrupted, having printed
    the settings (its ``settings()``) that point a server at it."""
    from ..config import env_name

    await sandbox.start()
    try:
        print(f"{what} on {sandbox.url}; point the server at it with:")
        for name, value in sandbox.settings().items():  # type: ignore[attr-defined]
            print(f"{env_name(name)}={value}")
        await asyncio.Event().wait()
    finally:
        await sandbox.stop()
