"""What Tingjian's Bot API session puts on the wire: JSON for ordinary calls, a form for uploads."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiogram.types import BufferedInputFile, InlineKeyboardButton, InlineKeyboardMarkup
from aiohttp import web
from aiohttp.test_utils import TestServer

from bot.app import build_bot
from bot.config import Settings

TOKEN = "123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11"
MESSAGE = {"message_id": 7, "date": 0, "chat": {"id": 42, "type": "private"}}


@pytest.fixture
async def telegram() -> AsyncIterator[tuple[str, list[web.Request], list[bytes]]]:
    """A stand-in Bot API server that records each request and answers like Telegram."""
    requests: list[web.Request] = []
    bodies: list[bytes] = []

    async def method(request: web.Request) -> web.Response:
        requests.append(request)
        bodies.append(await request.read())
        return web.json_response({"ok": True, "result": {**MESSAGE, "text": "ok"}})

    app = web.Application()
    app.router.add_post("/bot{token}/{method}", method)
    async with TestServer(app) as server:
        yield str(server.make_url("")), requests, bodies


async def test_a_message_with_a_keyboard_is_sent_as_one_json_object(telegram: Any) -> None:
    base, requests, bodies = telegram
    bot = build_bot(Settings(_env_file=None, bot_token=TOKEN, telegram_api_base=base))  # type: ignore[call-arg]
    button = InlineKeyboardButton(text="4 · 满意", callback_data="s:a:1:q:4")
    keyboard = InlineKeyboardMarkup(inline_keyboard=[[button]])
    try:
        sent = await bot.send_message(42, "第 1/16 题", reply_markup=keyboard)
    finally:
        await bot.session.close()
    assert sent.message_id == 7
    assert requests[0].content_type == "application/json"
    assert json.loads(bodies[0]) == {
        "chat_id": 42,
        "text": "第 1/16 题",
        "parse_mode": "HTML",
        "reply_markup": {"inline_keyboard": [[{"text": "4 · 满意", "callback_data": "s:a:1:q:4"}]]},
    }


async def test_an_upload_is_still_sent_as_a_multipart_form(telegram: Any) -> None:
    base, requests, bodies = telegram
    bot = build_bot(Settings(_env_file=None, bot_token=TOKEN, telegram_api_base=base))  # type: ignore[call-arg]
    try:
        await bot.send_document(42, BufferedInputFile(b"a,b\n1,2\n", filename="answers.csv"))
    finally:
        await bot.session.close()
    assert requests[0].content_type == "multipart/form-data"
    assert b'filename="answers.csv"' in bodies[0] and b"a,b\n1,2\n" in bodies[0]
