"""The playground's web app: the chat page, its font, the emulator's control API and a few page helpers.

Routes besides the page and /static/:
  GET  /_playground/info                      -> {"bot", "bot_api", "admin_id", "timezone",
                                                  "people": [person]}
  POST /_playground/customers                 {"language": "zh"|"en"} -> person
  GET  /_playground/chats/{chat_id}/commands  -> {"commands": [{"command", "description"}]}
  POST /_playground/chats/{chat_id}/media     multipart "file" (+ "caption") -> {"message"}
  /_emulator/...                              the emulator's control API (see emulator.control)
"""

from __future__ import annotations

import importlib.resources
import json
from contextlib import ExitStack
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from aiohttp import web

from emulator import BotAPIEmulator
from emulator.control import add_control_routes
from emulator.serialize import message_view
from emulator.server import EMULATOR_KEY
from emulator.state import MediaKind

from .people import ADMIN_ID, People

STATIC_DIR = Path(__file__).parent / "static"
CJK_FONT = ("mplfonts", "fonts/NotoSansCJKsc-Regular.otf")
PEOPLE_KEY: web.AppKey[People] = web.AppKey("people")
FONT_KEY: web.AppKey[Path] = web.AppKey("font")
TIMEZONE_KEY: web.AppKey[str] = web.AppKey("timezone")
PHOTO_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})
MAX_UPLOAD = 20 * 1024 * 1024
# The 16 MB font is fetched once per browser; pages and scripts always fresh so edits show at once.
FONT_CACHE = "public, max-age=604800, immutable"


def build_page_app(
    emulator: BotAPIEmulator, people: People, resources: ExitStack, timezone: str
) -> web.Application:
    """The aiohttp app serving the page on the playground's address (``resources`` keeps the font file).

    ``timezone`` is the operator's TIMEZONE: the page shows message times in it, as the bot's own
    texts (ticket times, digests) do, whatever the browser's zone.
    """
    app = web.Application(client_max_size=MAX_UPLOAD + 64 * 1024)
    app[EMULATOR_KEY] = emulator
    app[PEOPLE_KEY] = people
    app[TIMEZONE_KEY] = timezone
    font = importlib.resources.files(CJK_FONT[0]).joinpath(CJK_FONT[1])
    app[FONT_KEY] = resources.enter_context(importlib.resources.as_file(font))
    app.router.add_get("/", _index)
    app.router.add_get("/fonts/noto-sans-cjk-sc.otf", _font)
    app.router.add_static("/static/", STATIC_DIR, append_version=False)
    app.router.add_get("/_playground/info", _info)
    app.router.add_post("/_playground/customers", _add_customer)
    app.router.add_get("/_playground/chats/{chat_id}/commands", _commands)
    app.router.add_post("/_playground/chats/{chat_id}/media", _send_media)
    add_control_routes(app, EMULATOR_KEY)
    app.on_response_prepare.append(_no_store)
    return app


async def _no_store(request: web.Request, response: web.StreamResponse) -> None:
    if not request.path.startswith("/fonts/"):
        response.headers.setdefault("Cache-Control", "no-store")


def _json_error(error: type[web.HTTPException], message: str) -> web.HTTPException:
    return error(text=json.dumps({"ok": False, "error": message}), content_type="application/json")


async def _index(_: web.Request) -> web.FileResponse:
    return web.FileResponse(STATIC_DIR / "index.html")


async def _font(request: web.Request) -> web.FileResponse:
    return web.FileResponse(
        request.app[FONT_KEY], headers={"Content-Type": "font/otf", "Cache-Control": FONT_CACHE}
    )


async def _info(request: web.Request) -> web.Response:
    emulator = request.app[EMULATOR_KEY]
    bot = emulator.state.bot
    return web.json_response(
        {
            "bot": {"name": bot.first_name, "username": bot.username},
            "bot_api": emulator.base_url,  # where the bot polls (loopback), for tools and tests
            "admin_id": ADMIN_ID,
            "timezone": request.app[TIMEZONE_KEY],
            "people": [p.view() for p in request.app[PEOPLE_KEY].all()],
        }
    )


async def _add_customer(request: web.Request) -> web.Response:
    body = await request.json() if request.can_read_body else {}
    language = body.get("language", "zh") if isinstance(body, dict) else None
    if language not in ("zh", "en"):
        raise _json_error(web.HTTPBadRequest, "language must be 'zh' or 'en'")
    return web.json_response(request.app[PEOPLE_KEY].add_customer(language).view())


def _person_chat(request: web.Request) -> int:
    try:
        chat_id = int(request.match_info["chat_id"])
    except ValueError:
        raise _json_error(web.HTTPBadRequest, "chat_id must be an integer") from None
    if request.app[PEOPLE_KEY].get(chat_id) is None:
        raise _json_error(web.HTTPNotFound, f"no playground user {chat_id}")
    return chat_id


async def _commands(request: web.Request) -> web.Response:
    chat_id = _person_chat(request)
    person = request.app[PEOPLE_KEY].get(chat_id)
    assert person is not None
    commands = visible_commands(request.app[EMULATOR_KEY], chat_id, person.language)
    return web.json_response({"commands": commands})


def visible_commands(emulator: BotAPIEmulator, chat_id: int, language: str) -> list[dict[str, Any]]:
    """The command menu a Telegram client would show in this private chat (narrowest scope first)."""
    scopes = [{"type": "chat", "chat_id": chat_id}, {"type": "all_private_chats"}, {"type": "default"}]
    for scope in scopes:
        for code in (language, ""):
            commands = emulator.state.commands.get((json.dumps(scope, sort_keys=True), code))
            if commands:
                return commands
    return []


async def _send_media(request: web.Request) -> web.Response:
    chat_id = _person_chat(request)
    form = await request.post()
    upload = form.get("file")
    if not isinstance(upload, web.FileField):
        raise _json_error(web.HTTPBadRequest, "a 'file' part is required")
    caption = form.get("caption")
    kind: MediaKind = "photo" if upload.content_type in PHOTO_TYPES else "document"
    message = request.app[EMULATOR_KEY].inject_media(
        chat_id,
        kind,
        upload.file.read(),
        # Browsers send UTF-8 names as they are; aiohttp-based clients percent-encode them.
        filename=unquote(upload.filename) if upload.filename else None,
        caption=caption if isinstance(caption, str) and caption else None,
    )
    return web.json_response({"message": message_view(message)})
