"""The real bot (real aiogram Dispatcher and Bot, long polling over HTTP) against the Bot API emulator."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from aiogram import Bot, Dispatcher
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import build_bot, build_dispatcher
from bot.config import Settings
from bot.jobs.deliveries import JobDelivery
from bot.jobs.worker import JobContext, Worker
from bot.metrics import Metrics
from bot.runner import load_default_survey
from emulator.emulator import DEFAULT_TOKEN, BotAPIEmulator

ADMIN_ID = 900001


@dataclass
class RunningBot:
    """A bot process under test."""

    bot: Bot
    dispatcher: Dispatcher
    task: asyncio.Task[None]


def bot_settings(emulator: BotAPIEmulator, **overrides: Any) -> Settings:
    """Settings pointing the bot at the emulator (the database engine is passed in directly).

    The emulator has no flood limits unless a test switches them on, so the bot's pacing is off
    too unless the test asks for it (``telegram_pacing=True``): tests/e2e/test_telegram_limits.py.
    """
    values: dict[str, Any] = {
        "bot_token": DEFAULT_TOKEN,
        "telegram_api_base": emulator.base_url,
        "admin_ids": frozenset({ADMIN_ID}),
        "telegram_pacing": False,
        **overrides,
    }
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@asynccontextmanager
async def running_bot(
    engine: AsyncEngine, emulator: BotAPIEmulator, *, worker: bool = True, **overrides: Any
) -> AsyncIterator[RunningBot]:
    """Start the bot with long polling (and, unless `worker` is False, a worker and the delivery of its
    results as tasks); stop it (like a process exit) when the block ends."""
    settings = bot_settings(emulator, **overrides)
    await load_default_survey(engine)
    bot = build_bot(settings)
    dispatcher = build_dispatcher(settings, engine)
    task = asyncio.create_task(dispatcher.start_polling(bot, handle_signals=False, polling_timeout=1))
    # The worker (reports, exports, /kpis) and the delivery of its results, as tasks in this process.
    jobs = (
        [
            asyncio.create_task(Worker(JobContext(engine, engine, settings), poll_seconds=0.1).run_forever()),
            asyncio.create_task(JobDelivery(bot, engine, poll_seconds=0.1).run_forever()),
        ]
        if worker
        else []
    )
    try:
        yield RunningBot(bot, dispatcher, task)
    finally:
        for job_task in jobs:
            job_task.cancel()
        await asyncio.gather(*jobs, return_exceptions=True)
        await dispatcher.stop_polling()
        await asyncio.wait_for(task, 10)
        await bot.session.close()


@dataclass
class RunningWebhookBot:
    """A bot process serving the webhook on a local port."""

    url: str  # the process's base URL (http://127.0.0.1:port)
    settings: Settings
    metrics: Metrics


@asynccontextmanager
async def running_webhook_bot(
    engine: AsyncEngine, emulator: BotAPIEmulator, secret: str = "s3cret-token_ABC", **overrides: Any
) -> AsyncIterator[RunningWebhookBot]:
    """Serve the webhook app on 127.0.0.1 and point the emulator's webhook at it (set once)."""
    from aiohttp import web

    from bot.webhook import build_web_app, set_webhook_once

    await load_default_survey(engine)
    probe = web.AppRunner(web.Application())
    await probe.setup()
    site = web.TCPSite(probe, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    await probe.cleanup()
    base = f"http://127.0.0.1:{port}"
    settings = bot_settings(
        emulator, webhook_url=f"{base}/telegram/webhook", webhook_secret=secret, **overrides
    )
    bot = build_bot(settings)
    metrics = Metrics()
    dispatcher = build_dispatcher(settings, engine, metrics=metrics)
    app = build_web_app(settings, dispatcher, bot, engine, metrics)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        await set_webhook_once(bot, engine, settings)
        yield RunningWebhookBot(base, settings, metrics)
    finally:
        await runner.cleanup()
        await bot.session.close()
