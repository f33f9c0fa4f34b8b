"""A tiny round-robin HTTP distributor in front of several webhook processes, as nginx would be.

`python -m bench.harness.distributor PORT BACKEND_URL...`: each POST goes to the next backend; a
backend that refuses the connection is skipped (nginx's proxy_next_upstream error); a backend that
fails mid-request gives 502, and Telegram (the emulator) delivers the update again. Written here
because the bench must not depend on a system package; it is a benchmark fixture, not product code.
"""

from __future__ import annotations

import itertools
import sys

import aiohttp
from aiohttp import web

FORWARDED_HEADERS = ("Content-Type", "X-Telegram-Bot-Api-Secret-Token")


async def healthz(_: web.Request) -> web.Response:
    """Up."""
    return web.Response(text="ok")


def build_app(backends: list[str]) -> web.Application:
    """The distributor's application: /healthz, and every POST forwarded."""
    turn = itertools.cycle(backends)
    client: list[aiohttp.ClientSession] = []

    async def forward(request: web.Request) -> web.Response:
        body = await request.read()
        headers = {name: request.headers[name] for name in FORWARDED_HEADERS if name in request.headers}
        for _ in backends:
            backend = next(turn)
            try:
                async with client[0].post(backend + request.path, data=body, headers=headers) as reply:
                    answer = await reply.read()
                    kind = reply.headers.get("Content-Type", "application/json")
                    return web.Response(status=reply.status, body=answer, headers={"Content-Type": kind})
            except aiohttp.ClientConnectorError:
                continue  # that process is down: try the next one
            except aiohttp.ClientError:
                return web.Response(status=502)
        return web.Response(status=502)

    async def open_client(_: web.Application) -> None:
        client.append(aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)))

    async def close_client(_: web.Application) -> None:
        await client[0].close()

    app = web.Application()
    app.on_startup.append(open_client)
    app.on_cleanup.append(close_client)
    app.router.add_get("/healthz", healthz)
    app.router.add_post("/{path:.*}", forward)
    return app


def main() -> int:
    """Entry point."""
    port, backends = int(sys.argv[1]), sys.argv[2:]
    web.run_app(build_app(backends), host="127.0.0.1", port=port, access_log=None, print=None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
