"""One process: database, local Bot API server, the real bot long-polling it, and the chat page.

The bot is started with the production start-up (`bot.runner.run_polling`), only pointed at the
emulator instead of api.telegram.org, so the playground shows exactly what Telegram users would get.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from contextlib import ExitStack

from aiohttp import web
from pydantic import SecretStr

from bot.config import ConfigError, Settings
from emulator import DEFAULT_TOKEN, BotAPIEmulator
from emulator.updates import UpdateQueue

from .demo import seed_demo
from .options import PlaygroundOptions, check_host, page_url
from .people import ADMIN_ID, People
from .web import build_page_app

logger = logging.getLogger(__name__)

BOT_NAME = "听见"
BOT_USERNAME = "tingjian_playground_bot"
# Generous: the first start of the embedded database runs initdb and every migration.
STARTUP_TIMEOUT = 300.0


class PlaygroundUnavailable(ConfigError):
    """The page's address cannot be bound (port in use, address not on this machine)."""


def playground_settings(settings: Settings, emulator: BotAPIEmulator) -> Settings:
    """The operator's settings with the emulator as Bot API server and the playground admin added.

    The embedded database lives in DATA_DIR/playground so that trying things out never mixes
    with the real bot's data; a configured DATABASE_URL is used as it is.
    """
    return settings.model_copy(
        update={
            "bot_token": SecretStr(DEFAULT_TOKEN),
            "telegram_api_base": emulator.base_url,
            "admin_ids": settings.admin_ids | {ADMIN_ID},
            "data_dir": settings.data_dir / "playground",
            # /healthz and /metrics of the bot process: loopback, any free port (never clashes
            # with a real bot's 8081 or with a second playground).
            "web_host": "127.0.0.1",
            "web_port": 0,
            # The emulator has no flood limits: pacing would only slow someone clicking through.
            "telegram_pacing": False,
        }
    )


async def run_playground(
    settings: Settings, options: PlaygroundOptions, on_ready: Callable[[str], None]
) -> None:
    """Run until SIGINT/SIGTERM; ``on_ready(url)`` is called once the bot polls and the page is served."""
    check_host(options)
    async with BotAPIEmulator(
        DEFAULT_TOKEN, port=options.api_port, bot_username=BOT_USERNAME, bot_name=BOT_NAME
    ) as emulator:
        # The bot skips update ids its database has seen (redeliveries). The playground's database
        # outlives the process, so each run numbers its updates after every earlier run's.
        emulator.queue = UpdateQueue(first_update_id=time.time_ns() // 1000)
        bot_settings = playground_settings(settings, emulator)
        people = People(emulator)
        for admin_id in sorted(bot_settings.admin_ids, key=lambda i: i != ADMIN_ID):
            people.add_admin(admin_id)
        people.add_customer("zh")
        with ExitStack() as resources:
            # The page is bound first so that a busy port is reported before the database starts.
            app = build_page_app(emulator, people, resources, bot_settings.timezone)
            page = await _serve_page(app, options)
            try:
                if options.demo:
                    await seed_demo(bot_settings)
                await _run_bot(emulator, bot_settings, lambda: on_ready(page_url(options.host, _port(page))))
            finally:
                await page.cleanup()


async def _serve_page(app: web.Application, options: PlaygroundOptions) -> web.AppRunner:
    # Pages hold long polls open for up to half a minute; Ctrl+C should not wait for them.
    page = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=1.0)
    await page.setup()
    try:
        await web.TCPSite(page, options.host, options.port).start()
    except OSError as error:
        await page.cleanup()
        raise PlaygroundUnavailable(
            f"cannot serve the playground on {options.host}:{options.port} ({error.strerror or error}); "
            "choose another address with --port/--host"
        ) from None
    return page


def _port(page: web.AppRunner) -> int:
    return int(page.addresses[0][1])


async def _run_bot(emulator: BotAPIEmulator, settings: Settings, announce: Callable[[], None]) -> None:
    from bot.runner import run_polling

    polling = asyncio.create_task(run_polling(settings))
    try:
        await _wait_for_polling(emulator, polling)
        announce()
        await polling
    finally:
        await _stop(polling)


async def _wait_for_polling(emulator: BotAPIEmulator, polling: asyncio.Task[None]) -> None:
    # The emulator re-checks its condition only on its own events: a bot that fails to start
    # (a database behind its migrations) is noticed by waiting on its task as well.
    polls = asyncio.ensure_future(emulator.wait_until(lambda: emulator.active_polls > 0, STARTUP_TIMEOUT))
    try:
        await asyncio.wait({polls, polling}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        if not polls.done():
            polls.cancel()
    started = polls.done() and not polls.cancelled() and polls.result()
    if polling.done():
        polling.result()  # re-raise what broke start-up (e.g. a database that is behind)
        raise RuntimeError("the bot stopped before it started polling")
    if not started:
        await _stop(polling)
        raise RuntimeError(f"the bot did not start polling within {STARTUP_TIMEOUT:.0f}s")


async def _stop(polling: asyncio.Task[None]) -> None:
    if not polling.done():
        polling.cancel()
    try:
        await polling
    except asyncio.CancelledError:
        pass
