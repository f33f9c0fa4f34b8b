"""JSON control API under /_emulator/ for pages and tools: look at chats, act as users, wait for changes.

Routes (all JSON):
  GET  /_emulator/chats                         -> {"version", "chats": [chat summary]}
  GET  /_emulator/chats/{chat_id}/messages      -> {"version", "chat", "messages": [message view]}
  POST /_emulator/chats/{chat_id}/messages      {"text", "first_name"?, "language_code"?, "username"?}
  POST /_emulator/chats/{chat_id}/press         {"button", "message_id"?} (visible text or callback data)
  POST /_emulator/chats/{chat_id}/block         {"blocked": true|false}
  GET  /_emulator/changes?since=V&timeout=S     -> {"version", "chats": [ids changed since V]} (long poll)
  GET  /_emulator/calls?since=SEQ&method=M      -> {"calls": [...]}
  GET  /_emulator/callback_answers?chat_id=ID   -> {"answers": [...]}
  GET  /_emulator/files/{file_id}               -> the file's bytes
  POST /_emulator/faults                        {"method"?, "status"?, "retry_after"?, "times"?}
  POST /_emulator/flood_control                {"enabled", "time_factor"?} -> {"enabled", "refused"}
  POST /_emulator/updates                       a raw update -> {"update_id"}
"""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from aiohttp import web

from .errors import BotAPIError
from .serialize import chat_view, message_view
from .state import CallbackQueryRecord

if TYPE_CHECKING:
    from .emulator import BotAPIEmulator

MAX_LONG_POLL = 60.0


def add_control_routes(app: web.Application, key: web.AppKey[BotAPIEmulator]) -> None:
    """Mount the control API on the emulator's app."""
    routes = _ControlRoutes(key)
    app.router.add_get("/_emulator/chats", routes.list_chats)
    app.router.add_get("/_emulator/chats/{chat_id}/messages", routes.chat_messages)
    app.router.add_post("/_emulator/chats/{chat_id}/messages", routes.send_as_user)
    app.router.add_post("/_emulator/chats/{chat_id}/press", routes.press)
    app.router.add_post("/_emulator/chats/{chat_id}/block", routes.block)
    app.router.add_get("/_emulator/changes", routes.changes)
    app.router.add_get("/_emulator/calls", routes.calls)
    app.router.add_get("/_emulator/callback_answers", routes.callback_answers)
    app.router.add_get("/_emulator/files/{file_id}", routes.file)
    app.router.add_post("/_emulator/faults", routes.add_fault)
    app.router.add_post("/_emulator/flood_control", routes.flood_control)
    app.router.add_post("/_emulator/updates", routes.inject_update)


def _json_error(status: int, message: str) -> web.HTTPException:
    error_class = {400: web.HTTPBadRequest, 404: web.HTTPNotFound}.get(status, web.HTTPBadRequest)
    return error_class(text=json.dumps({"ok": False, "error": message}), content_type="application/json")


async def _body(request: web.Request) -> dict[str, Any]:
    try:
        data = await request.json() if request.can_read_body else {}
    except json.JSONDecodeError as exc:
        raise _json_error(400, "body must be JSON") from exc
    if not isinstance(data, dict):
        raise _json_error(400, "body must be a JSON object")
    return data


def _int(value: Any, name: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError) as exc:
        raise _json_error(400, f"{name} must be an integer") from exc


