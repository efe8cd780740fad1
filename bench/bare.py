"""The baseline server: a bare aiohttp app whose one route answers what Nexgate's
``GET /health/live`` answers, served as ``python -m nexgate serve`` serves Nexgate
(uvloop, ``web.run_app``, no access log). ``python -m bench.bare --port P``."""
from __future__ import annotations

import argparse
import asyncio

import uvloop
from aiohttp import web


async def live(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="bench.bare", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args(argv)
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    app = web.Application()
    app.router.add_get("/health/live", live)
    web.run_app(app, host=args.host, port=args.port, access_log=None, shutdown_timeout=10, print=None)


if __name__ == "__main__":
    main()
