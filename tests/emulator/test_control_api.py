"""The JSON control API a browser page would use: chats, send as user, press, read, long-poll."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiogram import Bot, Dispatcher
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message

from emulator import BotAPIEmulator, polling

USER = 2002


def make_dispatcher() -> Dispatcher:
    dp = Dispatcher()

    @dp.callback_query()
    async def pressed(query: CallbackQuery) -> None:
        await query.answer("ok")
        assert isinstance(query.message, Message)
        await query.message.edit_text(f"pressed {query.data}")

    @dp.message()
    async def reply(message: Message) -> None:
        keyboard = InlineKeyboardMarkup(
            inline_keyboard=[[InlineKeyboardButton(text="是", callback_data="yes")]]
        )
        await message.answer(f"收到：{message.text}", reply_markup=keyboard)

    return dp


@pytest.fixture
async def http(emu: BotAPIEmulator) -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(base_url=emu.base_url) as session:
        yield session


async def test_page_flow_send_read_press(emu: BotAPIEmulator, bot: Bot, http: aiohttp.ClientSession) -> None:
    async with polling(emu, make_dispatcher(), bot):
        start = await (await http.get("/_emulator/chats")).json()
        assert start["chats"] == []
        sent = await http.post(
            f"/_emulator/chats/{USER}/messages", json={"text": "你好", "first_name": "阿明"}
        )
        assert sent.status == 200 and (await sent.json())["message"]["text"] == "你好"

        changes = await (
            await http.get("/_emulator/changes", params={"since": start["version"], "timeout": 5})
        ).json()
        assert changes["chats"] == [USER]
        await emu.wait_until(lambda: len(emu.bot_messages(USER)) == 1)

        page = await (await http.get(f"/_emulator/chats/{USER}/messages")).json()
        assert page["chat"]["user"]["first_name"] == "阿明"
        user_message, bot_message = page["messages"]
        assert (user_message["from_bot"], bot_message["from_bot"]) == (False, True)
        assert bot_message["text"] == "收到：你好"
        assert bot_message["buttons"] == [[{"text": "是", "callback_data": "yes"}]]

        pressed = await http.post(f"/_emulator/chats/{USER}/press", json={"button": "是"})
        assert pressed.status == 200
        query_id = (await pressed.json())["callback_query_id"]
        await emu.wait_until(lambda: emu.bot_messages(USER)[0].edited == 1)

    answers = await (await http.get("/_emulator/callback_answers", params={"chat_id": USER})).json()
    assert [(a["id"], a["answer_text"]) for a in answers["answers"]] == [(query_id, "ok")]
    page = await (await http.get(f"/_emulator/chats/{USER}/messages")).json()
    assert page["messages"][1]["text"] == "pressed yes" and page["messages"][1]["edited"] == 1
    calls = await (await http.get("/_emulator/calls", params={"method": "editMessageText"})).json()
    assert [c["params"]["text"] for c in calls["calls"]] == ["pressed yes"]


async def test_control_errors_and_faults(emu: BotAPIEmulator, http: aiohttp.ClientSession) -> None:
    missing = await http.post("/_emulator/chats/404/press", json={"button": "x"})
    assert missing.status == 404
    emu.user(USER)
    no_button = await http.post(f"/_emulator/chats/{USER}/press", json={"button": "x"})
    assert no_button.status == 400 and "no button 'x'" in (await no_button.json())["error"]
    await http.post("/_emulator/faults", json={"method": "getMe", "status": 500})
    failed = await http.post(f"/bot{emu.token}/getMe")
    assert (failed.status, await failed.json()) == (
        500,
        {"ok": False, "error_code": 500, "description": "Internal Server Error"},
    )
    blocked = await http.post(f"/_emulator/chats/{USER}/block", json={"blocked": True})
    assert (await blocked.json())["chat"]["blocked"] is True
    update = await http.post("/_emulator/updates", json={"message": {"message_id": 1, "date": 0, "chat": {}}})
    assert (await update.json())["update_id"] in emu.updates


async def test_bot_api_accepts_multipart_json_and_urlencoded(
    emu: BotAPIEmulator, http: aiohttp.ClientSession
) -> None:
    emu.user(USER)
    form = aiohttp.FormData()
    form.add_field("chat_id", str(USER))
    form.add_field("caption", "报表")
    form.add_field("reply_markup", '{"inline_keyboard": [[{"text": "看", "url": "https://e.x"}]]}')
    form.add_field("document", b"col\n1\n", filename="r.csv", content_type="text/csv")
    multipart = await (await http.post(f"/bot{emu.token}/sendDocument", data=form)).json()
    assert multipart["ok"] is True
    assert multipart["result"]["document"]["file_name"] == "r.csv"
    assert multipart["result"]["reply_markup"]["inline_keyboard"][0][0]["url"] == "https://e.x"

    as_json = await (
        await http.post(f"/bot{emu.token}/sendMessage", json={"chat_id": USER, "text": "j"})
    ).json()
    urlencoded = await (
        await http.post(f"/bot{emu.token}/sendMessage", data={"chat_id": str(USER), "text": "u"})
    ).json()
    assert (as_json["result"]["text"], urlencoded["result"]["text"]) == ("j", "u")
    document = emu.bot_messages(USER)[0]
    assert (document.document, document.filename, document.caption) == (b"col\n1\n", "r.csv", "报表")

    wrong_token = await http.post("/bot1:nope/getMe")
    assert (wrong_token.status, (await wrong_token.json())["description"]) == (401, "Unauthorized")
    unknown = await http.post(f"/bot{emu.token}/sendDice", json={"chat_id": USER})
    assert (unknown.status, await unknown.json()) == (
        404,
        {"ok": False, "error_code": 404, "description": "Not Found"},
    )