class _ControlRoutes:
    def __init__(self, key: web.AppKey[BotAPIEmulator]) -> None:
        self._key = key

    def _emu(self, request: web.Request) -> BotAPIEmulator:
        return request.app[self._key]

    def _chat_id(self, request: web.Request) -> int:
        chat_id = _int(request.match_info["chat_id"], "chat_id")
        if chat_id not in self._emu(request).state.chats:
            raise _json_error(404, f"no chat {chat_id}")
        return chat_id

    async def list_chats(self, request: web.Request) -> web.Response:
        state = self._emu(request).state
        return web.json_response(
            {"version": state.version, "chats": [chat_view(c) for c in state.chats.values()]}
        )

    async def chat_messages(self, request: web.Request) -> web.Response:
        state = self._emu(request).state
        chat = state.chats[self._chat_id(request)]
        return web.json_response(
            {
                "version": state.version,
                "chat": chat_view(chat),
                "messages": [message_view(m) for m in chat.messages],
            }
        )

    async def send_as_user(self, request: web.Request) -> web.Response:
        emu = self._emu(request)
        user_id = _int(request.match_info["chat_id"], "chat_id")
        body = await _body(request)
        text = body.get("text")
        if not isinstance(text, str) or not text:
            raise _json_error(400, "text is required")
        emu.user(
            user_id,
            first_name=body.get("first_name"),
            language_code=body.get("language_code"),
            username=body.get("username"),
        )
        message = emu.inject_text(user_id, text)
        return web.json_response({"update_id": message.update_id, "message": message_view(message)})

    async def press(self, request: web.Request) -> web.Response:
        emu = self._emu(request)
        chat_id = self._chat_id(request)
        body = await _body(request)
        message_id = body.get("message_id")
        try:
            result = emu.press(
                chat_id,
                str(body.get("button", "")),
                message_id=None if message_id is None else _int(message_id, "message_id"),
            )
        except (LookupError, BotAPIError) as exc:
            raise _json_error(400, str(exc)) from exc
        if isinstance(result, CallbackQueryRecord):
            return web.json_response({"update_id": result.update_id, "callback_query_id": result.id})
        return web.json_response({"update_id": result.update_id, "message": message_view(result)})

    async def block(self, request: web.Request) -> web.Response:
        emu = self._emu(request)
        chat_id = self._chat_id(request)
        blocked = bool((await _body(request)).get("blocked", True))
        (emu.block_user if blocked else emu.unblock_user)(chat_id)
        return web.json_response({"chat": chat_view(emu.state.chats[chat_id])})

    async def changes(self, request: web.Request) -> web.Response:
        emu = self._emu(request)
        since = _int(request.query.get("since", "0"), "since")
        try:
            timeout = min(float(request.query.get("timeout", "25")), MAX_LONG_POLL)
        except ValueError as exc:
            raise _json_error(400, "timeout must be a number of seconds") from exc
        await emu.wait_until(lambda: emu.state.version > since, timeout)
        changed = [c.id for c in emu.state.chats.values() if c.version > since]
        return web.json_response({"version": emu.state.version, "chats": changed})

    async def calls(self, request: web.Request) -> web.Response:
        emu = self._emu(request)
        since = _int(request.query.get("since", "0"), "since")
        method = request.query.get("method")
        calls = [asdict(c) for c in emu.calls(method) if c.seq > since]
        return web.json_response({"calls": calls}, dumps=lambda o: json.dumps(o, default=str))

    async def callback_answers(self, request: web.Request) -> web.Response:
        emu = self._emu(request)
        chat_id = request.query.get("chat_id")
        answers = emu.callback_answers(None if chat_id is None else _int(chat_id, "chat_id"))
        return web.json_response({"answers": [asdict(a) for a in answers]})

    async def file(self, request: web.Request) -> web.Response:
        stored = self._emu(request).state.files.get(request.match_info["file_id"])
        if stored is None:
            raise _json_error(404, "no such file")
        return web.Response(body=stored.data, content_type=stored.mime_type or "application/octet-stream")

    async def add_fault(self, request: web.Request) -> web.Response:
        body = await _body(request)
        self._emu(request).fail_next(
            method=body.get("method"),
            status=_int(body.get("status", 429), "status"),
            retry_after=_int(body.get("retry_after", 1), "retry_after"),
            times=_int(body.get("times", 1), "times"),
            description=body.get("description"),
        )
        return web.json_response({"ok": True})

    async def flood_control(self, request: web.Request) -> web.Response:
        emu = self._emu(request)
        body = await _body(request)
        if body.get("enabled", True):
            try:
                factor = float(body.get("time_factor", 1.0))
            except (TypeError, ValueError) as exc:
                raise _json_error(400, "time_factor must be a number") from exc
            if factor <= 0:
                raise _json_error(400, "time_factor must be positive")
            emu.enable_flood_control(time_factor=factor)
        else:
            emu.disable_flood_control()
        return web.json_response({"enabled": emu.flood is not None, "refused": emu.flood_refusals()})

    async def inject_update(self, request: web.Request) -> web.Response:
        update_id = self._emu(request).inject_update(await _body(request))
        return web.json_response({"update_id": update_id})
