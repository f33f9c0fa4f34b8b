"""Counting updates being handled, so a stopping process can let them finish before closing."""

from __future__ import annotations

import asyncio
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.dispatcher.dispatcher import DEFAULT_BACKOFF_CONFIG
from aiogram.types import Update
from aiogram.utils.backoff import BackoffConfig


class InFlight:
    """How many updates are being handled; `drain()` waits until there are none."""

    def __init__(self) -> None:
        self.count = 0
        self._idle = asyncio.Event()
        self._idle.set()

    def __enter__(self) -> None:
        self.count += 1
        self._idle.clear()

    def __exit__(self, *_: object) -> None:
        self.count -= 1
        if self.count == 0:
            self._idle.set()

    async def drain(self, seconds: float) -> bool:
        """Wait until no update is in progress; False if some were still running after `seconds`."""
        try:
            await asyncio.wait_for(self._idle.wait(), seconds)
        except TimeoutError:
            return False
        return True


class DrainingDispatcher(Dispatcher):
    """A Dispatcher that counts every update from the moment it is fed.

    aiogram's polling returns on a stop signal without awaiting the update tasks it started (they
    are already confirmed to Telegram), so the runner drains them before closing the session and
    the database; counting in feed_update also covers updates still queued for their chat's lock.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.in_flight = InFlight()

    async def feed_update(self, bot: Bot, update: Update, **kwargs: Any) -> Any:
        with self.in_flight:
            return await super().feed_update(bot, update, **kwargs)

    async def _polling(
        self,
        bot: Bot,
        polling_timeout: int = 30,
        handle_as_tasks: bool = True,
        backoff_config: BackoffConfig = DEFAULT_BACKOFF_CONFIG,
        allowed_updates: list[str] | None = None,
        tasks_concurrency_limit: int | None = None,
        **kwargs: Any,
    ) -> None:
        """aiogram's polling loop replaced by one that confirms updates only once handled (bot.polling)."""
        from bot.polling import poll

        await poll(
            self,
            bot,
            polling_timeout=polling_timeout,
            backoff_config=backoff_config,
            allowed_updates=allowed_updates,
            concurrency=tasks_concurrency_limit,
            tasks=self._handle_update_tasks,
            data=kwargs,
        )
