"""aiohttp routes of the Bot API: /bot<token>/<method> and /file/bot<token>/<path>."""

from __future__ import annotations

import mimetypes
from typing import TYPE_CHECKING

from aiohttp import web

from .control import add_control_routes
from .forms import read_request

if TYPE_CHECKING:
    from .emulator import BotAPIEmulator

EMULATOR_KEY: web.AppKey[BotAPIEmulator] = web.AppKey("emulator")


def _emulator(request: web.Request) -> BotAPIEmulator:
    return request.app[EMULATOR_KEY]


async def bot_api(request: web.Request) -> web.Response:
    """Any Bot API method, any body encoding; answers in Bot API shape with Telegram's status codes."""
    params = await read_request(request)
    status, body = await _emulator(request).call(
        request.match_info["method"], params, token=request.match_info["token"]
    )
    return web.json_response(body, status=status)


async def download_file(request: web.Request) -> web.Response:
    """File bytes by the file_path getFile returned."""
    emulator = _emulator(request)
    if emulator.check_token and request.match_info["token"] != emulator.token:
        raise web.HTTPUnauthorized()
    stored = emulator.state.file_by_path(request.match_info["path"])
    if stored is None:
        raise web.HTTPNotFound()
    content_type = stored.mime_type or mimetypes.guess_type(stored.filename or "")[0]
    return web.Response(body=stored.data, content_type=content_type or "application/octet-stream")


def build_app(emulator: BotAPIEmulator) -> web.Application:
    """The emulator's aiohttp application: Bot API, file downloads and the /_emulator control API."""
    app = web.Application(client_max_size=60 * 1024 * 1024)
    app[EMULATOR_KEY] = emulator
    app.router.add_route("*", "/bot{token}/{method}", bot_api)
    app.router.add_get("/file/bot{token}/{path:.+}", download_file)
    add_control_routes(app, EMULATOR_KEY)
    return app
