"""Webhook mode: the emulator POSTs updates to the bot's URL with the secret header."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiogram import Bot, Dispatcher
from aiogram.exceptions import TelegramConflictError
from aiogram.types import Message
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web

from emulator import SECRET_HEADER, BotAPIEmulator

USER = 1001
SECRET = "s3cret_token-1"


class Receiver:
    """A tiny webhook endpoint that records what it gets and can reply with a Bot API call."""

    def __init__(self) -> None:
        self.received: list[tuple[str | None, dict[str, Any]]] = []
        self.reply: dict[str, Any] = {}

    async def handle(self, request: web.Request) -> web.Response:
        self.received.append((request.headers.get(SECRET_HEADER), await request.json()))
        return web.json_response(self.reply)


async def serve(app: web.Application) -> AsyncIterator[str]:
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    yield f"http://{host}:{port}/hook"
    await runner.cleanup()


@pytest.fixture
async def receiver() -> AsyncIterator[tuple[Receiver, str]]:
    recorder = Receiver()
    app = web.Application()
    app.router.add_post("/hook", recorder.handle)
    async for url in serve(app):
        yield recorder, url


async def test_updates_are_posted_with_the_secret_header(
    emu: BotAPIEmulator, bot: Bot, receiver: tuple[Receiver, str]
) -> None:
    recorder, url = receiver
    assert await bot.set_webhook(url, secret_token=SECRET) is True
    info = await bot.get_webhook_info()
    assert info.url == url
    message = emu.inject_text(USER, "/start")
    assert await emu.wait_until(lambda: len(recorder.received) == 1)
    header, update = recorder.received[0]
    assert header == SECRET
    assert update["update_id"] == message.update_id
    assert update["message"]["text"] == "/start"
    assert update["message"]["entities"] == [{"type": "bot_command", "offset": 0, "length": 6}]
    assert emu.webhook_deliveries[0].ok


async def test_redelivery_in_webhook_mode_repeats_the_update_id(
    emu: BotAPIEmulator, bot: Bot, receiver: tuple[Receiver, str]
) -> None:
    recorder, url = receiver
    await bot.set_webhook(url)
    update_id = emu.inject_text(USER, "hi").update_id
    assert update_id is not None
    assert await emu.wait_until(lambda: len(recorder.received) == 1)
    emu.redeliver(update_id)
    assert await emu.wait_until(lambda: len(recorder.received) == 2)
    assert [u["update_id"] for _, u in recorder.received] == [update_id, update_id]
    assert [h for h, _ in recorder.received] == [None, None]  # no secret set, no header


async def test_a_method_in_the_webhook_reply_is_executed(
    emu: BotAPIEmulator, bot: Bot, receiver: tuple[Receiver, str]
) -> None:
    recorder, url = receiver
    recorder.reply = {"method": "sendMessage", "chat_id": USER, "text": "answered in the reply"}
    await bot.set_webhook(url)
    customer = emu.customer(USER)
    await customer.send("hello")
    assert customer.last_text == "answered in the reply"


async def test_get_updates_conflicts_while_a_webhook_is_set(
    emu: BotAPIEmulator, bot: Bot, receiver: tuple[Receiver, str]
) -> None:
    _, url = receiver
    emu.inject_text(USER, "queued before the webhook")
    await bot.set_webhook(url)
    with pytest.raises(TelegramConflictError, match="webhook is active"):
        await bot.get_updates()
    await bot.delete_webhook()
    assert await bot.get_updates() == []  # the queued update went to the webhook


async def test_aiogram_webhook_handler_round_trip(emu: BotAPIEmulator, bot: Bot) -> None:
    dp = Dispatcher()

    @dp.message()
    async def echo(message: Message) -> None:
        await message.answer(f"webhook echo: {message.text}")

    app = web.Application()
    SimpleRequestHandler(dp, bot, secret_token=SECRET).register(app, path="/hook")
    async for url in serve(app):
        await bot.set_webhook(url, secret_token=SECRET)
        customer = emu.customer(USER)
        await customer.send("你好")
        assert customer.last_text == "webhook echo: 你好"
        await bot.set_webhook(url, secret_token="wrong-secret")
        emu.inject_text(USER, "rejected")
        assert await emu.wait_until(lambda: any(d.status == 401 for d in emu.webhook_deliveries))
        info = await bot.get_webhook_info()
        assert info.last_error_message is not None and "401" in info.last_error_message
