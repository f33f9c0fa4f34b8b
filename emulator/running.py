"""Running a real aiogram Dispatcher against the emulator for the length of a ``with`` block."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from aiogram import Bot, Dispatcher

    from .emulator import BotAPIEmulator


@asynccontextmanager
async def polling(
    emulator: BotAPIEmulator,
    dispatcher: Dispatcher,
    bot: Bot,
    *,
    startup_timeout: float = 5.0,
    **polling_kwargs: Any,
) -> AsyncIterator[None]:
    """Long-poll the emulator with ``dispatcher`` inside the block; stop polling on exit.

    Returns only once the first getUpdates is waiting, so updates injected in the block are seen.
    """
    polling_kwargs = {"handle_signals": False, "close_bot_session": False, **polling_kwargs}
    task = asyncio.create_task(dispatcher.start_polling(bot, **polling_kwargs))
    try:
        started = await emulator.wait_until(lambda: emulator.active_polls > 0 or task.done(), startup_timeout)
        if task.done():
            task.result()  # re-raise what broke start-up
            raise AssertionError("polling ended before it started waiting for updates")
        if not started:
            raise AssertionError(f"the dispatcher did not start polling within {startup_timeout}s")
        yield
    finally:
        if not task.done():
            await dispatcher.stop_polling()
        await task
