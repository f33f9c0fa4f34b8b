"""The ceiling: a bare aiogram bot that answers each update with one message and stores nothing.

`python -m bench.harness.bare_bot [--webhook]`, configured like Tingjian (BOT_TOKEN,
TELEGRAM_API_BASE, WEB_PORT, WEBHOOK_SECRET); /healthz answers once it is ready. Same aiogram,
same Bot API session (Tingjian's: JSON bodies, cached response models), same probe as the Tingjian
processes, so the ratio measures what Tingjian adds; no middlewares of its own, no database.

With ``--floor`` it is the least any bot with Tingjian's guarantees and replies could do: per update,
straight through asyncpg (no ORM, no dialog), the chat's advisory lock, one transaction that claims
the update and stores one answer row, then Tingjian's replies to a press (turn the pressed survey
card into the next question, acknowledge the press in the webhook response), then the unlock. It shows what
this machine allows before any of Tingjian's own code runs. With ``--floor --one-reply`` it replies
as the bare bot does (one message, nothing else): the cost of the guarantees alone.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
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


FLOOR_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS floor_updates (update_id bigint PRIMARY KEY);"
    "CREATE TABLE IF NOT EXISTS floor_answers (id bigserial PRIMARY KEY, chat_id bigint, data text)"
)
FLOOR_CLAIM = "INSERT INTO floor_updates VALUES ($1) ON CONFLICT DO NOTHING RETURNING update_id"


async def floor_update(
    handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
    event: TelegramObject,
    data: dict[str, Any],
) -> Any:
    """Lock the chat, claim the update and store its answer in one transaction, reply, unlock."""
    chat_id = data["event_from_user"].id
    async with data["pool"].acquire() as connection:
        await connection.fetchval("SELECT pg_advisory_lock($1)", chat_id)
        try:
            async with connection.transaction():
                if await connection.fetchval(FLOOR_CLAIM, event.update_id) is None:  # type: ignore[attr-defined]
                    return None
                await connection.execute(
                    "INSERT INTO floor_answers (chat_id, data) VALUES ($1, $2)", chat_id, "answer"
                )
            return await handler(event, data)
        finally:
            await connection.fetchval("SELECT pg_advisory_unlock($1)", chat_id)


async def floor_reply_to_press(query: CallbackQuery, bot: Bot) -> Any:
    """Tingjian's replies to an answer: turn the pressed card to the next question, acknowledge."""
    if isinstance(query.message, Message):
        await query.message.edit_text(f"✅ {query.data}")
    return query.answer()


async def timed(
    handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
    event: TelegramObject,
    data: dict[str, Any],
) -> Any:
    """The probe around each update, where Tingjian's ObservabilityMiddleware sits."""
    return await probe.timed_update(lambda: handler(event, data))


def build(floor: asyncpg.Pool | None = None, one_reply: bool = False) -> tuple[Bot, Dispatcher]:
    """The bot on the configured Bot API server and its two handlers (the floor's, given a pool)."""
    api = TelegramAPIServer.from_base(os.environ["TELEGRAM_API_BASE"])
    bot = Bot(os.environ["BOT_TOKEN"], session=TelegramSession(api=api))
    dispatcher = Dispatcher()
    dispatcher.update.outer_middleware(timed)
    dispatcher.message.register(reply_to_message)
    if floor is None or one_reply:
        dispatcher.callback_query.register(reply_to_press)
    if floor is None:
        return bot, dispatcher
    dispatcher["pool"] = floor
    dispatcher.update.outer_middleware(floor_update)
    if not one_reply:
        dispatcher.callback_query.register(floor_reply_to_press)
    return bot, dispatcher


async def healthz(_: web.Request) -> web.Response:
    """Ready (polling is about to start, or the webhook route is served)."""
    return web.Response(text="ok")


async def floor_pool() -> asyncpg.Pool:
    """Connections to the bench's database (DATABASE_URL, SQLAlchemy form), with the floor's tables."""
    dsn = os.environ["DATABASE_URL"].replace("+asyncpg", "")
    pool = await asyncpg.create_pool(dsn, min_size=10, max_size=20)
    async with pool.acquire() as connection:
        await connection.execute(FLOOR_SCHEMA)
    return pool


async def serve(webhook: bool, floor: bool, one_reply: bool) -> None:
    """Poll (or serve the webhook) until SIGINT/SIGTERM."""
    bot, dispatcher = build(await floor_pool() if floor else None, one_reply)
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
    options = sys.argv[1:]
    asyncio.run(serve("--webhook" in options, "--floor" in options, "--one-reply" in options))
    return 0


if __name__ == "__main__":
    sys.exit(main())
