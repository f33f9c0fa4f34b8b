"""The ceiling: a bare aiogram bot that answers each update with one message and stores nothing.

`python -m bench.harness.bare_bot [--webhook]`, configured like Tingjian (BOT_TOKEN,
TELEGRAM_API_BASE, WEB_PORT, WEBHOOK_SECRET); /healthz answers once it is ready. Same aiogram,
same Bot API session (Tingjian's: JSON bodies, cached response models), same probe as the Tingjian
processes, so the ratio measures what Tingjian adds; no middlewares of its own, no database.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import CallbackQuery, Message, TelegramObject
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web

from bench.harness import probe
from bot.telegram_session import TelegramSession

WEBHOOK_PATH = "/telegram/webhook"


async def reply_to_message(message: Message, bot: Bot) -> None:
    """One message back."""
    await bot.send_message(message.chat.id, "ok")


async def reply_to_press(query: CallbackQuery, bot: Bot) -> None:
    """One message back (no answerCallbackQuery: one Bot API call per update)."""
    await bot.send_message(query.from_user.id, "ok")


async def timed(
    handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
    event: TelegramObject,
    data: dict[str, Any],
) -> Any:
    """The probe around each update, where Tingjian's ObservabilityMiddleware sits."""
    return await probe.timed_update(lambda: handler(event, data))


def build() -> tuple[Bot, Dispatcher]:
    """The bot on the configured Bot API server and its two handlers."""
    api = TelegramAPIServer.from_base(os.environ["TELEGRAM_API_BASE"])
    bot = Bot(os.environ["BOT_TOKEN"], session=TelegramSession(api=api))
    dispatcher = Dispatcher()
    dispatcher.update.outer_middleware(timed)
    dispatcher.message.register(reply_to_message)
    dispatcher.callback_query.register(reply_to_press)
    return bot, dispatcher


async def healthz(_: web.Request) -> web.Response:
    """Ready (polling is about to start, or the webhook route is served)."""
    return web.Response(text="ok")


async def serve(webhook: bool) -> None:
    """Poll (or serve the webhook) until SIGINT/SIGTERM."""
    bot, dispatcher = build()
    app = web.Application()
    app.router.add_get("/healthz", healthz)
    if webhook:
        secret = os.environ.get("WEBHOOK_SECRET")
        SimpleRequestHandler(dispatcher, bot, secret_token=secret, handle_in_background=False).register(
            app, path=WEBHOOK_PATH
        )
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", int(os.environ["WEB_PORT"])).start()
    try:
        if webhook:
            stop = asyncio.Event()
            for signal_number in (2, 15):  # SIGINT, SIGTERM
                asyncio.get_running_loop().add_signal_handler(signal_number, stop.set)
            await stop.wait()
        else:
            await bot.delete_webhook()
            await dispatcher.start_polling(bot)
    finally:
        await runner.cleanup()
        await bot.session.close()


def main() -> int:
    """Entry point."""
    probe.install_dump_on_sigusr1()
    probe.patch_bot_api_waits()
    asyncio.run(serve("--webhook" in sys.argv[1:]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
